/**
 * RPC calls per second (issue #9, part 1): three list/info-class calls of the libvirt remote protocol made
 * in a loop for a fixed window against our libvirtd and Debian's libvirtd, both serving the test driver's
 * default connection (test:///default: one running domain "test") on a private UNIX socket:
 *
 *   virConnectNumOfDomains    REMOTE_PROC_CONNECT_NUM_OF_DOMAINS (51): a counter, the cheapest round trip
 *   virConnectListAllDomains  REMOTE_PROC_CONNECT_LIST_ALL_DOMAINS (273): the domain list as remote_nonnull_domain
 *   virDomainGetInfo          REMOTE_PROC_DOMAIN_GET_INFO (16): state, memory, vCPUs, CPU time of "test"
 *
 * Sequentially (one client waiting for each reply) and with `rpcClients` (64) connections each looping on
 * its own, all from this process. The clients: our @virtkit/libvirt remote driver (Connect.open on
 * test+unix:///default?socket=...) and, when /usr/bin/python3 has the libvirt module, python3-libvirt
 * (python/rpc-rate.py: libvirt.so's remote driver; one thread and connection per client). Per window:
 * the calls completed, the wall time, the daemon's CPU time (/proc/<pid>/stat, all its threads) and the
 * client's. The daemons take turns window by window so that a change in the machine's load falls on both.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { Connect, type Domain } from "@virtkit/libvirt";
import { childCpuMs } from "./child-process-clock.js";
import { DAEMON_NAMES, daemonUnavailable, startDaemon, testUri, type BenchDaemon, type DaemonKind } from "./mgmt-daemons.js";
import { median } from "./measure.js";
import { figure, type MgmtOptions, type MgmtRow } from "./mgmt.js";

export const RPC_CALLS = ["virConnectNumOfDomains", "virConnectListAllDomains", "virDomainGetInfo"] as const;
export type RpcCall = (typeof RPC_CALLS)[number];

const NODE_CALLS: Record<RpcCall, (c: Connect, d: Domain) => Promise<unknown>> = {
  virConnectNumOfDomains: (c) => c.numOfDomains(),
  virConnectListAllDomains: (c) => c.listAllDomains(),
  virDomainGetInfo: (_c, d) => d.info(),
};

export type RpcClient = "virtkit" | "python";
export const RPC_CLIENT_NAMES: Record<RpcClient, string> = { virtkit: "@virtkit/libvirt client", python: "python3-libvirt client" };

export const SYSTEM_PYTHON = "/usr/bin/python3";
const PY_SCRIPT = join(import.meta.dirname, "..", "python", "rpc-rate.py");

/** Why the python3-libvirt client cannot run here, or null. */
export function pythonClientUnavailable(): string | null {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} not found`;
  if (spawnSync(SYSTEM_PYTHON, ["-c", "import libvirt"], { stdio: "ignore" }).status !== 0) return "python3 has no libvirt module (Debian package: python3-libvirt)";
  if (!existsSync(PY_SCRIPT)) return `${PY_SCRIPT} is missing`;
  return null;
}

/** One measuring window. */
export interface RpcWindow {
  calls: number;
  wallMs: number;
  /** The daemon's CPU time in the window. */
  daemonCpuMs: number;
  /** The client's CPU time in the window (this process for ours, the python process for python3-libvirt). */
  clientCpuMs: number;
}

/** Calls per second of wall time and per second of the daemon's CPU time. */
export function windowRates(w: RpcWindow): { perSec: number; perDaemonCpuSec: number } {
  return { perSec: (w.calls * 1000) / w.wallMs, perDaemonCpuSec: w.daemonCpuMs > 0 ? (w.calls * 1000) / w.daemonCpuMs : Number.NaN };
}

/** A window with our remote driver: `clients` connections opened first (not timed), then each loops on `call`. */
async function nodeWindow(d: BenchDaemon, call: RpcCall, clients: number, seconds: number): Promise<RpcWindow> {
  const conns = await Promise.all(Array.from({ length: clients }, () => Connect.open(testUri(d))));
  try {
    const doms = await Promise.all(conns.map((c) => c.lookupByName("test")));
    const fn = NODE_CALLS[call];
    let calls = 0;
    const cpu0 = childCpuMs(d.pid);
    const client0 = process.cpuUsage();
    const t0 = performance.now();
    const end = t0 + seconds * 1000;
    await Promise.all(conns.map(async (c, i) => {
      const dom = doms[i]!;
      while (performance.now() < end) {
        await fn(c, dom);
        calls++;
      }
    }));
    const wallMs = performance.now() - t0;
    const daemonCpuMs = childCpuMs(d.pid) - cpu0;
    const cu = process.cpuUsage(client0);
    return { calls, wallMs, daemonCpuMs, clientCpuMs: (cu.user + cu.system) / 1000 };
  } finally {
    await Promise.all(conns.map((c) => c.close()));
  }
}

/** A window with python3-libvirt: the script opens its connections, says "ready", and loops once told to go. */
function pythonWindow(d: BenchDaemon, call: RpcCall, clients: number, seconds: number): Promise<RpcWindow> {
  return new Promise((resolve, reject) => {
    const py = spawn(SYSTEM_PYTHON, [PY_SCRIPT, testUri(d), call, String(clients), String(seconds)], { stdio: ["pipe", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let cpu0 = 0;
    let client0 = 0;
    py.stderr.on("data", (b: Buffer) => { err += b.toString(); });
    py.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      if (out.startsWith("ready\n") && cpu0 === 0 && py.pid !== undefined) {
        cpu0 = childCpuMs(d.pid);
        client0 = childCpuMs(py.pid);
        py.stdin.write("go\n");
      }
      const answer = /\n(\{.*\})\n/.exec(out);
      if (answer !== null && py.pid !== undefined) {
        const daemonCpuMs = childCpuMs(d.pid) - cpu0;
        const clientCpuMs = childCpuMs(py.pid) - client0;
        const j = JSON.parse(answer[1]!) as { calls: number; wall_ms: number };
        resolve({ calls: j.calls, wallMs: j.wall_ms, daemonCpuMs, clientCpuMs });
      }
    });
    py.on("error", reject);
    py.on("exit", (code) => {
      if (!/\n\{.*\}\n/.test(out)) reject(new Error(`python3-libvirt client exited with ${String(code)}: ${err.trim().split("\n").slice(-3).join(" / ")}`));
    });
  });
}

/** The metric text of one row. */
export function rpcMetric(call: RpcCall, clients: number, client: RpcClient): string {
  return `${call}, ${clients === 1 ? "sequential" : `${clients} concurrent clients`}, ${RPC_CLIENT_NAMES[client]}`;
}

/** One row from the windows of both daemons: medians of calls/s (wall) and calls per daemon CPU-second. */
export function rpcRow(call: RpcCall, clients: number, client: RpcClient, windows: Record<DaemonKind, RpcWindow[]>, notes: Record<DaemonKind, string | null>): MgmtRow {
  const fig = (ws: RpcWindow[]): MgmtRow["virtkit"] => {
    if (ws.length === 0) return null;
    const share = (f: (w: RpcWindow) => number): string => `${(median(ws.map((w) => f(w) / w.wallMs)) * 100).toFixed(0)}%`;
    return figure(ws.map((w) => windowRates(w).perSec), ws.map((w) => windowRates(w).perDaemonCpuSec),
      `daemon busy ${share((w) => w.daemonCpuMs)} of a core, client ${share((w) => w.clientCpuMs)}`);
  };
  return {
    part: "rpc",
    metric: rpcMetric(call, clients, client),
    unit: "calls/s",
    better: "higher",
    cpuUnit: "calls per daemon CPU-second",
    virtkitName: DAEMON_NAMES.ours,
    virtkit: fig(windows.ours),
    peerName: DAEMON_NAMES.real,
    peer: fig(windows.real),
    target: { kind: "ratioAtLeast", value: 1, text: "ours ≥ Debian libvirtd's calls/s" },
    notes: [notes.ours, notes.real].filter((n): n is string => n !== null),
  };
}

export async function measureRpcRate(o: MgmtOptions, progress: (line: string) => void): Promise<MgmtRow[]> {
  const kinds: DaemonKind[] = ["ours", "real"];
  const why: Record<DaemonKind, string | null> = { ours: daemonUnavailable("ours"), real: daemonUnavailable("real") };
  for (const k of kinds) if (why[k] !== null) progress(`skipping ${DAEMON_NAMES[k]}: ${why[k] ?? ""}`);
  const pyWhy = pythonClientUnavailable();
  if (pyWhy !== null) progress(`skipping the python3-libvirt client: ${pyWhy}`);
  const clients: RpcClient[] = pyWhy === null ? ["virtkit", "python"] : ["virtkit"];
  const daemons = new Map<DaemonKind, BenchDaemon>();
  const rows: MgmtRow[] = [];
  try {
    for (const k of kinds) {
      if (why[k] !== null) continue;
      try {
        daemons.set(k, await startDaemon(k));
      } catch (e) {
        why[k] = `did not start: ${e instanceof Error ? e.message : String(e)}`;
        progress(`${DAEMON_NAMES[k]} ${why[k] ?? ""}`);
      }
    }
    for (const client of clients) {
      for (const n of [1, o.rpcClients]) {
        for (const call of RPC_CALLS) {
          const windows: Record<DaemonKind, RpcWindow[]> = { ours: [], real: [] };
          const notes: Record<DaemonKind, string | null> = { ours: why.ours === null ? null : `${DAEMON_NAMES.ours}: ${why.ours}`, real: why.real === null ? null : `${DAEMON_NAMES.real}: ${why.real}` };
          for (let r = 0; r < o.runs; r++) {
            for (const [k, d] of daemons) {
              if (notes[k] !== null) continue;
              progress(`${rpcMetric(call, n, client)} on ${k}: window ${r + 1}/${o.runs}`);
              try {
                const w = client === "virtkit" ? await nodeWindow(d, call, n, o.rpcSeconds) : await pythonWindow(d, call, n, o.rpcSeconds);
                windows[k].push(w);
              } catch (e) {
                notes[k] = `${DAEMON_NAMES[k]}: failed: ${e instanceof Error ? e.message : String(e)}`;
                windows[k] = [];
              }
            }
          }
          const row = rpcRow(call, n, client, windows, notes);
          rows.push(row);
          progress(`${row.metric}: ours ${row.virtkit?.value.toFixed(0) ?? "-"}, real ${row.peer?.value.toFixed(0) ?? "-"} calls/s`);
        }
      }
    }
  } finally {
    for (const d of daemons.values()) await d.stop();
  }
  return rows;
}
