/**
 * One benchmark run: every available runner on every workload it supports, in the same process run, so
 * the ratios compare figures taken under the same load. Per cell: a correctness run at the workload's
 * checkN (its register line must equal virtkit's), a calibration that picks N so the region lasts about
 * `targetSeconds`, then `runs` runs at that N; the cell keeps the median rate, wall and CPU time.
 * Nothing here is a pass/fail limit on speed.
 */
import { median } from "./measure.js";
import { WORKLOADS, type Unit, type Workload, type WorkloadName } from "./rom.js";
import type { LinuxBootResult } from "./linux-boot.js";
import type { MgmtResult } from "./mgmt.js";
import type { RunResult, Runner } from "./runner.js";

export interface BenchOptions {
  runners: readonly Runner[];
  workloads?: readonly Workload[];
  runs: number;
  targetSeconds: number;
  /** Progress lines (to stderr by the CLI). */
  progress?: (line: string) => void;
  /**
   * Measures an in-process runner (Runner.inProcess) on these workloads in a process of its own (the CLI
   * starts itself with --child-runner); without it every runner runs in this process.
   */
  isolate?: (runner: Runner, workloads: readonly Workload[]) => Promise<{ cells: Cell[]; failures: Failure[] }>;
}

export interface Cell {
  workload: WorkloadName;
  runner: string;
  unit: Unit;
  n: number;
  /** Median rate in `unit` over the runs (wall time). */
  rate: number;
  /** The same work per second of CPU time (median CPU time). */
  cpuRate: number;
  medianWallMs: number;
  medianCpuMs: number;
  runs: number;
  registers: string;
  /** The exact region length for n, and what the runner reported (virtkit: exact; Bochs: ticks; v86: approximate). */
  instructionsExpected: number;
  instructionsReported?: number;
  /** Exits the VMM counted in the region (must equal n). */
  exits?: number;
}

export interface Failure {
  workload: WorkloadName;
  runner: string;
  error: string;
}

export interface BenchResult {
  date: string;
  host: { cpus: number; model: string; node: string };
  options: { runs: number; targetSeconds: number };
  runners: { id: string; title: string; group: string; skipped?: string }[];
  cells: Cell[];
  failures: Failure[];
  /** The opt-in linux-boot benchmark (`--linux`), which has its own date: each kind of run keeps the other's part of latest.json. */
  linuxBoot?: LinuxBootResult;
  /** The opt-in management-plane and memory benchmark (`--mgmt`), kept the same way. */
  mgmt?: MgmtResult;
}

/** Rate of one run in the workload's unit. */
export function rateOf(w: Workload, n: number, ms: number): number {
  const perSecond = (w.work(n) / ms) * 1000;
  return w.unit === "MIPS" ? perSecond / 1e6 : perSecond;
}

/** The N that makes a run of `n` lasting `ms` last about `targetSeconds`, within [checkN, maxN]. */
export function scaledN(w: Workload, n: number, ms: number, targetSeconds: number): number {
  const factor = (targetSeconds * 1000) / Math.max(ms, 0.05);
  return Math.max(w.checkN, Math.min(w.maxN, Math.round(n * factor)));
}

