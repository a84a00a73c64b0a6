/**
 * Domain start to the guest's first serial byte (issue #9, part 2), on the bundled demo guest
 * (tooling/guests/virtkit-demo/demo.bin, a multiboot kernel that prints its banner on COM1 first thing):
 *
 *   libvirtd  Domain.create() (virDomainCreate, what `virsh start` calls) through our remote driver to our
 *             libvirtd's qemu driver on a private root (VIRTKIT_QEMU_ROOT), which spawns virtkit's qemu-system;
 *             the domain's COM1 is `<serial type='file'>`, and the clock stops when that file is no longer
 *             empty (polled every millisecond). CPU time: the daemon's and the emulator's (read at the first
 *             byte) together. The domain is destroyed after each run.
 *   process   The emulator spawned directly with the same machine (-M pc -m 32 -nodefaults -kernel demo.bin
 *             -serial stdio): virtkit's qemu-system (Node start-up included) and Debian's qemu-system-i386
 *             with TCG, from spawn() to the first byte on its stdout; CPU time of the emulator at that moment.
 *
 * The peer of the libvirtd figure would be Debian's libvirtd with its qemu driver and qemu-system-i386. Whether
 * libvirt's qemu driver can run here is probed (the embedded driver, qemu:///embed?root=..., in python3-libvirt:
 * libvirt's own code with every path under a private root); its error is the reason that row has no peer.
 * One start before the measured ones warms the caches (the qemu driver's capability probe) and is not counted.
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DEMO_KERNEL } from "@virtkit/guests";
import { Connect } from "@virtkit/libvirt";
import { childCpuMs, childPids, killDescendants } from "./child-process-clock.js";
import { DAEMON_NAMES, daemonUnavailable, startDaemon } from "./mgmt-daemons.js";
import { figure, type MgmtOptions, type MgmtRow } from "./mgmt.js";
import { SYSTEM_PYTHON } from "./rpc-rate.js";
import { qemuBinary, virtkitQemuCli } from "./runners/qemu.js";

/** The demo guest's RAM in every variant (as in the qemu driver's test harness, demoXML). */
export const START_GUEST_MIB = 32;

/** The demo guest as a domain of the qemu driver, COM1 into `serial` (a file). */
export function startDomainXml(name: string, kernel: string, serial: string): string {
  return `<domain type='kvm'>
  <name>${name}</name>
  <memory unit='MiB'>${START_GUEST_MIB}</memory>
  <vcpu>1</vcpu>
  <os>
    <type arch='i686' machine='pc'>hvm</type>
    <kernel>${kernel}</kernel>
  </os>
  <devices>
    <controller type='usb' model='none'/>
    <serial type='file'>
      <source path='${serial}'/>
      <target port='0'/>
    </serial>
    <memballoon model='none'/>
  </devices>
</domain>
`;
}

/** The machine both emulators get when spawned directly (virtkit's qemu-system takes QEMU's options). */
export function startMachineArgs(kernel: string): string[] {
  return ["-M", "pc", "-m", String(START_GUEST_MIB), "-nodefaults", "-display", "none", "-kernel", kernel, "-serial", "stdio"];
}

export interface StartSample {
  /** Wall time to the first serial byte. */
  wallMs: number;
  /** CPU time spent to get there (see the file comment). */
  cpuMs: number;
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A hang guard (a start takes well under a second when the machine is quiet), not a measurement limit. */
const HANG_GUARD_MS = 120_000;

/** Spawns argv and times its first stdout byte; the process is killed afterwards. */
export function processToFirstByte(argv: readonly string[]): Promise<StartSample> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const p = spawn(argv[0]!, argv.slice(1), { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    let done = false;
    const guard = setTimeout(() => { finish(new Error(`no serial output within ${HANG_GUARD_MS / 1000} s`)); }, HANG_GUARD_MS);
    const finish = (r: StartSample | Error): void => {
      if (done) return;
      done = true;
      clearTimeout(guard);
      p.once("exit", () => { if (r instanceof Error) reject(r); else resolve(r); });
      if (p.exitCode === null && p.signalCode === null) {
        if (p.pid !== undefined) killDescendants(p.pid);
        p.kill("SIGKILL");
      } else if (r instanceof Error) reject(r);
      else resolve(r);
    };
    p.stderr.on("data", (b: Buffer) => { err += b.toString(); });
    p.stdout.once("data", () => {
      const wallMs = performance.now() - t0;
      finish({ wallMs, cpuMs: p.pid === undefined ? Number.NaN : childCpuMs(p.pid) });
    });
    p.on("error", (e) => { finish(e); });
    p.on("close", (code) => { finish(new Error(`${argv[0] ?? ""} exited with ${String(code)} before any serial output: ${err.trim().slice(-300)}`)); });
  });
}

