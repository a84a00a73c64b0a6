import { existsSync } from "node:fs";
import * as C from "../../api/constants.js";
import { parseConfXml } from "../../conf/conf-error.js";
import { parseDisk, postParseDisk, validateDisk } from "../../conf/disk-conf.js";
import type { DiskDef, DomainDef } from "../../conf/domain-def.js";
import { VIR_DOMAIN_DEF_PARSE_INACTIVE } from "../../conf/domain-flags.js";
import type { ParserConfig } from "../../conf/parse-context.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import type { QemuDomainObj } from "./qemu-domain.js";
import { monitorCommand } from "./qemu-process.js";

/*
 * Device updates of the qemu driver (libvirt 9.0 src/qemu/qemu_driver.c qemuDomainUpdateDeviceFlags,
 * qemuDomainUpdateDeviceConfig / qemuDomainChangeDiskLive, src/qemu/qemu_hotplug.c
 * qemuDomainChangeEjectableMedia): a <disk> whose source differs from the domain's disk of the
 * same target changes the medium of a CD-ROM or floppy. Live, the emulator is told through the
 * monitor as libvirt does for drives given with -drive (qemuDomainChangeMediaLegacy): "eject" of
 * the drive, a wait for the tray to open when the guest holds it locked, then
 * "blockdev-change-medium" with the new image.
 */

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

/** VIR_DOMAIN_DEVICE_MODIFY_FORCE (libvirt-domain.h virDomainDeviceModifyFlags): eject even a locked tray. */
export const VIR_DOMAIN_DEVICE_MODIFY_FORCE = 4;

/** CHANGE_MEDIA_TIMEOUT (qemu_hotplug.c): how long libvirt waits for the guest to open a locked tray. */
export const CHANGE_MEDIA_TIMEOUT_MS = 5000;

/** virDomainDeviceDefParse for the device types this driver updates (a <disk>). */
export function parseUpdateDevice(xml: string, config: ParserConfig): DiskDef | { unsupported: string } {
  const root = parseConfXml(xml, "(device_definition)", rootName(xml), VirErrorDomain.VIR_FROM_DOMAIN).root;
  if (root.local !== "disk") return { unsupported: root.local };
  const disk = parseDisk(root, { flags: VIR_DOMAIN_DEF_PARSE_INACTIVE, config });
  postParseDisk(disk, config.wideScsi ? 16 : 7);
  validateDisk(disk);
  return disk;
}

function rootName(xml: string): string {
  return /^\s*(?:<\?[^>]*\?>\s*)?<([A-Za-z_][\w.-]*)/.exec(xml)?.[1] ?? "disk";
}

function sourcePath(disk: DiskDef): string | null {
  return disk.src.path;
}

/**
 * qemuDomainDiskChangeSupported: an update may change the source (and startup policy), not what
 * the device is. The fields virtkit models are compared with libvirt's messages.
 */
function checkDiskChangeSupported(disk: DiskDef, orig: DiskDef): void {
  const fields: [string, unknown, unknown][] = [
    ["device", disk.device, orig.device],
    ["bus", disk.bus, orig.bus],
    ["serial", disk.serial, orig.serial],
    ["wwn", disk.wwn, orig.wwn],
    ["vendor", disk.vendor, orig.vendor],
    ["product", disk.product, orig.product],
  ];
  for (const [name, a, b] of fields) {
    if (a !== null && a !== b) {
      throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, `cannot modify field '${name}' of the disk`);
    }
  }
}

/** qemuDomainUpdateDeviceConfig for a disk: the persistent definition's disk of that target takes the new one. */
export function updateDiskConfig(def: DomainDef, disk: DiskDef): void {
  const pos = def.disks.findIndex((d) => d.dst === disk.dst);
  if (pos < 0) throw virError(QEMU, E.VIR_ERR_INVALID_ARG, `target ${disk.dst ?? ""} doesn't exist.`);
  const orig = def.disks[pos]!;
  checkDiskChangeSupported(disk, orig);
  if (sourcePath(disk) !== sourcePath(orig) && disk.device !== "cdrom" && disk.device !== "floppy") {
    throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, "disk source can be changed only in removable drives");
  }
  // The device keeps what the domain gave it (alias, address, boot order); the media come from the update.
  disk.info = orig.info;
  disk.bus = orig.bus;
  def.disks[pos] = disk;
}

