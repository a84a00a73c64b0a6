// One domain as the qemu driver holds it (libvirt's virDomainObj with qemuDomainObjPrivate): the
// definitions, run state and reason, and while it runs the emulator's pid, monitor and files.
import type { QmpClient } from "@virtkit/qemu";
import type { DomainDef } from "../../conf/domain-def.js";
import * as C from "../../api/constants.js";

export interface QemuDomainObj {
  /** the running definition while active, the persistent one otherwise */
  def: DomainDef;
  /** the persistent definition while the domain runs (virDomainObj newDef) */
  newDef: DomainDef | null;
  persistent: boolean;
  autostart: boolean;
  state: number;
  reason: number;
  /** emulator process id, 0 when inactive */
  pid: number;
  monitor: QmpClient | null;
  monitorPath: string;
  /** the domain's private directory libDir/domain-ID-NAME */
  domainDir: string;
  /** set by destroy so the monitor's EOF is expected (priv->beingDestroyed) */
  beingDestroyed: boolean;
  /** the reason the next STOP event records (priv->pausedReason) */
  pausedReason: number;
  /** the reason the next RESUME event records (priv->runningReason) */
  runningReason: number;
  /** on_poweroff=restart / reboot through powerdown: reset instead of stopping (priv->fakeReboot) */
  fakeReboot: boolean;
  /** called on every DEVICE_TRAY_MOVED (a media change waiting for a locked tray to open) */
  trayWaiters?: Set<() => void>;
  /** the serialised job queue (qemuDomainObjBeginJob) */
  job: Promise<unknown>;
  /**
   * The async job running now (vm->job->current of a save), which virDomainGetJobInfo reports
   * without queueing behind it (a QUERY job is allowed during an async job); null when idle.
   */
  asyncJob: QemuAsyncJob | null;
  /** removed from the list: late monitor events are ignored */
  removed: boolean;
}

/** qemuDomainJobData of an async job: when it started, and whether the emulator migrates yet. */
export interface QemuAsyncJob {
  /** VIR_ASYNC_JOB_SAVE's name ("save"); managed save and save to a file alike */
  kind: "save";
  /** Date.now() at qemuDomainObjBeginAsyncJob */
  started: number;
  /** VIR_DOMAIN_JOB_STATUS_ACTIVE until "migrate" was issued, then MIGRATING */
  status: "active" | "migrating";
}

export function newDomainObj(def: DomainDef, persistent: boolean): QemuDomainObj {
  return {
    def,
    newDef: null,
    persistent,
    autostart: false,
    state: C.VIR_DOMAIN_SHUTOFF,
    reason: C.VIR_DOMAIN_SHUTOFF_UNKNOWN,
    pid: 0,
    monitor: null,
    monitorPath: "",
    domainDir: "",
    beingDestroyed: false,
    pausedReason: C.VIR_DOMAIN_PAUSED_UNKNOWN,
    runningReason: C.VIR_DOMAIN_RUNNING_UNKNOWN,
    fakeReboot: false,
    job: Promise.resolve(),
    asyncJob: null,
    removed: false,
  };
}

export function isActive(obj: QemuDomainObj): boolean {
  return obj.def.id !== -1;
}

/** Runs `fn` after the domain's earlier jobs (one job at a time per domain, as libvirt's job lock). */
export function withJob<T>(obj: QemuDomainObj, fn: () => Promise<T> | T): Promise<T> {
  const run = obj.job.then(fn, fn);
  obj.job = run.catch(() => undefined);
  return run;
}

/** virDomainEventSuspendedDetailFromPausedReason. */
export function suspendedDetail(reason: number): number {
  switch (reason) {
    case C.VIR_DOMAIN_PAUSED_IOERROR:
      return C.VIR_DOMAIN_EVENT_SUSPENDED_IOERROR;
    case C.VIR_DOMAIN_PAUSED_WATCHDOG:
      return C.VIR_DOMAIN_EVENT_SUSPENDED_WATCHDOG;
    case C.VIR_DOMAIN_PAUSED_FROM_SNAPSHOT:
      return C.VIR_DOMAIN_EVENT_SUSPENDED_FROM_SNAPSHOT;
    case C.VIR_DOMAIN_PAUSED_MIGRATION:
      return C.VIR_DOMAIN_EVENT_SUSPENDED_MIGRATED;
    default:
      return C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED;
  }
}

/** virDomainEventResumedDetailFromRunningReason. */
export function resumedDetail(reason: number): number {
  switch (reason) {
    case C.VIR_DOMAIN_RUNNING_FROM_SNAPSHOT:
      return C.VIR_DOMAIN_EVENT_RESUMED_FROM_SNAPSHOT;
    case C.VIR_DOMAIN_RUNNING_MIGRATED:
      return C.VIR_DOMAIN_EVENT_RESUMED_MIGRATED;
    default:
      return C.VIR_DOMAIN_EVENT_RESUMED_UNPAUSED;
  }
}
