// Emulator processes (libvirt 9.0 src/qemu/qemu_process.c): qemuProcessStart builds the command
// line, starts the emulator detached (its own session, stdout/stderr into the domain log, a
// pidfile), waits for the QMP monitor socket, negotiates, and starts the vCPUs with "cont";
// qemuProcessStop kills it and cleans up; qemuProcessReconnect finds a running emulator again
// after a daemon restart. Monitor events drive the domain's state as libvirt's
// qemuProcessHandle* callbacks do.
import { VIR_DOMAIN_EVENT_TRAY_CHANGE_CLOSE, VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN, handleTrayMoved } from "./qemu-hotplug.js";
import { spawn } from "node:child_process";
import { closeSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, unlinkSync } from "node:fs";
import { join } from "node:path";
import { QmpClient, type JsonValue } from "@virtkit/qemu";
import * as C from "../../api/constants.js";
import type { DomainDef } from "../../conf/domain-def.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { assignDeviceAliases } from "./qemu-alias.js";
import { emulatorCommand, type QemuBinaryCaps } from "./qemu-capabilities.js";
import { buildCommandLine, formatCommandForLog } from "./qemu-command.js";
import { domainShortName } from "./qemu-conf.js";
import { isActive, resumedDetail, suspendedDetail, type QemuDomainObj } from "./qemu-domain.js";
import { DomainLog } from "./qemu-log.js";
import type { QemuDriver } from "./qemu-driver.js";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

/** How long a new emulator may take to open its monitor (libvirt waits 30 s by default). */
const MONITOR_WAIT_MS = 30_000;

/** True while `pid` exists and is not a zombie (an orphan whose parent does not reap it). */
export function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  }
}

/** The process is the emulator of this domain (its command line names the UUID), not a reused pid. */
export function processIsEmulatorOf(pid: number, uuid: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "latin1").split("\0").includes(uuid);
  } catch {
    return false;
  }
}

/**
 * The processes running an emulator for `uuid` (their command line has "-uuid UUID"): how a
 * restarted daemon finds the emulator of a start it did not finish — the status file it saved
 * before spawning has no pid yet, and the emulator may not have written its -pidfile either.
 */
export function emulatorsOf(uuid: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return [];
  }
  const found: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    let argv: string[];
    try {
      argv = readFileSync(`/proc/${e}/cmdline`, "latin1").split("\0");
    } catch {
      continue; // gone meanwhile, or not ours to read
    }
    const i = argv.indexOf("-uuid");
    if (i >= 0 && argv[i + 1] === uuid) found.push(pid);
  }
  return found;
}

/** qemuGetProcessInfo: the process's CPU time (utime + stime) in nanoseconds and its RSS in KiB. */
export function processInfo(pid: number): { cpuTimeNs: bigint; rssKiB: number } {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "latin1");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[0] is state (field 3): utime is field 14, stime 15, rss (pages) 24
    const ticks = BigInt(fields[11] ?? "0") + BigInt(fields[12] ?? "0");
    const rssPages = Number(fields[21] ?? "0");
    return { cpuTimeNs: (ticks * 1_000_000_000n) / 100n, rssKiB: rssPages * 4 };
  } catch {
    return { cpuTimeNs: 0n, rssKiB: 0 };
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** virProcessKillPainfully: SIGTERM, then SIGKILL if it is still there after a while. */
export async function killPainfully(pid: number, graceMs = 10_000): Promise<void> {
  if (!processAlive(pid)) return;
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    return;
  }
  const until = Date.now() + graceMs;
  while (Date.now() < until) {
    if (!processAlive(pid)) return;
    await sleep(20);
  }
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    return;
  }
  for (let i = 0; i < 250 && processAlive(pid); i++) await sleep(20);
}

