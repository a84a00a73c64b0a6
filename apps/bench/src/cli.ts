#!/usr/bin/env node
/**
 * virtkit-bench: median of several runs per workload, wall and CPU time, written as a table and JSON.
 * Peers (v86, QEMU TCG, Bochs, /dev/kvm) are added by the benchmark issue; this measures virtkit's own
 * CPU and exit path.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { cpuIntegerLoop, kvmPioLoop } from "./workloads.js";
import { measure, summarize, type Sample } from "./measure.js";

const RUNS = Number(process.env.VIRTKIT_BENCH_RUNS ?? 5);
const workloads: { name: string; unit: string; run: () => number }[] = [
  { name: "cpu: integer loop (interpreter)", unit: "MIPS", run: () => cpuIntegerLoop() },
  { name: "kvm: port-I/O exits to user space", unit: "exits/s", run: () => kvmPioLoop() },
];

const results = [];
for (const w of workloads) {
  w.run(); // warm-up
  const samples: Sample[] = [];
  for (let i = 0; i < RUNS; i++) {
    if (process.stderr.isTTY) process.stderr.write(`\r${w.name}: run ${i + 1}/${RUNS}   `);
    samples.push(measure(w.run));
  }
  if (process.stderr.isTTY) process.stderr.write("\r\x1b[K");
  const s = summarize(samples);
  const rate = w.unit === "MIPS" ? s.ratePerSec / 1e6 : s.ratePerSec;
  results.push({ workload: w.name, unit: w.unit, rate, ...s });
  console.log(`${w.name.padEnd(40)} ${rate.toFixed(w.unit === "MIPS" ? 1 : 0).padStart(12)} ${w.unit.padEnd(8)} median wall ${s.medianWallMs.toFixed(0)} ms, cpu ${s.medianCpuMs.toFixed(0)} ms (${s.runs} runs)`);
}
// Results go to the repository's bench-results/ folder (two levels above apps/bench/dist).
const dir = join(import.meta.dirname, "..", "..", "..", "bench-results");
mkdirSync(dir, { recursive: true });
const file = join(dir, "latest.json");
writeFileSync(file, JSON.stringify({ date: new Date().toISOString(), node: process.version, results }, null, 2) + "\n");
console.log(`results written to ${file}`);
