import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { childCpuMs, childPids, cpuMsFromStat, descendantPids, killDescendants, reapedChildrenCpuMs, reapedChildrenCpuMsFromStat } from "./child-process-clock.js";

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
  it("reads the reaped children's cutime + cstime (fields 16 and 17)", () => {
    const stat = "4242 (node) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 50 70 30 20 0 3 0 100 0 0";
    expect(reapedChildrenCpuMsFromStat(stat)).toBeCloseTo(1000, 5);
  });
  it("counts a child that burnt CPU and exited in this process's reaped-children time", () => {
    const before = reapedChildrenCpuMs();
    spawnSync("sh", ["-c", "i=0; while [ $i -lt 200000 ]; do i=$((i+1)); done"]);
    expect(reapedChildrenCpuMs()).toBeGreaterThan(before);
  });
  it("lists a live process's children, and none for a process that does not exist", () => {
    expect(childPids(2 ** 22 + 12345)).toEqual([]);
    expect(Array.isArray(childPids(process.pid))).toBe(true);
  });
});

describe("a process's descendants", () => {
  it("lists children and grandchildren, and kills them", async () => {
    const { spawn } = await import("node:child_process");
    const p = spawn("sh", ["-c", "sh -c 'sleep 30' & sleep 30 & wait"], { stdio: "ignore" });
    let found: number[] = [];
    for (let i = 0; i < 200 && found.length < 3; i++) {
      await new Promise((r) => setTimeout(r, 10));
      found = descendantPids(p.pid ?? 0);
    }
    expect(found.length).toBeGreaterThanOrEqual(3);
    const gone = new Promise((r) => p.once("exit", r));
    killDescendants(p.pid ?? 0);
    await gone;
    expect(descendantPids(p.pid ?? 0)).toEqual([]);
  });
});