/** A QMP reply's error as libvirt reports monitor errors (VIR_ERR_INTERNAL_ERROR / OPERATION_FAILED). */
export function qmpCheck(reply: Record<string, JsonValue>, command: string): JsonValue {
  if ("error" in reply) {
    const e = reply.error as { class?: string; desc?: string };
    throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, `unable to execute QEMU command '${command}': ${e.desc ?? "unknown error"}`);
  }
  return reply.return ?? null;
}

export async function monitorCommand(obj: QemuDomainObj, command: string, args?: Record<string, JsonValue>): Promise<JsonValue> {
  const mon = obj.monitor;
  if (!mon || mon.closedNow) throw virError(QEMU, E.VIR_ERR_OPERATION_INVALID, "monitor must not be NULL");
  // The monitor socket does not keep the process alive (an embedding program may exit with
  // domains running); a command waiting for its reply does.
  const keep = setInterval(() => undefined, 1 << 30);
  try {
    return qmpCheck(await mon.execute(command, args), command);
  } finally {
    clearInterval(keep);
  }
}

/**
 * A character device the emulator serves: a pty becomes a listening socket in the domain's
 * directory, with a log of everything the guest writes (logDir/NAME-ALIAS.log) so that a console
 * opened later still shows what a pty would have buffered (the boot banner).
 */
function served(def: DomainDef): DomainDef["serials"] {
  return [...def.serials, ...def.consoles.filter((c, i) => !(i === 0 && c.targetType === "serial" && def.serials.length > 0)), ...def.channels];
}

function resolveChardevSources(def: DomainDef, dir: string, logDir: string): void {
  for (const chr of served(def)) {
    if (chr.source.type === "pty") {
      const alias = chr.info.alias ?? "chr";
      chr.source.type = "unix";
      chr.source.listen = true;
      chr.source.path = join(dir, `${alias}.sock`);
      if (chr.source.logFile === null) {
        chr.source.logFile = join(logDir, `${def.name}-${alias}.log`);
        chr.source.logAppend = "off";
      }
    }
  }
}

/**
 * The running definition as the configuration it was started from: the pty character devices
 * that resolveChardevSources turned into sockets in `domainDir` (and their logs) become ptys
 * again. What a save image stores, so the restore wires them anew.
 */
export function unresolveChardevSources(def: DomainDef, domainDir: string, logDir: string): DomainDef {
  const out = structuredClone(def);
  for (const chr of served(out)) {
    const alias = chr.info.alias ?? "chr";
    const src = chr.source;
    if (src.type !== "unix" || !src.listen || src.path !== join(domainDir, `${alias}.sock`)) continue;
    src.type = "pty";
    src.listen = false;
    src.path = null;
    if (src.logFile === join(logDir, `${def.name}-${alias}.log`)) {
      src.logFile = null;
      src.logAppend = null;
    }
  }
  return out;
}

export interface StartOptions {
  paused: boolean;
  /** RUNNING reason after "cont" and the STARTED detail */
  runningReason: number;
  startedDetail: number;
  /** -incoming file:PATH,offset=N (restore) */
  incoming?: string;
  /** emit the lifecycle events (restore emits its own) */
  events?: boolean;
  /** run this definition instead of obj.def (a save image's), keeping obj.def as the config */
  def?: DomainDef;
  /** -loadvm NAME: start from an internal snapshot */
  loadvm?: string;
}

