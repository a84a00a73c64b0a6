import { readFileSync, readdirSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { goldenErrorTests, goldenInputs } from "./golden-errors.test-helper.js";
import { formatNetworkXML, parseNetworkXML } from "./network-conf.js";
import { formatSocketAddr, parseSocketAddr, tryParseSocketAddr } from "./socket-addr.js";

const DIR = new URL("../../test-data/conf/network/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, DIR), "utf8");
const inputs = goldenInputs(DIR, readdirSync(DIR));

describe("network XML matches a real libvirtd test driver (net-define + net-dumpxml)", () => {
  it("has a corpus", () => expect(inputs.length).toBeGreaterThanOrEqual(12));
  for (const name of inputs) {
    describe(name, () => {
      it("defined network", () => {
        expect(formatNetworkXML(parseNetworkXML(read(`${name}.in.xml`)))).toBe(read(`${name}.out.xml`));
      });
      it("started network", () => {
        expect(formatNetworkXML(parseNetworkXML(read(`${name}.in.xml`)))).toBe(read(`${name}.live.xml`));
      });
      it("round trip", () => {
        const once = formatNetworkXML(parseNetworkXML(read(`${name}.in.xml`)));
        expect(formatNetworkXML(parseNetworkXML(once))).toBe(once);
      });
    });
  }
  it("the test driver's built-in 'default' network", () => {
    const golden = readFileSync(new URL("../builtin/network-default.xml", DIR), "utf8");
    expect(formatNetworkXML(parseNetworkXML(golden))).toBe(golden);
  });
  it("generates a UUID when absent", () => {
    const def = parseNetworkXML("<network><name>x</name></network>");
    expect(def.uuidSpecified).toBe(false);
    expect(def.uuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });
});

describe("network errors match a real libvirtd (virNetworkDefineXML through python3-libvirt)", () => {
  goldenErrorTests(new URL("../network-errors/", DIR), (xml, file) => parseNetworkXML(xml, { flags: file.startsWith("validate-") ? 1 : 0 }));
});

describe("socket addresses as glibc getaddrinfo/getnameinfo handle them", () => {
  const cases: [string, string | null][] = [
    ["10", "0.0.0.10"],
    ["10.1", "10.0.0.1"],
    ["0x0a.0.0.1", "10.0.0.1"],
    ["010.0.0.1", "8.0.0.1"],
    ["1.2.3", "1.2.0.3"],
    ["4294967295", "255.255.255.255"],
    ["1.16777215", "1.255.255.255"],
    ["1.2.3.256", null],
    ["1.2.3.4 ", null],
    ["4294967296", null],
    ["0x100.1", null],
    ["", null],
    ["::ffff:1.2.3.4", "::ffff:1.2.3.4"],
    ["::1.2.3.4", "::1.2.3.4"],
    ["2001:db8::", "2001:db8::"],
    ["1:0:0:1:0:0:0:1", "1:0:0:1::1"],
    ["2001:DB8:0:0:1::1", "2001:db8::1:0:0:1"],
    ["::", "::"],
    ["::1", "::1"],
    ["1::", "1::"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"],
    ["1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7"],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1::2::3", null],
    ["12345::", null],
  ];
  for (const [input, want] of cases) {
    it(`${JSON.stringify(input)} -> ${want ?? "error"}`, () => {
      const a = tryParseSocketAddr(input);
      expect(a === null ? null : formatSocketAddr(a)).toBe(want);
    });
  }
  it("AF_INET parsing rejects IPv6 with glibc's message", () => {
    expect(() => parseSocketAddr("fd00::1", "ipv4")).toThrow("Cannot parse socket address 'fd00::1': Address family for hostname not supported");
  });
});
