/**
 * A quick run of the whole pipeline: virtkit's JIT and QEMU TCG (when installed) on the same ROM in one
 * run. Checks what the run must get right (exact counts, same registers, a ratio from the same run),
 * never how fast anything was.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runBench, type Cell } from "./bench.js";
import type { Runner } from "./runner.js";
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

  it("hands in-process runners to `isolate` (a process of their own) and keeps the cells in workload and runner order", async () => {
    const integer = workloadByName("integer")!;
    const branchy = workloadByName("branchy")!;
    const inProcess: Runner = { ...virtkitCpuRunner("jit"), run: () => Promise.reject(new Error("ran in the parent")) };
    const here: Runner = { ...virtkitCpuRunner("interpreter"), inProcess: false };
    const asked: string[] = [];
    const isolate = (r: Runner, ws: readonly { name: string }[]): Promise<{ cells: Cell[]; failures: [] }> => {
      asked.push(`${r.id}: ${ws.map((w) => w.name).join(",")}`);
      // What the child would report, from a run in this process of the same runner.
      return runBench({ runners: [virtkitCpuRunner("jit")], workloads: [integer, branchy], runs: 1, targetSeconds: 0.01 }).then((p) => ({ cells: p.cells, failures: [] }));
    };
    const result = await runBench({ runners: [inProcess, here], workloads: [integer, branchy], runs: 1, targetSeconds: 0.01, isolate });
    expect(asked).toEqual(["virtkit-jit: integer,branchy"]);
    expect(result.failures).toEqual([]);
    expect(result.cells.map((c) => `${c.workload} ${c.runner}`)).toEqual(["integer virtkit-jit", "integer virtkit-interpreter", "branchy virtkit-jit", "branchy virtkit-interpreter"]);
  });

  it("records a failed isolated process as a failure of each of its cells", async () => {
    const result = await runBench({
      runners: [virtkitCpuRunner("jit")], workloads: [workloadByName("integer")!], runs: 1, targetSeconds: 0.01,
      isolate: () => Promise.reject(new Error("virtkit-jit's process exited with 1")),
    });
    expect(result.failures).toEqual([{ workload: "integer", runner: "virtkit-jit", error: "virtkit-jit's process exited with 1" }]);
  });
});

const CLI = join(import.meta.dirname, "..", "dist", "cli.js");
describe.skipIf(!existsSync(CLI))("the CLI", () => {
  it("measures an in-process runner in a child process (--child-runner) and writes its cell", () => {
    const out = mkdtempSync(join(tmpdir(), "bench-cli-"));
    try {
      const r = spawnSync(process.execPath, [CLI, "--quick", "--only", "^integer$", "--runners", "virtkit-jit", "--out", out], { encoding: "utf8" });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stderr).toContain("virtkit-jit: in a process of its own");
      const json = JSON.parse(readFileSync(join(out, "latest.json"), "utf8")) as { cells: Cell[] };
      expect(json.cells.map((c) => `${c.workload} ${c.runner} ${String(c.instructionsReported === c.instructionsExpected)}`)).toEqual(["integer virtkit-jit true"]);
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