/** qemuProcessStart. The caller holds the domain's job; `obj.def` is the definition to run. */
export async function startProcess(drv: QemuDriver, obj: QemuDomainObj, opts: StartOptions): Promise<void> {
  if (isActive(obj)) throw virError(VirErrorDomain.VIR_FROM_DOMAIN, E.VIR_ERR_OPERATION_INVALID, "domain is already running");
  const caps: QemuBinaryCaps = await drv.emulatorCaps(obj.def.emulator ?? "");
  // virDomainObjSetDefTransient: the running definition is a copy; the config stays as newDef.
  const persistentDef = obj.def;
  const live = structuredClone(opts.def ?? obj.def);
  const id = drv.allocateId();
  live.id = id;
  const dir = join(drv.paths.libDir, `domain-${domainShortName(id, live.name)}`);
  assignDeviceAliases(live);
  mkdirSync(drv.paths.logDir, { recursive: true });
  resolveChardevSources(live, dir, drv.paths.logDir);
  const monitorPath = join(dir, "monitor.sock");
  const pidfile = join(drv.paths.stateDir, `${live.name}.pid`);
  const args = buildCommandLine(live, {
    caps,
    domainDir: dir,
    monitorPath,
    pidfile,
    snapshotDir: drv.snapshotStateDir(live.name),
    incoming: opts.incoming ?? null,
    network: (name) => drv.networkForDomain(name),
  });
  if (opts.loadvm !== undefined) args.push("-loadvm", opts.loadvm);
  mkdirSync(dir, { recursive: true, mode: 0o750 });
  mkdirSync(drv.paths.stateDir, { recursive: true });
  for (const f of [monitorPath, pidfile]) rmSync(f, { force: true });

  if (obj.persistent) obj.newDef = persistentDef;
  obj.def = live;
  obj.state = C.VIR_DOMAIN_PAUSED;
  obj.reason = C.VIR_DOMAIN_PAUSED_STARTING_UP;
  obj.monitorPath = monitorPath;
  obj.domainDir = dir;
  obj.beingDestroyed = false;
  obj.pid = 0;
  // The status file exists before the process does: a daemon killed from here on finds the
  // half-started domain at restart and cleans it up instead of forgetting an emulator.
  drv.saveStatus(obj);

  const log = new DomainLog(drv.paths.logDir, live.name);
  const cmd = emulatorCommand(caps.emulator);
  // the environment libvirt gives QEMU (qemuProcessLaunch: LC_ALL, a fixed PATH, HOME)
  const env: Record<string, string> = { LC_ALL: "C", PATH: "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin", HOME: dir };
  log.startingUp(caps.version, formatCommandForLog(env, caps.emulator, args));
  const logStart = log.size();
  const logFd = log.openForEmulator();
  const proc: { exited: number | null; error: Error | null } = { exited: null, error: null };
  const child = spawn(cmd.file, [...cmd.args, ...args], {
    detached: true,
    stdio: ["ignore", logFd, logFd],
    env: { ...env, ...(process.env.VIRTKIT_QEMU_CHILD_ENV === "inherit" ? process.env : {}) },
    cwd: dir,
  });
  child.on("exit", (code, signal) => {
    proc.exited = code ?? (signal ? 128 : 1);
  });
  child.on("error", (e) => {
    proc.error = e;
  });
  child.unref();
  obj.pid = child.pid ?? 0;
  closeSync(logFd);
  drv.saveStatus(obj);

  const fail = async (msg: string): Promise<never> => {
    if (obj.pid) await killPainfully(obj.pid, 2000);
    cleanupProcess(drv, obj, "failed");
    throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, msg);
  };

  // qemuConnectMonitor: wait for the socket, then the greeting.
  let mon: QmpClient | null = null;
  const until = Date.now() + MONITOR_WAIT_MS;
  while (mon === null) {
    if (proc.error !== null) return fail(`Failed to execute emulator '${caps.emulator}': ${proc.error.message}`);
    if (proc.exited !== null) return fail(`process exited while connecting to monitor: ${log.readSince(logStart)}`);
    if (Date.now() > until) return fail(`monitor socket did not show up: ${monitorPath}`);
    if (existsSync(monitorPath)) {
      try {
        mon = await QmpClient.connect({ path: monitorPath }, 5000);
      } catch {
        mon = null;
      }
    }
    if (mon === null) await sleep(25);
  }
  attachMonitor(drv, obj, mon);
  try {
    await monitorCommand(obj, "qmp_capabilities");
    if (!opts.paused) {
      // the state changes before "cont": its RESUME event then finds nothing to report
      obj.state = C.VIR_DOMAIN_RUNNING;
      obj.reason = opts.runningReason;
      await monitorCommand(obj, "cont");
    } else {
      obj.state = C.VIR_DOMAIN_PAUSED;
      obj.reason = C.VIR_DOMAIN_PAUSED_USER;
    }
  } catch (e) {
    return fail(`qemu unexpectedly closed the monitor: ${log.readSince(logStart) || (e as Error).message}`);
  }
  drv.saveStatus(obj);
  if (opts.events !== false) {
    drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_STARTED, opts.startedDetail);
    if (opts.paused) drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED);
  }
}

