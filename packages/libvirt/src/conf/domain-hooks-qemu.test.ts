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
