/**
 * A quick run of the whole pipeline: virtkit's JIT and QEMU TCG (when installed) on the same ROM in one
 * run. Checks what the run must get right (exact counts, same registers, a ratio from the same run),
 * never how fast anything was.
 */
import { describe, expect, it } from "vitest";
import { runBench } from "./bench.js";
import { ratios } from "./report.js";
import { workloadByName } from "./rom.js";
import { qemuTcgRunner } from "./runners/qemu.js";
import { virtkitCpuRunner } from "./runners/virtkit-cpu.js";

describe("a quick benchmark run", () => {
  it("measures virtkit and QEMU TCG on the same workload, with exact counts and a same-run ratio", async () => {
    const missing = qemuTcgRunner.unavailable();
    if (missing !== null) console.warn(`the QEMU half of this test is skipped: ${missing}`);
    const integer = workloadByName("integer")!;
    const result = await runBench({ runners: [virtkitCpuRunner("jit"), qemuTcgRunner], workloads: [integer], runs: 3, targetSeconds: 0.01 });
    expect(result.failures).toEqual([]);
    const jit = result.cells.find((c) => c.runner === "virtkit-jit")!;
    expect(jit.runs).toBe(3);
    expect(jit.instructionsReported).toBe(integer.regionInstructions(jit.n));
    expect(jit.rate).toBeGreaterThan(0);
    if (missing === null) {
      const q = result.cells.find((c) => c.runner === "qemu-tcg")!;
      expect(q.registers).toMatch(/^[0-9a-f]{8}( 00000000){6}$/);
      const r = ratios(result).find((x) => x.subject === "virtkit-jit" && x.peer === "qemu-tcg")!;
      expect(r.ratio).toBeCloseTo(jit.rate / q.rate, 9);
    } else {
      expect(result.runners.find((r) => r.id === "qemu-tcg")?.skipped).toBe(missing);
    }
  });
  it("records a runner's failure for the cell instead of stopping the run", async () => {
    const broken = { ...virtkitCpuRunner("jit"), id: "broken", run: () => Promise.reject(new Error("no such machine")) };
    const result = await runBench({ runners: [broken], workloads: [workloadByName("x87")!], runs: 1, targetSeconds: 0.01 });
    expect(result.cells).toEqual([]);
    expect(result.failures).toEqual([{ workload: "x87", runner: "broken", error: "no such machine" }]);
  });
});