/** qemuProcessStop's cleanup: files, status, definitions back, state shut off. */
export function cleanupProcess(drv: QemuDriver, obj: QemuDomainObj, reasonText: string, reason = C.VIR_DOMAIN_SHUTOFF_FAILED): void {
  const mon = obj.monitor;
  obj.monitor = null;
  mon?.close();
  const name = obj.def.name;
  new DomainLog(drv.paths.logDir, name).shuttingDown(reasonText);
  if (obj.domainDir) rmSync(obj.domainDir, { recursive: true, force: true });
  rmSync(join(drv.paths.stateDir, `${name}.pid`), { force: true });
  drv.removeStatus(name);
  if (obj.newDef) {
    obj.def = obj.newDef;
    obj.newDef = null;
  }
  obj.def.id = -1;
  obj.pid = 0;
  obj.monitorPath = "";
  obj.domainDir = "";
  obj.state = C.VIR_DOMAIN_SHUTOFF;
  obj.reason = reason;
  obj.fakeReboot = false;
}

const SHUTOFF_REASON_TEXT: Record<number, string> = {
  [C.VIR_DOMAIN_SHUTOFF_SHUTDOWN]: "shutdown",
  [C.VIR_DOMAIN_SHUTOFF_DESTROYED]: "destroyed",
  [C.VIR_DOMAIN_SHUTOFF_CRASHED]: "crashed",
  [C.VIR_DOMAIN_SHUTOFF_MIGRATED]: "migrated",
  [C.VIR_DOMAIN_SHUTOFF_SAVED]: "saved",
  [C.VIR_DOMAIN_SHUTOFF_FAILED]: "failed",
  [C.VIR_DOMAIN_SHUTOFF_FROM_SNAPSHOT]: "from-snapshot",
  [C.VIR_DOMAIN_SHUTOFF_DAEMON]: "daemon",
};

/** qemuProcessStop: kill the emulator (if still there), clean up, emit STOPPED, drop a transient domain. */
export async function stopProcess(drv: QemuDriver, obj: QemuDomainObj, reason: number, eventDetail: number | null): Promise<void> {
  obj.beingDestroyed = true;
  const pid = obj.pid;
  const mon = obj.monitor;
  obj.monitor = null;
  mon?.close();
  if (pid) await killPainfully(pid);
  cleanupProcess(drv, obj, SHUTOFF_REASON_TEXT[reason] ?? "unknown", reason);
  obj.beingDestroyed = false;
  if (eventDetail !== null) drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_STOPPED, eventDetail);
  if (!obj.persistent) drv.removeDomain(obj);
}

/** Wires the monitor's events and EOF to the domain (qemuProcessHandle*, qemuProcessHandleMonitorEOF). */
export function attachMonitor(drv: QemuDriver, obj: QemuDomainObj, mon: QmpClient): void {
  mon.record = false;
  mon.unref();
  obj.monitor = mon;
  mon.onEvent((ev) => {
    if (obj.monitor !== mon || obj.removed) return;
    handleEvent(drv, obj, ev);
  });
  void mon.closed().then(() => {
    if (obj.monitor !== mon || obj.removed) return;
    void drv.runJob(obj, async () => {
      if (obj.monitor !== mon) return;
      if (obj.beingDestroyed) return;
      // processMonitorEOFEvent: without a SHUTDOWN event first, the emulator crashed.
      const shutdown = obj.state === C.VIR_DOMAIN_SHUTDOWN;
      await stopProcess(drv, obj, shutdown ? C.VIR_DOMAIN_SHUTOFF_SHUTDOWN : C.VIR_DOMAIN_SHUTOFF_CRASHED, shutdown ? C.VIR_DOMAIN_EVENT_STOPPED_SHUTDOWN : C.VIR_DOMAIN_EVENT_STOPPED_FAILED);
    });
  });
}

