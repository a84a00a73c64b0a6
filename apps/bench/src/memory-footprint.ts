/**
 * Memory (issue #9, part 4), read as VmRSS from /proc/<pid>/status (proc(5): resident set size, in kB), summed
 * over the process and its descendants:
 *
 *   emulator  RSS per guest RAM: the demo guest booted to its "demo> " prompt with -m 256 and -m 1024
 *             (-M pc -nodefaults -kernel demo.bin -serial stdio), read one second after the prompt, divided
 *             by the RAM size. virtkit's qemu-system (a Node process: V8's heap and code are in it) and, as the
 *             peer, Debian's qemu-system-i386 with TCG. The demo guest touches little of its RAM, so this is
 *             the emulator's own overhead plus what it maps eagerly. Target (issue #9): ours ≤ 1.05× RAM.
 *   daemon    RSS of an idle daemon holding `domains` (100) defined, inactive domains: our libvirtd and Debian's
 *             libvirtd, both through the test driver (test:///default; one client stays connected, since the
 *             test driver's default state lives as long as a connection to it), and our libvirtd's qemu driver
 *             (the demo guest's XML under a private root). Read two seconds after the last define. Target
 *             (issue #9): ours < 150 MiB.
 */
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_KERNEL } from "@virtkit/guests";
import { Connect } from "@virtkit/libvirt";
import { childPids, killDescendants } from "./child-process-clock.js";
import { DAEMON_NAMES, daemonUnavailable, startDaemon, testUri, type BenchDaemon, type DaemonKind } from "./mgmt-daemons.js";
import { figure, type MgmtOptions, type MgmtRow } from "./mgmt.js";
import { qemuBinary, virtkitQemuCli } from "./runners/qemu.js";
import { startDomainXml } from "./start-latency.js";

/** VmRSS of a /proc/<pid>/status text, in KiB; NaN when the process has none (a zombie or kernel thread). */
export function vmRssKiB(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB$/m.exec(status);
  return m === null ? Number.NaN : Number(m[1]);
}

