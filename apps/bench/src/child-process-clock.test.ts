import { describe, expect, it } from "vitest";
import { childCpuMs, cpuMsFromStat } from "./child-process-clock.js";

describe("CPU time of a child process from /proc/<pid>/stat", () => {
  it("reads utime + stime after the command name, even one with spaces and parentheses", () => {
    const stat = "4242 (qemu (x) i386) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 3 0 100 0 0";
    // 250 + 50 ticks at CLK_TCK (100 on Linux) = 3000 ms
    expect(cpuMsFromStat(stat)).toBeCloseTo(3000 * (100 / 100), 5);
  });
  it("rejects text that is not a stat line", () => {
    expect(() => cpuMsFromStat("no parens here")).toThrow(/not a \/proc\/<pid>\/stat line/);
  });
  it("gives this process's own CPU time, and NaN for a process that does not exist", () => {
    expect(childCpuMs(process.pid)).toBeGreaterThanOrEqual(0);
    expect(childCpuMs(2 ** 22 + 12345)).toBeNaN();
  });
});