function handleEvent(drv: QemuDriver, obj: QemuDomainObj, ev: Record<string, JsonValue>): void {
  const data = (ev.data ?? {}) as { guest?: boolean; reason?: string };
  switch (ev.event) {
    case "STOP":
      // qemuProcessHandleStop: only a running domain becomes paused here (API calls set state themselves)
      if (obj.state === C.VIR_DOMAIN_RUNNING) {
        const reason = obj.pausedReason;
        obj.pausedReason = C.VIR_DOMAIN_PAUSED_UNKNOWN;
        obj.state = C.VIR_DOMAIN_PAUSED;
        obj.reason = reason;
        drv.saveStatus(obj);
        drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_SUSPENDED, suspendedDetail(reason));
      }
      break;
    case "RESUME":
      if (obj.state === C.VIR_DOMAIN_PAUSED) {
        const reason = obj.runningReason || C.VIR_DOMAIN_RUNNING_UNPAUSED;
        obj.runningReason = C.VIR_DOMAIN_RUNNING_UNKNOWN;
        obj.state = C.VIR_DOMAIN_RUNNING;
        obj.reason = reason;
        drv.saveStatus(obj);
        drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_RESUMED, resumedDetail(reason));
      }
      break;
    case "SHUTDOWN": {
      // qemuProcessHandleShutdown
      if (obj.state === C.VIR_DOMAIN_SHUTDOWN) break;
      const detail = data.guest === true ? C.VIR_DOMAIN_EVENT_SHUTDOWN_GUEST : data.guest === false ? 2 : C.VIR_DOMAIN_EVENT_SHUTDOWN_FINISHED;
      obj.state = C.VIR_DOMAIN_SHUTDOWN;
      obj.reason = C.VIR_DOMAIN_SHUTDOWN_UNKNOWN;
      drv.saveStatus(obj);
      drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_SHUTDOWN, detail);
      void drv.runJob(obj, () => shutdownOrReboot(drv, obj));
      break;
    }
    case "DEVICE_TRAY_MOVED": {
      // qemuProcessHandleTrayChange: the disk's tray as the live XML shows it (tray='open')
      const disk = handleTrayMoved(obj, ev.data as { device?: string; id?: string; "tray-open"?: boolean });
      if (disk === undefined) break;
      drv.saveStatus(obj);
      // virDomainEventTrayChangeNewFromObj: the disk's alias and whether it opened or closed
      drv.emit({
        eventID: C.VIR_DOMAIN_EVENT_ID_TRAY_CHANGE,
        dom: drv.ref(obj),
        payload: { devAlias: disk.info.alias ?? "", reason: disk.tray === "open" ? VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN : VIR_DOMAIN_EVENT_TRAY_CHANGE_CLOSE },
      });
      break;
    }
    case "RESET":
      // qemuProcessHandleReset
      obj.fakeReboot = false;
      drv.emit({ eventID: C.VIR_DOMAIN_EVENT_ID_REBOOT, dom: drv.ref(obj) });
      break;
    default:
      break;
  }
}

