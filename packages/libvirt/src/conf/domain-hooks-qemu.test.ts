import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatDomainXML, parseDomainXML } from "./domain-conf.js";
import { VIR_DOMAIN_XML_INACTIVE } from "./domain-flags.js";
import { qemuDefineFlagsToParseFlags, qemuDriverPostParse } from "./domain-hooks-qemu.js";
import { goldenErrorTests, goldenInputs } from "./golden-errors.test-helper.js";

const CONF = new URL("../../test-data/conf/", import.meta.url);
const DIR = new URL("qemu/", CONF);
const read = (name: string): string => readFileSync(new URL(name, DIR), "utf8");
const inputs = goldenInputs(DIR, readdirSync(DIR));
const qemu = qemuDriverPostParse();

/** what qemuDomainDefineXMLFlags does with the XML */
const defineLikeQemuDriver = (xml: string, defineFlags = 0): string =>
  formatDomainXML(parseDomainXML(xml, { flags: qemuDefineFlagsToParseFlags(defineFlags), postParse: qemu }), { flags: VIR_DOMAIN_XML_INACTIVE });

describe("domain XML with the qemu driver's defaults matches a real libvirtd qemu:///session (define + dumpxml --inactive)", () => {
  it("has a corpus", () => expect(inputs.length).toBeGreaterThanOrEqual(20));
  for (const name of inputs) {
    describe(name, () => {
      it("inactive XML", () => {
        expect(defineLikeQemuDriver(read(`${name}.in.xml`))).toBe(read(`${name}.inactive.xml`));
      });
      it("defined again from its own output", () => {
        expect(defineLikeQemuDriver(read(`${name}.inactive.xml`))).toBe(read(`${name}.roundtrip.xml`));
      });
    });
  }
});

describe("qemu driver errors match a real libvirtd qemu:///session", () => {
  goldenErrorTests(new URL("qemu-errors/", CONF), (xml, file) => defineLikeQemuDriver(xml, file.startsWith("validate-") ? 1 : 0));
});

describe("live XML of a domain really started by libvirtd's qemu driver (aliases, pty paths, tty compat, SECURE)", () => {
  const LIVE = new URL("qemu-live/", CONF);
  const readLive = (name: string): string => readFileSync(new URL(name, LIVE), "utf8");
  for (const name of goldenInputs(LIVE, readdirSync(LIVE))) {
    const golden = readLive(`${name}.live.xml`);
    const id = Number(/^<domain type='\w+' id='(\d+)'>/.exec(golden)![1]);
    // libvirtd's status XML is the live definition: parse it as live (not INACTIVE) and format again
    const def = (): ReturnType<typeof parseDomainXML> => parseDomainXML(golden, { flags: 0, postParse: qemu });
    it(`${name}: live XML`, () => {
      expect(formatDomainXML(def(), { live: { id } })).toBe(golden);
    });
    it(`${name}: live XML with VIR_DOMAIN_XML_SECURE (parsed from the secure dump)`, () => {
      const secure = readLive(`${name}.secure.xml`);
      const d = parseDomainXML(secure, { flags: 0, postParse: qemu });
      expect(formatDomainXML(d, { flags: 1, live: { id } })).toBe(secure);
      expect(formatDomainXML(d, { live: { id } })).toBe(golden);
    });
    it(`${name}: pty paths, the console's tty= and id= are live-only; aliases stay (libvirt formats them unconditionally)`, () => {
      const inactive = formatDomainXML(def(), { flags: VIR_DOMAIN_XML_INACTIVE });
      expect(inactive).not.toContain("/dev/pts/");
      expect(inactive).not.toContain(" tty=");
      expect(inactive.split("\n")[0]).toBe("<domain type='qemu'>");
      expect(inactive.includes("<alias ")).toBe(golden.includes("<alias "));
    });
  }
});