/**
 * Whether Debian's libvirt qemu driver can run here: opens qemu:///embed?root=DIR (every path under DIR, no
 * system daemon touched; namespaces, cgroups and the security driver off in DIR/etc/qemu.conf) in
 * python3-libvirt. Null when it opens, else libvirt's error.
 */
export function probeRealQemuDriver(): string | null {
  if (!existsSync(SYSTEM_PYTHON)) return `${SYSTEM_PYTHON} not found`;
  const root = mkdtempSync(join(tmpdir(), "bench-embed-"));
  try {
    mkdirSync(join(root, "etc"));
    writeFileSync(join(root, "etc", "qemu.conf"), 'namespaces = []\ncgroup_controllers = []\nsecurity_driver = "none"\n');
    const script = "import libvirt,sys\nlibvirt.registerErrorHandler(lambda c,e: None, None)\nlibvirt.virEventRegisterDefaultImpl()\ntry:\n  libvirt.open(sys.argv[1]).close()\nexcept libvirt.libvirtError as e:\n  print(e.get_error_message()); sys.exit(1)\n";
    const r = spawnSync(SYSTEM_PYTHON, ["-c", script, `qemu:///embed?root=${root}`], { encoding: "utf8" });
    if (r.status === 0) return null;
    return (r.stdout.trim() || r.stderr.trim().split("\n").slice(-1)[0]) ?? `python3 exited with ${String(r.status)}`;
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** Our libvirtd's qemu driver: define once, then (1 + runs) × create → first byte → destroy. */
async function daemonStarts(runs: number, progress: (line: string) => void): Promise<StartSample[]> {
  const dir = mkdtempSync(join(tmpdir(), "bench-start-"));
  const root = join(dir, "root");
  mkdirSync(root);
  const serial = join(dir, "com1.log");
  const emulator = virtkitQemuCli();
  const d = await startDaemon("ours", { ...process.env, VIRTKIT_QEMU_ROOT: root, ...(emulator === null ? {} : { VIRTKIT_QEMU_EMULATOR: emulator }) });
  const samples: StartSample[] = [];
  try {
    const c = await Connect.open(`qemu+unix:///system?socket=${d.sock}`);
    try {
      const dom = await c.defineXML(startDomainXml("bench-start", DEMO_KERNEL, serial));
      for (let i = 0; i <= runs; i++) {
        rmSync(serial, { force: true });
        const cpu0 = childCpuMs(d.pid);
        const t0 = performance.now();
        const created: { error: Error | null } = { error: null };
        const create = dom.create().catch((e: unknown) => { created.error = e instanceof Error ? e : new Error(String(e)); });
        const until = t0 + HANG_GUARD_MS;
        while (!(existsSync(serial) && statSync(serial).size > 0)) {
          if (created.error !== null) throw created.error;
          if (performance.now() > until) throw new Error(`no serial output within ${HANG_GUARD_MS / 1000} s`);
          await sleep(1);
        }
        const wallMs = performance.now() - t0;
        const cpuMs = childCpuMs(d.pid) - cpu0 + childPids(d.pid).reduce((s, pid) => s + (childCpuMs(pid) || 0), 0);
        await create;
        if (created.error !== null) throw created.error;
        await dom.destroy();
        if (i === 0) {
          progress(`libvirtd warm-up start: first byte after ${wallMs.toFixed(0)} ms (not counted)`);
          continue;
        }
        samples.push({ wallMs, cpuMs });
        progress(`libvirtd start ${i}/${runs}: first byte after ${wallMs.toFixed(0)} ms`);
      }
      await dom.undefine();
    } finally {
      await c.close();
    }
  } finally {
    await d.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  return samples;
}

const fig = (s: StartSample[]): MgmtRow["virtkit"] => (s.length === 0 ? null : figure(s.map((x) => x.wallMs), s.map((x) => x.cpuMs)));

export async function measureStartLatency(o: MgmtOptions, progress: (line: string) => void): Promise<MgmtRow[]> {
  const rows: MgmtRow[] = [];
  // libvirtd: ours, and why Debian's cannot be the peer here
  const daemonRow: MgmtRow = {
    part: "start", metric: "Domain.create → first serial byte (libvirtd, qemu driver, demo guest)", unit: "ms", better: "lower", cpuUnit: "CPU ms (daemon + emulator)",
    virtkitName: `${DAEMON_NAMES.ours} + virtkit qemu-system`, virtkit: null, peerName: "Debian libvirtd 9.0 + qemu-system-i386 (TCG)", peer: null, notes: [],
  };
  const why = daemonUnavailable("ours") ?? (virtkitQemuCli() === null ? "apps/qemu-system is not built" : null);
  if (why === null) {
    try {
      daemonRow.virtkit = fig(await daemonStarts(o.runs, progress));
    } catch (e) {
      daemonRow.notes.push(`ours failed: ${e instanceof Error ? e.message : String(e)}`);
    }
  } else daemonRow.notes.push(`ours skipped: ${why}`);
  const realWhy = probeRealQemuDriver();
  daemonRow.notes.push(realWhy === null
    ? "Debian's qemu driver opens here (qemu:///embed), but this harness does not drive it yet"
    : `Debian's libvirt qemu driver cannot run here: "${realWhy}" (libvirt 9.0 embedded driver, qemu:///embed, probed in this run); the private libvirtd the suite starts loads no driver modules (LIBVIRT_DRIVER_DIR is empty), so only its test driver serves`);
  rows.push(daemonRow);

  // the emulators spawned directly
  const procRow: MgmtRow = {
    part: "start", metric: "emulator process start → first serial byte (demo guest, -M pc -m 32)", unit: "ms", better: "lower", cpuUnit: "CPU ms (emulator)",
    virtkitName: "virtkit qemu-system (node apps/qemu-system/dist/cli.js)", virtkit: null, peerName: "Debian qemu-system-i386 -accel tcg", peer: null, notes: [],
  };
  const ours = virtkitQemuCli();
  const qemu = qemuBinary();
  const jobs: [string, string[] | null, "virtkit" | "peer", string][] = [
    ["virtkit qemu-system", ours === null ? null : [process.execPath, ours, ...startMachineArgs(DEMO_KERNEL)], "virtkit", "apps/qemu-system is not built"],
    ["qemu-system-i386 TCG", qemu === undefined ? null : [qemu, "-accel", "tcg", ...startMachineArgs(DEMO_KERNEL)], "peer", "qemu-system-i386 not found (Debian package: qemu-system-x86)"],
  ];
  // round robin, one run of each at a time, so that the load falls on both
  const samples: Record<"virtkit" | "peer", StartSample[]> = { virtkit: [], peer: [] };
  const failed = new Set<string>();
  for (const [label, argv, , missing] of jobs) {
    if (argv === null) {
      procRow.notes.push(`${label} skipped: ${missing}`);
      failed.add(label);
    }
  }
  for (let i = 0; i <= o.runs; i++) {
    for (const [label, argv, side] of jobs) {
      if (argv === null || failed.has(label)) continue;
      try {
        const s = await processToFirstByte(argv);
        if (i === 0) {
          progress(`${label} warm-up: first byte after ${s.wallMs.toFixed(0)} ms (not counted)`);
          continue;
        }
        samples[side].push(s);
        progress(`${label} ${i}/${o.runs}: first byte after ${s.wallMs.toFixed(0)} ms`);
      } catch (e) {
        failed.add(label);
        procRow.notes.push(`${label} failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
  procRow.virtkit = fig(samples.virtkit);
  procRow.peer = fig(samples.peer);
  rows.push(procRow);
  return rows;
}
