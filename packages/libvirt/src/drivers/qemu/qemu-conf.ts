// The qemu driver's configuration (libvirt 9.0 src/qemu/qemu_conf.c virQEMUDriverConfigNew): where
// it keeps persistent XML, live status, per-domain runtime files, logs, save images and snapshot
// metadata, and which emulator runs domains whose XML names none.
//
//   qemu:///system   /etc/libvirt/qemu, /run/libvirt/qemu, /var/lib/libvirt/qemu, /var/log/libvirt/qemu
//   qemu:///session  $XDG_CONFIG_HOME/libvirt/qemu, $XDG_RUNTIME_DIR/libvirt/qemu/run, ..., ~/.cache/libvirt/qemu/log
//   qemu:///embed?root=DIR   DIR/etc/qemu, DIR/run/qemu, DIR/lib/qemu, DIR/log/qemu (libvirt's embed layout)
//
// virtkit additions: VIRTKIT_QEMU_ROOT=DIR lays qemu:///system or /session out under DIR as the
// embedded driver does (a private daemon must not touch a real libvirtd's /etc/libvirt), and
// VIRTKIT_QEMU_EMULATOR names the default emulator (virtkit's qemu-system-i386, found in the
// workspace's apps/qemu-system/dist/cli.js when unset).
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { driverPaths, type DriverPaths } from "../persist.js";

export interface QemuDriverPaths extends DriverPaths {
  /** /var/log/libvirt/qemu: NAME.log per domain */
  logDir: string;
  /** managed save images: libDir/save/NAME.save */
  saveDir: string;
  /** snapshot metadata: libDir/snapshot/NAME/SNAP.xml (snapshot state files beside it) */
  snapshotDir: string;
  /** the root that names this driver instance (the embed root, or "" for system/session) */
  root: string;
  privileged: boolean;
}

export function qemuDriverPaths(mode: { privileged: boolean; root: string | null }): QemuDriverPaths {
  const base = driverPaths("qemu", mode);
  let logDir: string;
  if (mode.root) logDir = join(mode.root, "log", "qemu");
  else if (mode.privileged) logDir = "/var/log/libvirt/qemu";
  else logDir = join(process.env.XDG_CACHE_HOME ?? join(process.env.HOME ?? "/", ".cache"), "libvirt", "qemu", "log");
  return {
    ...base,
    logDir,
    saveDir: join(base.libDir, "save"),
    snapshotDir: join(base.libDir, "snapshot"),
    root: mode.root ?? "",
    privileged: mode.privileged,
  };
}

/** The storage and network drivers' directories for the same root (storage/, network/). */
export function sharedDriverPaths(kind: "storage" | "network", mode: { privileged: boolean; root: string | null }): DriverPaths {
  return driverPaths(kind, mode);
}

/** Walks up from this module to the workspace's built qemu-system app. */
function findWorkspaceEmulator(): string | null {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const cand = join(dir, "apps", "qemu-system", "dist", "cli.js");
    if (existsSync(cand)) return cand;
    const parent = dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

/** The emulator used for domains without <emulator>: VIRTKIT_QEMU_EMULATOR, else the workspace's. */
export function defaultEmulator(): string | null {
  const env = process.env.VIRTKIT_QEMU_EMULATOR;
  if (env) return resolve(env);
  return findWorkspaceEmulator();
}

/** virDomainDefGetShortName: "ID-NAME" with the name cut to 20 characters. */
export function domainShortName(id: number, name: string): string {
  return `${id}-${name.slice(0, 20)}`;
}
