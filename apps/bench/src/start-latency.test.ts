import { describe, expect, it } from "vitest";
import { conf } from "@virtkit/libvirt";
import { START_GUEST_MIB, processToFirstByte, startDomainXml, startMachineArgs } from "./start-latency.js";

describe("start to the first serial byte", () => {
  it("defines the demo guest with its COM1 in a file, which the qemu driver's XML parser reads back", () => {
    const xml = startDomainXml("bench-start", "/k/demo.bin", "/tmp/com1.log");
    const def = conf.parseDomainXML(xml);
    expect(def.name).toBe("bench-start");
    expect(def.os.kernel).toBe("/k/demo.bin");
    expect(def.serials).toHaveLength(1);
    expect(def.serials[0]?.source).toMatchObject({ type: "file", path: "/tmp/com1.log" });
  });
  it("gives both emulators the same machine, with COM1 on stdio", () => {
    expect(startMachineArgs("/k/demo.bin")).toEqual(["-M", "pc", "-m", String(START_GUEST_MIB), "-nodefaults", "-display", "none", "-kernel", "/k/demo.bin", "-serial", "stdio"]);
  });
  it("times a process to its first stdout byte and stops it there", async () => {
    const s = await processToFirstByte(["sh", "-c", "printf x; sleep 30"]);
    expect(s.wallMs).toBeGreaterThan(0);
    expect(s.cpuMs).toBeGreaterThanOrEqual(0);
  });
  it("fails with the process's exit and stderr when it ends before any output", async () => {
    await expect(processToFirstByte(["sh", "-c", "echo oops >&2; exit 3"])).rejects.toThrow(/exited with 3 before any serial output: oops/);
  });
});
