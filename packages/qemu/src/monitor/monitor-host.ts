import type { PcMachine } from "../machine/pc.js";
import type { BlockBackendSlot } from "./block-media.js";

/*
 * What the monitors (QMP and HMP) see of the running emulator: the machine, and the pieces that
 * live outside it in QEMU (the chardev list, block backends, the version, snapshots).
 */

export interface QemuVersion {
  major: number;
  minor: number;
  micro: number;
  /** QEMU's "package" string (distribution build info). */
  package: string;
}

/** virtkit reports itself as the QEMU release whose behaviour it follows. */
export const VIRTKIT_QEMU_VERSION: QemuVersion = { major: 7, minor: 2, micro: 0, package: "virtkit-0.1.0" };

/** A block backend as query-block lists it. */
export interface BlockInfo {
  device: string;
  file: string;
  format: string;
  readOnly: boolean;
  /** Virtual size in bytes. */
  virtualSize: number;
  removable: boolean;
  /** false for a drive without a medium (no "inserted" object in query-block). */
  inserted?: false;
  /** The attached device's id or QOM path (query-block "qdev"). */
  qdev?: string;
  /** No device uses the backend (an if=none drive): query-block has no "io-status" for it. */
  detached?: true;
  /** A removable drive's tray and lock (query-block "tray_open", "locked"). */
  trayOpen?: boolean;
  locked?: boolean;
}

export interface SnapshotInfo {
  id: string;
  name: string;
  vmStateSize: number;
  /** Wall-clock seconds and nanoseconds when taken. */
  dateSec: number;
  dateNsec: number;
  /** Guest virtual time (ns) when taken. */
  vmClockNs: number;
}

export interface MonitorHost {
  readonly machine: PcMachine;
  readonly version: QemuVersion;
  /** The process's thread id reported for vCPUs (QEMU's vCPU thread ids). */
  readonly threadId: number;
  chardevs(): { label: string; filename: string; frontendOpen: boolean }[];
  blockDevices(): BlockInfo[];
  /** The block backends for eject / change (blockdev-change-medium); none when absent. */
  blockBackends?(): BlockBackendSlot[];
  /** savevm / loadvm / delvm / info snapshots (undefined when no snapshot store is configured). */
  snapshots?: {
    save(name: string): Promise<void>;
    load(name: string): Promise<void>;
    delete(name: string): Promise<void>;
    list(): Promise<SnapshotInfo[]>;
  };
}
