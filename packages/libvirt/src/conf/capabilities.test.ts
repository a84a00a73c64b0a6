import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { formatCapabilities, parseCapabilitiesXML, testDriverCapabilities, type Capabilities } from "./capabilities.js";

const BUILTIN = new URL("../../test-data/conf/builtin/", import.meta.url);
const read = (name: string): string => readFileSync(new URL(name, BUILTIN), "utf8");
/** virsh capabilities prints the document followed by a newline of its own */
const readVirshCapabilities = (name: string): string => read(name).replace(/\n$/, "");

describe("capabilities XML", () => {
  it("the test driver's capabilities are what a real libvirtd test driver returns", () => {
    expect(formatCapabilities(testDriverCapabilities())).toBe(readVirshCapabilities("capabilities.xml"));
  });
  it("formats a qemu driver's capabilities as real libvirtd 9.0 does (qemu:///session on this host)", () => {
    const golden = readVirshCapabilities("capabilities-qemu-session.xml");
    const caps = parseCapabilitiesXML(golden);
    expect(caps.host.cpu?.model).toBe("Broadwell");
    expect(caps.guests.map((g) => [g.osType, g.arch, g.domains.map((d) => d.type)])).toEqual([
      ["hvm", "i686", ["qemu"]],
      ["hvm", "x86_64", ["qemu"]],
    ]);
    expect(formatCapabilities(caps)).toBe(golden);
  });
  it("parse(format(x)) == x for the test driver's capabilities", () => {
    const caps = testDriverCapabilities();
    expect(parseCapabilitiesXML(formatCapabilities(caps))).toEqual(caps);
  });
  it("a small hand-written host: x86_64 with host CPU model/topology, hvm guests for i686 and x86_64, kvm and qemu", () => {
    const caps: Capabilities = {
      host: {
        arch: "x86_64",
        cpu: { model: "qemu64", vendor: "AMD", topology: { sockets: 1, dies: 1, cores: 4, threads: 2 }, features: ["svm"] },
        iommu: false,
      },
      guests: ["i686", "x86_64"].map((arch) => ({
        osType: "hvm",
        arch,
        wordsize: arch === "i686" ? 32 : 64,
        emulator: "/usr/bin/virtkit-qemu",
        machines: [{ name: "pc-i440fx-7.2", maxCpus: 255 }, { name: "pc", canonical: "pc-i440fx-7.2", maxCpus: 255 }],
        domains: [{ type: "qemu" }, { type: "kvm" }],
        features: [{ name: "acpi", default: "on", toggle: "yes" }, { name: "cpuselection" }],
      })),
    };
    const xml = formatCapabilities(caps);
    expect(xml).toContain(
      "    <cpu>\n      <arch>x86_64</arch>\n      <model>qemu64</model>\n      <vendor>AMD</vendor>\n      <topology sockets='1' dies='1' cores='4' threads='2'/>\n      <feature name='svm'/>\n    </cpu>\n    <power_management/>\n",
    );
    expect(xml).toContain("      <machine canonical='pc-i440fx-7.2' maxCpus='255'>pc</machine>\n      <domain type='qemu'/>\n      <domain type='kvm'/>\n");
    expect(parseCapabilitiesXML(xml)).toEqual({ ...caps, host: { ...caps.host, powerManagement: [] } });
  });
});
