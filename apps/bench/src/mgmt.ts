/**
 * The management-plane and memory benchmark (`virtkit-bench --mgmt`, issue #9): the figures a libvirt user
 * meets outside the guest's CPU, each measured for virtkit and its real peer in the same run.
 *
 *   rpc       RPC calls per second against our libvirtd and Debian's libvirtd (rpc-rate.ts)
 *   start     Domain.create / process start to the guest's first serial byte (start-latency.ts)
 *   qemu-img  convert and check of the same 1 GiB image, ours and Debian's qemu-img (qemu-img-throughput.ts)
 *   memory    emulator RSS per guest RAM, and an idle daemon's RSS with 100 defined domains (memory-footprint.ts)
 *
 * Every figure is the median of several runs (CPU time beside wall time where it means something), every
 * ratio compares two figures of the same run and reads "> 1 = virtkit better". The targets are
 * evaluated and reported, never asserted: nothing here is a pass/fail limit on speed.
 */
import { median } from "./measure.js";

export const MGMT_PARTS = ["rpc", "start", "qemu-img", "memory"] as const;
export type MgmtPart = (typeof MGMT_PARTS)[number];

/** One side of a comparison: the median over the runs and the samples it came from. */
export interface Figure {
  /** Median of `samples`, in the row's unit. */
  value: number;
  /** The same measure from CPU time (see the row's cpuUnit), or null where CPU time says nothing (memory). */
  cpu: number | null;
  samples: number[];
  cpuSamples: number[];
  /** What else was seen (e.g. "32.1 MiB RSS", "client CPU 0.8 s"), for the markdown and JSON. */
  detail?: string;
}

/**
 * A target of issue #9: `ratioAtLeast` on the row's wall ratio (> 1 = virtkit better), `atMost` on virtkit's
 * own figure in the row's unit.
 */
export type MgmtTarget = { kind: "ratioAtLeast"; value: number; text: string } | { kind: "atMost"; value: number; text: string };

export interface MgmtRow {
  part: MgmtPart;
  /** What is measured ("virConnectNumOfDomains, sequential, @virtkit/libvirt client"). */
  metric: string;
  unit: string;
  better: "higher" | "lower";
  /** What the CPU figure is ("calls per daemon CPU-second", "CPU ms"). */
  cpuUnit: string | null;
  virtkitName: string;
  virtkit: Figure | null;
  peerName: string | null;
  peer: Figure | null;
  target?: MgmtTarget;
  /** Why a side has no figure (a peer not installed, a failure), or a remark on the figures. */
  notes: string[];
}

export interface MgmtResult {
  date: string;
  host: { cpus: number; model: string; node: string; loadAverage: number[] };
  options: MgmtOptions;
  rows: MgmtRow[];
  /** Parts that failed outright, with the reason. */
  failures: { part: MgmtPart; error: string }[];
  /** The load average when the run ended (the machine is shared). */
  loadAverageAtEnd: number[];
}

export interface MgmtOptions {
  parts: MgmtPart[];
  /** Runs per figure (medians over these). */
  runs: number;
  /** Length of one RPC measuring window, seconds. */
  rpcSeconds: number;
  /** Concurrent clients of the concurrent RPC figures. */
  rpcClients: number;
  /** Virtual size of the qemu-img test image. */
  imageMiB: number;
  /** Domains defined in the idle-daemon memory figure. */
  domains: number;
  /** Guest RAM sizes of the emulator memory figure. */
  guestMiB: number[];
}

export const DEFAULT_MGMT_OPTIONS: MgmtOptions = { parts: [...MGMT_PARTS], runs: 3, rpcSeconds: 1, rpcClients: 64, imageMiB: 1024, domains: 100, guestMiB: [256, 1024] };
/** --quick: a smoke run of every part (short windows, one run, a small image), not for quoting. */
export const QUICK_MGMT_OPTIONS: MgmtOptions = { parts: [...MGMT_PARTS], runs: 1, rpcSeconds: 0.2, rpcClients: 64, imageMiB: 64, domains: 100, guestMiB: [256, 1024] };

