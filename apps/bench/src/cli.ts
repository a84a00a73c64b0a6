#!/usr/bin/env node
/**
 * virtkit-bench: median of several runs per workload and engine, wall and CPU time, written as a
 * table and JSON. Engines: "step" (decode every instruction), "interpreter" (decoded blocks, the JIT
 * off: cpu.jit = false / VIRTKIT_JIT=0) and "jit". Every run checks its exact instruction count.
 *
 * VIRTKIT_BENCH_RUNS     runs per measurement (default 5)
 * VIRTKIT_BENCH_ONLY     a regular expression selecting workloads by name
 * VIRTKIT_BENCH_ENGINES  comma-separated engines (default step,interpreter,jit)
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuBranchyLoop, cpuIntegerLoop, cpuMemoryLoop, cpuPagingLoop, cpuStringLoop, cpuX87Loop, ENGINES, kvmPioLoop, type Engine } from "./workloads.js";
import { measure, summarize, type Sample } from "./measure.js";

const RUNS = Number(process.env.VIRTKIT_BENCH_RUNS ?? 5);
const only = process.env.VIRTKIT_BENCH_ONLY === undefined ? null : new RegExp(process.env.VIRTKIT_BENCH_ONLY);
const engines = (process.env.VIRTKIT_BENCH_ENGINES?.split(",") ?? ENGINES).filter((e): e is Engine => (ENGINES as readonly string[]).includes(e));

/** Work per run scaled by engine so every measurement lasts a few hundred milliseconds. */
const SCALE: Record<Engine, number> = { step: 1, interpreter: 2, jit: 20 };

interface Workload {
  name: string;
  unit: "MIPS" | "exits/s";
  /** Runs the workload once on an engine at the given scale; returns the units of work done. */
  run: (engine: Engine, scale: number) => number;
  engines: readonly Engine[];
}

const cpuWorkloads: Workload[] = [
  { name: "integer loop", unit: "MIPS", run: (e, s) => cpuIntegerLoop(2_000_000 * s, e), engines },
  { name: "branchy loop", unit: "MIPS", run: (e, s) => cpuBranchyLoop(1_000_000 * s, e), engines },
  { name: "memory loop", unit: "MIPS", run: (e, s) => cpuMemoryLoop(1_000_000 * s, e), engines },
  { name: "string (rep movsd/stosd)", unit: "MIPS", run: (e, s) => cpuStringLoop(20 * s, e), engines },
  { name: "paging (TLB misses, #PF)", unit: "MIPS", run: (e, s) => cpuPagingLoop(10 * s, e), engines },
  { name: "x87 loop", unit: "MIPS", run: (e, s) => cpuX87Loop(100_000 * Math.min(s, 2), e), engines },
];
const workloads: Workload[] = [...cpuWorkloads, { name: "kvm: port-I/O exits to user space", unit: "exits/s", run: () => kvmPioLoop(), engines: ["jit"] }];

const results = [];
for (const w of workloads) {
  if (only !== null && !only.test(w.name)) continue;
  for (const engine of w.engines) {
    if (!engines.includes(engine)) continue;
    const scale = SCALE[engine];
    const label = w.unit === "MIPS" ? `${w.name} [${engine}]` : w.name;
    w.run(engine, scale); // warm-up
    const samples: Sample[] = [];
    for (let i = 0; i < RUNS; i++) {
      if (process.stderr.isTTY) process.stderr.write(`\r${label}: run ${i + 1}/${RUNS}   `);
      samples.push(measure(() => w.run(engine, scale)));
    }
    if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
    const s = summarize(samples);
    const rate = w.unit === "MIPS" ? s.ratePerSec / 1e6 : s.ratePerSec;
    // The same work per CPU second (the machines are shared: wall time includes other processes).
    const units = samples[0]?.units ?? 0;
    const cpuRate = (units / s.medianCpuMs) * 1000 / (w.unit === "MIPS" ? 1e6 : 1);
    results.push({ workload: w.name, engine, unit: w.unit, rate, cpuRate, ...s });
    const digits = w.unit === "MIPS" ? 1 : 0;
    console.log(`${label.padEnd(48)} ${rate.toFixed(digits).padStart(12)} ${w.unit.padEnd(8)} (${cpuRate.toFixed(digits)} per CPU s) median wall ${s.medianWallMs.toFixed(0)} ms, cpu ${s.medianCpuMs.toFixed(0)} ms (${s.runs} runs)`);
  }
}
// Results go to the repository's bench-results/ folder (two levels above apps/bench/dist).
const dir = join(import.meta.dirname, "..", "..", "..", "bench-results");
mkdirSync(dir, { recursive: true });
const file = join(dir, "latest.json");
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + "\n");
console.log(`results written to ${file}`);