/** qemuProcessShutdownOrReboot: a fake reboot resets and continues; otherwise the emulator is told to go. */
async function shutdownOrReboot(drv: QemuDriver, obj: QemuDomainObj): Promise<void> {
  if (obj.state !== C.VIR_DOMAIN_SHUTDOWN || !obj.monitor) return;
  if (obj.fakeReboot || obj.def.onPoweroff === "restart") {
    obj.fakeReboot = false;
    try {
      await monitorCommand(obj, "system_reset");
      obj.state = C.VIR_DOMAIN_RUNNING;
      obj.reason = C.VIR_DOMAIN_RUNNING_BOOTED;
      await monitorCommand(obj, "cont");
      // the emulator's RESET event reports the reboot
      drv.saveStatus(obj);
      return;
    } catch {
      /* fall through to stopping it */
    }
  }
  // qemuProcessKill(vm, VIR_QEMU_PROCESS_KILL_NOWAIT): SIGTERM; the monitor's EOF finishes the stop.
  if (obj.pid) {
    try {
      process.kill(obj.pid, "SIGTERM");
    } catch {
      /* already gone */
    }
  }
}

/**
 * qemuProcessReconnect: after a daemon restart, a domain whose status file says it runs is
 * either found (pid alive, its command line names the UUID, the monitor answers) and its state
 * read back from query-status, or stopped as crashed.
 */
export async function reconnectProcess(drv: QemuDriver, obj: QemuDomainObj): Promise<void> {
  const startingUp = obj.state === C.VIR_DOMAIN_PAUSED && obj.reason === C.VIR_DOMAIN_PAUSED_STARTING_UP;
  const alive = obj.pid > 0 && processAlive(obj.pid) && processIsEmulatorOf(obj.pid, obj.def.uuid);
  if (!alive || startingUp) {
    // An emulator the previous daemon had not finished starting is not trusted (libvirt kills
    // domains whose start job was interrupted). Killed between saving the status and recording
    // the pid, the daemon left no pid behind: the emulator is found by its -uuid instead.
    if (alive) await killPainfully(obj.pid, 2000);
    if (startingUp) await Promise.all(emulatorsOf(obj.def.uuid).map((pid) => killPainfully(pid, 2000)));
    obj.pid = 0;
    cleanupProcess(drv, obj, "crashed", startingUp ? C.VIR_DOMAIN_SHUTOFF_FAILED : C.VIR_DOMAIN_SHUTOFF_CRASHED);
    if (!obj.persistent) drv.removeDomain(obj);
    return;
  }
  // The emulator serves one monitor client at a time: right after a daemon was killed its old
  // connection may still be open, so keep trying for a while before giving the domain up.
  let mon: QmpClient | null = null;
  const until = Date.now() + 10_000;
  while (mon === null && Date.now() < until && processAlive(obj.pid)) {
    try {
      mon = await QmpClient.connect({ path: obj.monitorPath }, 2000);
    } catch {
      await sleep(100);
    }
  }
  if (mon === null) {
    await killPainfully(obj.pid, 2000);
    cleanupProcess(drv, obj, "crashed", C.VIR_DOMAIN_SHUTOFF_CRASHED);
    if (!obj.persistent) drv.removeDomain(obj);
    return;
  }
  attachMonitor(drv, obj, mon);
  try {
    await monitorCommand(obj, "qmp_capabilities");
    const st = (await monitorCommand(obj, "query-status")) as { status?: string; running?: boolean };
    if (st.running === true) {
      if (obj.state !== C.VIR_DOMAIN_RUNNING) {
        obj.state = C.VIR_DOMAIN_RUNNING;
        obj.reason = C.VIR_DOMAIN_RUNNING_UNPAUSED;
      }
    } else if (st.status === "shutdown") {
      obj.state = C.VIR_DOMAIN_SHUTDOWN;
      obj.reason = C.VIR_DOMAIN_SHUTDOWN_UNKNOWN;
      void drv.runJob(obj, () => shutdownOrReboot(drv, obj));
    } else if (obj.state !== C.VIR_DOMAIN_PAUSED) {
      obj.state = C.VIR_DOMAIN_PAUSED;
      obj.reason = C.VIR_DOMAIN_PAUSED_UNKNOWN;
    }
    drv.saveStatus(obj);
  } catch {
    await stopProcess(drv, obj, C.VIR_DOMAIN_SHUTOFF_CRASHED, null);
  }
}

/** Unlinks a file, ignoring a missing one. */
export function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* gone */
  }
}