/**
 * The options of a --mgmt run from the command line's values: `only` is a regular expression over the part
 * names, `runs` and `seconds` (the RPC window) override the defaults. Throws an Error whose message is the
 * CLI's complaint.
 */
export function mgmtOptions(v: { quick?: boolean; runs?: string; seconds?: string; only?: string }): MgmtOptions {
  const base = v.quick === true ? QUICK_MGMT_OPTIONS : DEFAULT_MGMT_OPTIONS;
  const runs = v.runs === undefined ? base.runs : Number(v.runs);
  if (!Number.isInteger(runs) || runs < 1) throw new Error(`--runs must be a positive integer, not ${v.runs ?? ""}`);
  const rpcSeconds = v.seconds === undefined ? base.rpcSeconds : Number(v.seconds);
  if (!(rpcSeconds > 0)) throw new Error(`--seconds must be a positive number, not ${v.seconds ?? ""}`);
  let parts = [...base.parts];
  if (v.only !== undefined) {
    let re: RegExp;
    try {
      re = new RegExp(v.only);
    } catch {
      throw new Error(`--only: not a regular expression: ${v.only}`);
    }
    parts = parts.filter((p) => re.test(p));
    if (parts.length === 0) throw new Error(`--only ${v.only} matches no --mgmt part (${MGMT_PARTS.join(", ")})`);
  }
  return { ...base, parts, runs, rpcSeconds };
}

/** A figure from per-run samples: the medians of the wall and CPU measures. */
export function figure(samples: readonly number[], cpuSamples: readonly number[] = [], detail?: string): Figure {
  return {
    value: median(samples),
    cpu: cpuSamples.length === 0 ? null : median(cpuSamples),
    samples: [...samples],
    cpuSamples: [...cpuSamples],
    ...(detail === undefined ? {} : { detail }),
  };
}

/** virtkit against the peer so that > 1 always means virtkit better: rates virtkit/peer, times and sizes peer/virtkit. */
export function orientedRatio(better: MgmtRow["better"], virtkit: number | null, peer: number | null): number | null {
  if (virtkit === null || peer === null || !Number.isFinite(virtkit) || !Number.isFinite(peer) || virtkit <= 0 || peer <= 0) return null;
  return better === "higher" ? virtkit / peer : peer / virtkit;
}

export function rowRatio(row: MgmtRow): { wall: number | null; cpu: number | null } {
  return {
    wall: orientedRatio(row.better, row.virtkit?.value ?? null, row.peer?.value ?? null),
    cpu: orientedRatio(row.better, row.virtkit?.cpu ?? null, row.peer?.cpu ?? null),
  };
}

/** Whether the row meets its issue #9 target; null without a target or without the figures it needs. */
export function targetMet(row: MgmtRow): boolean | null {
  const t = row.target;
  if (t === undefined) return null;
  if (t.kind === "atMost") return row.virtkit === null ? null : row.virtkit.value <= t.value;
  const r = rowRatio(row).wall;
  return r === null ? null : r >= t.value;
}

/** Runs the chosen parts one after another; a part that throws is recorded as failed and the run goes on. */
export async function runMgmt(
  options: MgmtOptions,
  parts: Record<MgmtPart, (o: MgmtOptions, progress: (line: string) => void) => Promise<MgmtRow[]>>,
  progress: (line: string) => void = () => undefined,
): Promise<MgmtResult> {
  const os = await import("node:os");
  const cpus = os.cpus();
  const result: MgmtResult = {
    date: new Date().toISOString(),
    host: { cpus: cpus.length, model: `${cpus[0]?.model ?? "unknown"} (${os.machine()})`, node: process.version, loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100) },
    options,
    rows: [],
    failures: [],
    loadAverageAtEnd: [],
  };
  for (const part of options.parts) {
    progress(`mgmt: ${part}`);
    try {
      result.rows.push(...(await parts[part](options, (l) => { progress(`mgmt ${part}: ${l}`); })));
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      result.failures.push({ part, error });
      progress(`mgmt ${part}: failed: ${error}`);
    }
  }
  result.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
  return result;
}
