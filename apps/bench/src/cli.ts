#!/usr/bin/env node
/**
 * virtkit-bench: virtkit and its peers on the same guest code (guests/bench.bin) in the same run.
 * Writes a table to stdout (progress to stderr), and results/latest.{json,svg,md} under apps/bench.
 *
 *   --quick                a short run (regions of ~0.05 s, 3 runs): for smoke tests, not for quoting
 *   --runs N               runs per cell (default 5; VIRTKIT_BENCH_RUNS)
 *   --seconds S            target length of one measured region (default 1; VIRTKIT_BENCH_SECONDS)
 *   --only REGEX           workloads by name (integer branchy memory string paging x87 pio mmio; VIRTKIT_BENCH_ONLY)
 *   --runners a,b          runner ids (default all; VIRTKIT_BENCH_RUNNERS)
 *   --out DIR              results folder (default apps/bench/results)
 * VIRTKIT_BENCH_QUICK=1 is --quick.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runBench } from "./bench.js";
import { formatTable, toJson, toMarkdown, toSvg } from "./report.js";
import { WORKLOADS } from "./rom.js";
import { ALL_RUNNERS } from "./runners/index.js";

function fail(message: string): never {
  process.stderr.write(`virtkit-bench: ${message}\n`);
  process.exit(2);
}

let values;
try {
  ({ values } = parseArgs({
    options: {
      quick: { type: "boolean" },
      runs: { type: "string" },
      seconds: { type: "string" },
      only: { type: "string" },
      runners: { type: "string" },
      out: { type: "string" },
    },
  }));
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const env = process.env;
const quick = values.quick === true || env.VIRTKIT_BENCH_QUICK === "1";
const runs = Number(values.runs ?? env.VIRTKIT_BENCH_RUNS ?? (quick ? 3 : 5));
const seconds = Number(values.seconds ?? env.VIRTKIT_BENCH_SECONDS ?? (quick ? 0.05 : 1));
if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, not ${String(values.runs ?? env.VIRTKIT_BENCH_RUNS)}`);
if (!(seconds > 0)) fail(`--seconds must be a positive number, not ${String(values.seconds ?? env.VIRTKIT_BENCH_SECONDS)}`);
const onlyText = values.only ?? env.VIRTKIT_BENCH_ONLY;
let only: RegExp | null = null;
try {
  only = onlyText === undefined ? null : new RegExp(onlyText);
} catch {
  fail(`--only: not a regular expression: ${onlyText ?? ""}`);
}
const workloads = WORKLOADS.filter((w) => only === null || only.test(w.name));
if (workloads.length === 0) fail(`--only ${onlyText ?? ""} matches no workload (${WORKLOADS.map((w) => w.name).join(", ")})`);
const runnerIds = (values.runners ?? env.VIRTKIT_BENCH_RUNNERS)?.split(",").map((s) => s.trim()).filter((s) => s !== "");
const unknown = runnerIds?.filter((id) => !ALL_RUNNERS.some((r) => r.id === id)) ?? [];
if (unknown.length > 0) fail(`unknown runner ${unknown.join(", ")} (known: ${ALL_RUNNERS.map((r) => r.id).join(", ")})`);
const runners = runnerIds === undefined ? ALL_RUNNERS : ALL_RUNNERS.filter((r) => runnerIds.includes(r.id));
const outDir = resolve(values.out ?? join(import.meta.dirname, "..", "results"));

const tty = process.stderr.isTTY;
const result = await runBench({
  runners, workloads, runs, targetSeconds: seconds,
  progress: (line) => {
    if (tty) process.stderr.write(`\r\x1b[K${line}`);
    else process.stderr.write(`${line}\n`);
  },
});
if (tty) process.stderr.write("\r\x1b[K");
console.log(formatTable(result));
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "latest.json"), toJson(result));
writeFileSync(join(outDir, "latest.svg"), toSvg(result));
writeFileSync(join(outDir, "latest.md"), toMarkdown(result));
console.log(`\nresults: ${join(outDir, "latest.json")}, latest.svg, latest.md`);