/** Resolves when the disk's tray is open (DEVICE_TRAY_MOVED), or with false after CHANGE_MEDIA_TIMEOUT. */
function waitForTrayEject(obj: QemuDomainObj, disk: DiskDef): Promise<boolean> {
  if (disk.tray === "open") return Promise.resolve(true);
  return new Promise((resolve) => {
    const waiters = (obj.trayWaiters ??= new Set());
    const done = (ok: boolean): void => {
      clearTimeout(timer);
      waiters.delete(check);
      resolve(ok);
    };
    const check = (): void => {
      if (disk.tray === "open") done(true);
    };
    const timer = setTimeout(() => done(false), CHANGE_MEDIA_TIMEOUT_MS);
    waiters.add(check);
  });
}

/** qemuProcessHandleTrayChange: the disk whose drive or device the event names records its tray. */
export function handleTrayMoved(obj: QemuDomainObj, data: { device?: string; id?: string; "tray-open"?: boolean }): DiskDef | undefined {
  const alias = data.device?.replace(/^drive-/, "") ?? "";
  const disk = obj.def.disks.find((d) => d.info.alias !== null && (d.info.alias === alias || d.info.alias === data.id));
  if (disk === undefined) return undefined;
  disk.tray = data["tray-open"] === true ? "open" : "closed";
  for (const w of [...(obj.trayWaiters ?? [])]) w();
  return disk;
}

/** VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN / _CLOSE (libvirt-domain.h virDomainEventTrayChangeReason). */
export const VIR_DOMAIN_EVENT_TRAY_CHANGE_OPEN = 0;
export const VIR_DOMAIN_EVENT_TRAY_CHANGE_CLOSE = 1;

/**
 * qemuDomainChangeEjectableMedia + qemuDomainChangeMediaLegacy: eject the current medium (a locked
 * tray: the guest is asked, and libvirt waits for it to open), then insert the new one.
 */
async function changeEjectableMedia(obj: QemuDomainObj, orig: DiskDef, disk: DiskDef, force: boolean): Promise<void> {
  const newPath = sourcePath(disk);
  // qemuDomainDetermineDiskChain / virStorageSourceReportBrokenChain: the new image must be there.
  if (newPath !== null && !existsSync(newPath)) {
    throw virError(VirErrorDomain.VIR_FROM_STORAGE, E.VIR_ERR_SYSTEM_ERROR, `Cannot access storage file '${newPath}': No such file or directory`);
  }
  const drive = `drive-${orig.info.alias ?? ""}`;
  let ejectError: Error | undefined;
  try {
    await monitorCommand(obj, "eject", { device: drive, force });
  } catch (e) {
    ejectError = e instanceof Error ? e : new Error(String(e));
  }
  if (!force && orig.tray !== "open") {
    // The guest locked the tray: the eject request is pending; give it time to open.
    if (!(await waitForTrayEject(obj, orig))) {
      throw ejectError ?? virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `timed out waiting to open tray of '${orig.dst ?? ""}'`);
    }
    // re-issue the ejection to pop out the medium
    await monitorCommand(obj, "eject", { device: drive, force: false });
  } else if (ejectError !== undefined) {
    throw ejectError;
  }
  if (newPath !== null) {
    await monitorCommand(obj, "blockdev-change-medium", { device: drive, filename: newPath, format: disk.src.format ?? "raw" });
  }
  orig.src = disk.src;
  orig.startupPolicy = disk.startupPolicy;
}

/** qemuDomainChangeDiskLive. */
export async function changeDiskLive(obj: QemuDomainObj, disk: DiskDef, force: boolean): Promise<void> {
  const orig = obj.def.disks.find((d) => d.dst === disk.dst);
  if (orig === undefined) throw virError(QEMU, E.VIR_ERR_INTERNAL_ERROR, `disk '${disk.dst ?? ""}' not found`);
  checkDiskChangeSupported(disk, orig);
  if (sourcePath(disk) !== sourcePath(orig) || disk.src.type !== orig.src.type) {
    if (disk.device !== "cdrom" && disk.device !== "floppy") {
      throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, "disk source can be changed only in removable drives");
    }
    await changeEjectableMedia(obj, orig, disk, force);
    return;
  }
  orig.startupPolicy = disk.startupPolicy;
}

export const UPDATE_DEVICE_FLAGS = C.VIR_DOMAIN_AFFECT_LIVE | C.VIR_DOMAIN_AFFECT_CONFIG | VIR_DOMAIN_DEVICE_MODIFY_FORCE;
