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
 *   --linux                instead of the ROM workloads: the linux-boot benchmark (Debian's kernel and our initramfs
 *                          to the shell prompt on virtkit, QEMU TCG and v86; minutes per boot). --runs is then the
 *                          number of boots per runner (default 1), --runners picks among virtkit-vmlinux,
 *                          virtkit-bzimage, qemu-tcg, v86-jit. VIRTKIT_BENCH_LINUX=1 is --linux.
 *   --mgmt                 instead of the ROM workloads: the management-plane and memory figures (issue #9): RPC calls/s
 *                          against our libvirtd and Debian's, Domain.create to the first serial byte, qemu-img convert and
 *                          check, emulator and daemon RSS; 2–3 minutes. --runs (default 3) is the runs per figure,
 *                          --seconds (default 1) the length of one RPC window, --only a regular expression over the parts
 *                          (rpc start qemu-img memory), --quick a smoke run. VIRTKIT_BENCH_MGMT=1 is --mgmt.
 * VIRTKIT_BENCH_QUICK=1 is --quick. Each kind of run replaces its own part of results/latest.json and keeps the other's.
 *
 * Runners whose guest runs in this process (virtkit's CPU and kvm module, v86, the /dev/kvm addon) are each
 * measured in a process of their own: the CLI starts itself with `--child-runner ID` (and the same --runs,
 * --seconds and workloads), which prints that runner's cells as JSON on stdout and writes no files.
 */
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { runBench, type BenchResult, type Cell, type Failure } from "./bench.js";
import { runLinuxBoot } from "./linux-boot.js";
import { linuxBootGuest } from "./linux-boot-guest.js";
import { formatLinuxBootTable } from "./linux-boot-report.js";
import { formatTable, fromJson, toJson, toMarkdown, toSvg } from "./report.js";
import { measureMemory } from "./memory-footprint.js";
import { mgmtOptions, runMgmt, type MgmtOptions } from "./mgmt.js";
import { formatMgmtTable } from "./mgmt-report.js";
import { measureQemuImg } from "./qemu-img-throughput.js";
import { measureRpcRate } from "./rpc-rate.js";
import { measureStartLatency } from "./start-latency.js";
import { WORKLOADS } from "./rom.js";
import { ALL_RUNNERS, LINUX_BOOT_RUNNERS, runnerById } from "./runners/index.js";
import type { Runner } from "./runner.js";
import type { Workload } from "./rom.js";

function fail(message: string): never {
  process.stderr.write(`virtkit-bench: ${message}\n`);
  process.exit(2);
}

// `pnpm --filter bench bench -- --linux` hands the script a leading "--": take the options after it.
const args = process.argv.slice(2);
if (args[0] === "--") args.shift();
let values;
try {
  ({ values } = parseArgs({
    args,
    options: {
      quick: { type: "boolean" },
      runs: { type: "string" },
      seconds: { type: "string" },
      only: { type: "string" },
      runners: { type: "string" },
      out: { type: "string" },
      linux: { type: "boolean" },
      mgmt: { type: "boolean" },
      "child-runner": { type: "string" },
    },
  }));
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
const env = process.env;
const quick = values.quick === true || env.VIRTKIT_BENCH_QUICK === "1";
const linux = values.linux === true || env.VIRTKIT_BENCH_LINUX === "1";
const mgmt = values.mgmt === true || env.VIRTKIT_BENCH_MGMT === "1";
if (linux && mgmt) fail("--linux and --mgmt are separate runs: pick one");
if (mgmt && values.runners !== undefined) fail("--mgmt measures every daemon and tool it finds: --runners does not apply");
let mgmtOpts: MgmtOptions | null = null;
if (mgmt) {
  try {
    mgmtOpts = mgmtOptions({ quick, runs: values.runs ?? env.VIRTKIT_BENCH_RUNS, seconds: values.seconds ?? env.VIRTKIT_BENCH_SECONDS, only: values.only ?? env.VIRTKIT_BENCH_ONLY });
  } catch (e) {
    fail(e instanceof Error ? e.message : String(e));
  }
}
if (linux && (values.only !== undefined || quick || values.seconds !== undefined)) fail("--linux boots Linux instead of running the ROM workloads: --only, --quick and --seconds do not apply");
const runs = Number(values.runs ?? env.VIRTKIT_BENCH_RUNS ?? (linux ? 1 : quick ? 3 : 5));
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
if (workloads.length === 0 && !mgmt) fail(`--only ${onlyText ?? ""} matches no workload (${WORKLOADS.map((w) => w.name).join(", ")})`);
const runnerIds = (values.runners ?? env.VIRTKIT_BENCH_RUNNERS)?.split(",").map((s) => s.trim()).filter((s) => s !== "");
const known = (linux ? LINUX_BOOT_RUNNERS : ALL_RUNNERS).map((r) => r.id);
const unknown = runnerIds?.filter((id) => !known.includes(id)) ?? [];
if (unknown.length > 0) fail(`unknown ${linux ? "linux-boot " : ""}runner ${unknown.join(", ")} (known: ${known.join(", ")})`);
const picked = <T extends { id: string }>(all: readonly T[]): readonly T[] => (runnerIds === undefined ? all : all.filter((r) => runnerIds.includes(r.id)));
const outDir = resolve(values.out ?? join(import.meta.dirname, "..", "results"));

const childRunner = values["child-runner"];
if (childRunner !== undefined) {
  // One in-process runner measured in this process for a parent bench run: cells as JSON, no files.
  const r = runnerById(childRunner);
  if (r === undefined) fail(`--child-runner: unknown runner ${childRunner}`);
  const part = await runBench({ runners: [r], workloads, runs, targetSeconds: seconds, progress: (line) => process.stderr.write(`${line}\n`) });
  process.stdout.write(JSON.stringify({ cells: part.cells, failures: part.failures }));
  process.exit(0);
}

/** Measures `r` on `ws` in a child process of this CLI (--child-runner), with this run's --runs and --seconds. */
function isolate(r: Runner, ws: readonly Workload[]): Promise<{ cells: Cell[]; failures: Failure[] }> {
  const argv = [process.argv[1]!, "--child-runner", r.id, "--runs", String(runs), "--seconds", String(seconds), "--only", `^(${ws.map((w) => w.name).join("|")})$`];
  return new Promise((res, rej) => {
    const child = spawn(process.execPath, argv, { stdio: ["ignore", "pipe", "inherit"] });
    let out = "";
    child.stdout.on("data", (b: Buffer) => { out += b.toString(); });
    child.on("error", rej);
    child.on("close", (code) => {
      if (code !== 0) {
        rej(new Error(`${r.id}'s process exited with ${String(code)}`));
        return;
      }
      try {
        res(JSON.parse(out) as { cells: Cell[]; failures: Failure[] });
      } catch {
        rej(new Error(`${r.id}'s process printed no results`));
      }
    });
  });
}

const tty = process.stderr.isTTY;
const progress = (line: string): void => {
  if (tty) process.stderr.write(`\r\x1b[K${line}`);
  else process.stderr.write(`${line}\n`);
};
const latest = join(outDir, "latest.json");
const previous = existsSync(latest) ? fromJson(readFileSync(latest, "utf8")) : null;
if (existsSync(latest) && previous === null) progress(`${latest} is not a results file of this harness: it is replaced\n`);
let result: BenchResult;
if (mgmtOpts !== null) {
  const m = await runMgmt(mgmtOpts, { rpc: measureRpcRate, start: measureStartLatency, "qemu-img": measureQemuImg, memory: measureMemory }, progress);
  if (tty) process.stderr.write("\r\x1b[K");
  console.log(formatMgmtTable(m));
  result = { ...(previous ?? { date: m.date, host: { cpus: m.host.cpus, model: m.host.model, node: m.host.node }, options: { runs: 0, targetSeconds: 0 }, runners: [], cells: [], failures: [] }), mgmt: m };
} else if (linux) {
  let guest;
  try {
    guest = linuxBootGuest((l) => progress(`guest: ${l}`));
  } catch (e) {
    fail(`the Linux guest cannot be assembled: ${e instanceof Error ? e.message : String(e)}`);
  }
  const linuxBoot = await runLinuxBoot({ runners: picked(LINUX_BOOT_RUNNERS), guest, runs, progress });
  if (tty) process.stderr.write("\r\x1b[K");
  console.log(formatLinuxBootTable(linuxBoot));
  result = { ...(previous ?? { date: linuxBoot.date, host: linuxBoot.host, options: { runs: 0, targetSeconds: 0 }, runners: [], cells: [], failures: [] }), linuxBoot };
} else {
  result = await runBench({ runners: picked(ALL_RUNNERS), workloads, runs, targetSeconds: seconds, progress, isolate });
  if (tty) process.stderr.write("\r\x1b[K");
  console.log(formatTable(result));
  if (previous?.linuxBoot !== undefined) result.linuxBoot = previous.linuxBoot;
  if (previous?.mgmt !== undefined) result.mgmt = previous.mgmt;
}
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "latest.json"), toJson(result));
writeFileSync(join(outDir, "latest.svg"), toSvg(result));
writeFileSync(join(outDir, "latest.md"), toMarkdown(result));
console.log(`\nresults: ${join(outDir, "latest.json")}, latest.svg, latest.md`);