async function measureCell(r: Runner, w: Workload, reference: string | undefined, opts: BenchOptions): Promise<Cell> {
  const check = await r.run(w, w.checkN);
  if (reference !== undefined && check.registers !== reference) {
    throw new Error(`wrong result for N=${w.checkN}: registers ${check.registers}, virtkit's CPU gives ${reference}`);
  }
  if (check.exits !== undefined && check.exits !== w.checkN) throw new Error(`counted ${check.exits} exits for N=${w.checkN}`);
  // Calibrate: scale from the check run, then once more from a run at the scaled N (JIT warm-up and
  // start-up make the first estimate low).
  let n = scaledN(w, w.checkN, check.wallMs, opts.targetSeconds);
  // A short check run can also overestimate (the markers of a process peer arrive close together):
  // rescale from the probe whenever it is off by more than a factor of two either way.
  const probe = await r.run(w, n);
  const targetMs = opts.targetSeconds * 1000;
  if (probe.wallMs < targetMs / 2 || probe.wallMs > targetMs * 2) n = scaledN(w, n, probe.wallMs, opts.targetSeconds);
  const samples: RunResult[] = [];
  for (let i = 0; i < opts.runs; i++) {
    opts.progress?.(`${w.name} on ${r.id}: run ${i + 1}/${opts.runs} (N=${n})`);
    const s = await r.run(w, n);
    if (s.exits !== undefined && s.exits !== n) throw new Error(`counted ${s.exits} exits for N=${n}`);
    samples.push(s);
  }
  const wall = median(samples.map((s) => s.wallMs));
  const cpu = median(samples.map((s) => s.cpuMs));
  const mid = samples.find((s) => s.wallMs === wall) ?? samples[0]!;
  const cell: Cell = {
    workload: w.name, runner: r.id, unit: w.unit, n,
    rate: rateOf(w, n, wall), cpuRate: rateOf(w, n, cpu),
    medianWallMs: wall, medianCpuMs: cpu, runs: samples.length, registers: mid.registers,
    instructionsExpected: w.regionInstructions(n),
  };
  if (mid.instructions !== undefined) cell.instructionsReported = mid.instructions;
  if (mid.exits !== undefined) cell.exits = mid.exits;
  return cell;
}

export async function runBench(opts: BenchOptions): Promise<BenchResult> {
  const { cpus, machine } = await import("node:os").then((os) => ({ cpus: os.cpus(), machine: os.machine() }));
  const result: BenchResult = {
    date: new Date().toISOString(),
    host: { cpus: cpus.length, model: `${cpus[0]?.model ?? "unknown"} (${machine})`, node: process.version },
    options: { runs: opts.runs, targetSeconds: opts.targetSeconds },
    runners: [],
    cells: [],
    failures: [],
  };
  const available: Runner[] = [];
  for (const r of opts.runners) {
    const why = r.unavailable();
    result.runners.push({ id: r.id, title: r.title, group: r.group, ...(why === null ? {} : { skipped: why }) });
    if (why === null) available.push(r);
    else opts.progress?.(`skipping ${r.title}: ${why}`);
  }
  // The reference register lines come from virtkit's CPU (exact and in-process); the check runs of the
  // other runners must match them.
  const { runOnVirtkitCpu } = await import("./runners/virtkit-cpu.js");
  const workloads = opts.workloads ?? WORKLOADS;
  const isolate = opts.isolate;
  const apart = isolate === undefined ? [] : available.filter((r) => r.inProcess === true);
  for (const r of apart) {
    const own = workloads.filter((w) => r.supports(w));
    if (own.length === 0) continue;
    opts.progress?.(`${r.id}: in a process of its own`);
    try {
      const part = await isolate!(r, own);
      result.cells.push(...part.cells);
      result.failures.push(...part.failures);
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      for (const w of own) result.failures.push({ workload: w.name, runner: r.id, error });
    }
  }
  for (const w of workloads) {
    const reference = runOnVirtkitCpu(w, w.checkN, "interpreter").registers;
    for (const r of available) {
      if (!r.supports(w) || apart.includes(r)) continue;
      opts.progress?.(`${w.name} on ${r.id}: checking and calibrating`);
      try {
        const cell = await measureCell(r, w, reference, opts);
        result.cells.push(cell);
        opts.progress?.(`done: ${w.name} on ${r.id}`);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        result.failures.push({ workload: w.name, runner: r.id, error });
        opts.progress?.(`failed: ${w.name} on ${r.id}: ${error}`);
      }
    }
  }
  // Workload by workload, runners in their given order, wherever each was measured.
  const order = (workload: string, runner: string): number =>
    workloads.findIndex((w) => w.name === workload) * 1000 + opts.runners.findIndex((r) => r.id === runner);
  result.cells.sort((a, b) => order(a.workload, a.runner) - order(b.workload, b.runner));
  result.failures.sort((a, b) => order(a.workload, a.runner) - order(b.workload, b.runner));
  return result;
}
