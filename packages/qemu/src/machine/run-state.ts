/*
 * QEMU's run states and shutdown causes (qapi/run-state.json RunState, ShutdownCause) and the
 * events the machine reports (STOP, RESUME, RESET, SHUTDOWN, POWERDOWN), spelled as QMP spells them.
 */

export type RunState =
  | "debug"
  | "inmigrate"
  | "internal-error"
  | "io-error"
  | "paused"
  | "postmigrate"
  | "prelaunch"
  | "finish-migrate"
  | "restore-vm"
  | "running"
  | "save-vm"
  | "shutdown"
  | "suspended"
  | "watchdog"
  | "guest-panicked"
  | "colo";

export type ShutdownCause =
  | "none"
  | "host-error"
  | "host-qmp-quit"
  | "host-qmp-system-reset"
  | "host-signal"
  | "host-ui"
  | "guest-shutdown"
  | "guest-reset"
  | "guest-panic"
  | "subsystem-reset"
  | "snapshot-load";

/** shutdown_caused_by_guest: every cause after host-ui comes from the guest. */
export function shutdownCausedByGuest(cause: ShutdownCause): boolean {
  return (
    cause === "guest-shutdown" ||
    cause === "guest-reset" ||
    cause === "guest-panic" ||
    cause === "subsystem-reset" ||
    cause === "snapshot-load"
  );
}

/** runstate_needs_reset: "cont" is refused until a system_reset. */
export function runStateNeedsReset(state: RunState): boolean {
  return state === "internal-error" || state === "shutdown";
}

export type MachineEvent =
  | { event: "STOP" }
  | { event: "RESUME" }
  | { event: "RESET"; data: { guest: boolean; reason: ShutdownCause } }
  | { event: "SHUTDOWN"; data: { guest: boolean; reason: ShutdownCause } }
  | { event: "POWERDOWN" }
  /** qapi/block.json DEVICE_TRAY_MOVED: the block backend's name, the tray, the device's qdev id or QOM path. */
  | { event: "DEVICE_TRAY_MOVED"; data: { device: string; "tray-open": boolean; id: string } };
