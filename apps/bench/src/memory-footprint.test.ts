import { describe, expect, it } from "vitest";
import { DEMO_PROMPT, memoryMachineArgs, rssAfterBoot, testDomainXml, treeRssMiB, vmRssKiB } from "./memory-footprint.js";

describe("resident memory", () => {
  it("reads VmRSS (kB) from /proc/<pid>/status, NaN when there is none", () => {
    expect(vmRssKiB("Name:\tnode\nVmPeak:\t  900 kB\nVmRSS:\t   54321 kB\nRssAnon:\t 1 kB\n")).toBe(54321);
    expect(vmRssKiB("Name:\tkthreadd\nState:\tS (sleeping)\n")).toBeNaN();
  });
  it("sums a live process tree, and gives 0 for a process that does not exist", () => {
    expect(treeRssMiB(process.pid)).toBeGreaterThan(1);
    expect(treeRssMiB(2 ** 22 + 4321)).toBe(0);
  });
  it("reads the RSS once the guest's prompt appears, counting the children, then stops the process", async () => {
    // a stand-in for an emulator: prints the demo guest's prompt, with a child of its own alive
    const mib = await rssAfterBoot(["sh", "-c", `sleep 30 & printf '${DEMO_PROMPT}'; wait`], 50);
    expect(mib).toBeGreaterThan(0);
  });
  it("fails with the exit status when the process ends before the prompt", async () => {
    await expect(rssAfterBoot(["sh", "-c", "echo panic >&2; exit 4"], 0)).rejects.toThrow(/exited with 4 before the prompt: panic/);
  });
  it("boots the demo guest with the RAM asked for, COM1 on stdio", () => {
    const a = memoryMachineArgs(1024);
    expect(a.slice(0, 4)).toEqual(["-M", "pc", "-m", "1024"]);
    expect(a.slice(-2)).toEqual(["-serial", "stdio"]);
    expect(a[a.indexOf("-kernel") + 1]).toMatch(/demo\.bin$/);
  });
  it("defines test-driver domains with a name, memory and an OS type", () => {
    expect(testDomainXml("bench-007")).toBe("<domain type='test'><name>bench-007</name><memory unit='MiB'>32</memory><os><type>hvm</type></os></domain>");
  });
});