/** The RSS of a process and all its descendants in MiB (shared pages count once per process). */
export function treeRssMiB(pid: number): number {
  let kib = 0;
  const todo = [pid];
  while (todo.length > 0) {
    const p = todo.pop()!;
    try {
      const v = vmRssKiB(readFileSync(`/proc/${p}/status`, "latin1"));
      if (Number.isFinite(v)) kib += v;
    } catch {
      continue;
    }
    todo.push(...childPids(p));
  }
  return kib / 1024;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The demo guest's prompt: the guest has booted and is waiting for a command. */
export const DEMO_PROMPT = "demo> ";
const BOOT_GUARD_MS = 120_000;

/** Boots argv to the demo prompt on its stdout, waits `settleMs`, returns the tree's RSS in MiB, kills it. */
export function rssAfterBoot(argv: readonly string[], settleMs = 1000): Promise<number> {
  return new Promise((resolve, reject) => {
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    let settled = false;
    const end = (r: number | Error): void => {
      if (settled) return;
      settled = true;
      clearTimeout(guard);
      const done = (): void => { if (r instanceof Error) reject(r); else resolve(r); };
      if (p.exitCode === null && p.signalCode === null) {
        p.once("exit", done);
        if (p.pid !== undefined) killDescendants(p.pid);
        p.kill("SIGKILL");
      } else done();
    };
    const guard = setTimeout(() => { end(new Error(`no "${DEMO_PROMPT}" within ${BOOT_GUARD_MS / 1000} s: ${out.slice(-200)}`)); }, BOOT_GUARD_MS);
    p.stderr.on("data", (b: Buffer) => { err += b.toString(); });
    p.stdout.on("data", (b: Buffer) => {
      const had = out.includes(DEMO_PROMPT);
      out += b.toString("latin1");
      if (!had && out.includes(DEMO_PROMPT)) {
        void sleep(settleMs).then(() => { end(p.pid === undefined ? new Error("no pid") : treeRssMiB(p.pid)); });
      }
    });
    p.on("error", (e) => { end(e); });
    p.on("close", (code) => { end(new Error(`${argv[0] ?? ""} exited with ${String(code)} before the prompt: ${err.trim().slice(-300)}`)); });
  });
}

/** The emulator argv for the memory figure: the demo guest with `mib` of RAM. */
export function memoryMachineArgs(mib: number): string[] {
  return ["-M", "pc", "-m", String(mib), "-nodefaults", "-display", "none", "-kernel", DEMO_KERNEL, "-serial", "stdio"];
}

async function emulatorRows(o: MgmtOptions, progress: (line: string) => void): Promise<MgmtRow[]> {
  const ours = virtkitQemuCli();
  const qemu = qemuBinary();
  const rows: MgmtRow[] = [];
  for (const mib of o.guestMiB) {
    const notes: string[] = [];
    const samples: Record<"virtkit" | "peer", number[]> = { virtkit: [], peer: [] };
    const jobs: ["virtkit" | "peer", string[] | null][] = [
      ["virtkit", ours === null ? null : [process.execPath, ours, ...memoryMachineArgs(mib)]],
      ["peer", qemu === undefined ? null : [qemu, "-accel", "tcg", ...memoryMachineArgs(mib)]],
    ];
    if (ours === null) notes.push("virtkit qemu-system skipped: apps/qemu-system is not built");
    if (qemu === undefined) notes.push("qemu-system-i386 skipped: not found (Debian package: qemu-system-x86)");
    notes.push("the demo guest touches only a few MiB of its RAM, so this is mostly the emulator's own memory; a guest that touched all of it would add up to 1× on both sides");
    const failed = new Set<string>();
    for (let r = 0; r < o.runs; r++) {
      for (const [side, argv] of jobs) {
        if (argv === null || failed.has(side)) continue;
        try {
          const rss = await rssAfterBoot(argv);
          samples[side].push(rss);
          progress(`-m ${mib} on ${side === "virtkit" ? "virtkit qemu-system" : "qemu-system-i386"} ${r + 1}/${o.runs}: ${rss.toFixed(1)} MiB RSS`);
        } catch (e) {
          failed.add(side);
          notes.push(`${side} failed: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
    }
    const fig = (xs: number[]): MgmtRow["virtkit"] => {
      if (xs.length === 0) return null;
      const f = figure(xs.map((x) => x / mib));
      return { ...f, detail: `${(f.value * mib).toFixed(1)} MiB RSS` };
    };
    rows.push({
      part: "memory", metric: `emulator RSS per guest RAM, -m ${mib}, demo guest at its prompt`, unit: "× RAM", better: "lower", cpuUnit: null,
      virtkitName: "virtkit qemu-system", virtkit: failed.has("virtkit") ? null : fig(samples.virtkit),
      peerName: "Debian qemu-system-i386 (TCG)", peer: failed.has("peer") ? null : fig(samples.peer),
      target: { kind: "atMost", value: 1.05, text: "ours ≤ 1.05× guest RAM" }, notes,
    });
  }
  return rows;
}

/** The test driver's XML for a defined domain (the test driver needs only a name, memory and an OS type). */
export function testDomainXml(name: string): string {
  return `<domain type='test'><name>${name}</name><memory unit='MiB'>32</memory><os><type>hvm</type></os></domain>`;
}

/** RSS of a fresh daemon with one client connected, then with `domains` defined through it (MiB). */
async function daemonRss(d: BenchDaemon, uri: string, domains: number, xml: (name: string) => string, progress: (line: string) => void): Promise<{ before: number; after: number }> {
  const c = await Connect.open(uri);
  try {
    await sleep(1000);
    const before = treeRssMiB(d.pid);
    for (let i = 0; i < domains; i++) await c.defineXML(xml(`bench-${String(i).padStart(3, "0")}`));
    const defined = await c.numOfDefinedDomains();
    if (defined < domains) throw new Error(`${String(defined)} domains defined, not ${String(domains)}`);
    await sleep(2000);
    const after = treeRssMiB(d.pid);
    progress(`${DAEMON_NAMES[d.kind]}: ${before.toFixed(1)} MiB idle, ${after.toFixed(1)} MiB with ${domains} defined domains`);
    return { before, after };
  } finally {
    await c.close();
  }
}

async function daemonRows(o: MgmtOptions, progress: (line: string) => void): Promise<MgmtRow[]> {
  const measure = async (kind: DaemonKind, qemuDriver: boolean): Promise<{ figure: MgmtRow["virtkit"]; note: string | null }> => {
    const why = daemonUnavailable(kind);
    if (why !== null) return { figure: null, note: `${DAEMON_NAMES[kind]} skipped: ${why}` };
    const dir = mkdtempSync(join(tmpdir(), "bench-mem-"));
    try {
      const root = join(dir, "root");
      mkdirSync(root);
      const d = await startDaemon(kind, qemuDriver ? { ...process.env, VIRTKIT_QEMU_ROOT: root } : undefined);
      try {
        const uri = qemuDriver ? `qemu+unix:///system?socket=${d.sock}` : testUri(d);
        const xml = qemuDriver ? (name: string) => startDomainXml(name, DEMO_KERNEL, join(dir, `${name}.log`)) : testDomainXml;
        const rss = await daemonRss(d, uri, o.domains, xml, progress);
        return { figure: { ...figure([rss.after]), detail: `${rss.before.toFixed(1)} MiB with a client and no domains defined` }, note: null };
      } finally {
        await d.stop();
      }
    } catch (e) {
      return { figure: null, note: `${DAEMON_NAMES[kind]} failed: ${e instanceof Error ? e.message : String(e)}` };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const target = { kind: "atMost", value: 150, text: "ours < 150 MiB" } as const;
  const ours = await measure("ours", false);
  const real = await measure("real", false);
  const oursQemu = await measure("ours", true);
  return [
    {
      part: "memory", metric: `idle libvirtd RSS, ${o.domains} defined domains, test driver`, unit: "MiB", better: "lower", cpuUnit: null,
      virtkitName: DAEMON_NAMES.ours, virtkit: ours.figure, peerName: DAEMON_NAMES.real, peer: real.figure, target,
      notes: [ours.note, real.note].filter((n): n is string => n !== null),
    },
    {
      part: "memory", metric: `idle libvirtd RSS, ${o.domains} defined domains, qemu driver`, unit: "MiB", better: "lower", cpuUnit: null,
      virtkitName: DAEMON_NAMES.ours, virtkit: oursQemu.figure, peerName: null, peer: null, target,
      notes: [oursQemu.note, "no peer: Debian's qemu driver cannot run here (see the start-latency row)"].filter((n): n is string => n !== null),
    },
  ];
}

export async function measureMemory(o: MgmtOptions, progress: (line: string) => void): Promise<MgmtRow[]> {
  return [...(await emulatorRows(o, progress)), ...(await daemonRows(o, progress))];
}
