import type { BlockDriver } from "../block/block-driver.js";
import { BlockError } from "../block/block-error.js";
import { isFormat, openImage, probeFormat } from "../block/image.js";
import type { IdeDrive } from "../hw/ide/ide-drive.js";
import type { PcMachine } from "../machine/pc.js";
import { QmpError } from "./qmp-commands.js";

/*
 * Removable media from the monitor (QEMU 7.2 blockdev.c qmp_eject, block/qapi-sysemu.c
 * do_open_tray, blockdev_remove_medium, qmp_blockdev_insert_anon_medium, qmp_blockdev_close_tray,
 * qmp_blockdev_change_medium; block/block-backend.c blk_dev_change_media_cb). A block backend is
 * found by its name (device=) or by its device's qdev id (id=); opening the tray of a drive the
 * guest locked only sends the guest an eject request unless forced.
 */

/** One block backend (QEMU's BlockBackend) as the media commands see it. */
export interface BlockBackendSlot {
  /** blk_name: the -drive id, "" for the anonymous backend of a -device ide-cd without drive=. */
  readonly name: string;
  /** The attached device's id= (lookup by id), undefined when it has none. */
  readonly qdevId: string | undefined;
  /** blk_get_attached_dev_id: the device's id, else its QOM path (DEVICE_TRAY_MOVED's "id"). */
  readonly attachedId: string;
  /** A device is attached (an if=none drive nobody uses has none). */
  readonly hasDevice: boolean;
  /** The removable-media device (ide-cd); undefined for ide-hd, virtio-blk or no device. */
  readonly cd: IdeDrive | undefined;
  /** The inserted medium, null when empty. */
  medium(): BlockDriver | null;
  /** blk_insert_bs / blk_remove_bs (the host's list follows). */
  setMedium(blk: BlockDriver | null): void;
  /** The root state's read-only flag (blk_get_open_flags_from_root_state): what "retain" keeps. */
  rootReadOnly: boolean;
}

/** BlockdevChangeReadOnlyMode (qapi/block.json). */
export const READ_ONLY_MODES = ["retain", "read-only", "read-write"] as const;
export type ReadOnlyMode = (typeof READ_ONLY_MODES)[number];

export interface BlockMediaHost {
  readonly machine: PcMachine;
  /** Every block backend; a host without removable media may leave this out. */
  blockBackends?(): BlockBackendSlot[];
}

/** qmp_get_blk. */
export function qmpGetBlk(host: BlockMediaHost, device: string | undefined, id: string | undefined): BlockBackendSlot {
  if ((device === undefined) === (id === undefined)) {
    throw new QmpError("GenericError", "Need exactly one of 'device' and 'id'");
  }
  const all = host.blockBackends?.() ?? [];
  const found = id !== undefined ? all.find((b) => b.hasDevice && b.qdevId === id) : all.find((b) => b.name === device && b.name !== "");
  if (found === undefined) {
    throw new QmpError("DeviceNotFound", `Device '${id ?? device ?? ""}' not found`);
  }
  return found;
}

/** blk_dev_has_removable_media: no device, or one with a change_media_cb. */
function hasRemovableMedia(b: BlockBackendSlot): boolean {
  return !b.hasDevice || b.cd !== undefined;
}

/** blk_dev_change_media_cb: the device's tray moves; DEVICE_TRAY_MOVED if it did. */
function changeMediaCb(host: BlockMediaHost, b: BlockBackendSlot, load: boolean): void {
  const cd = b.cd;
  if (cd === undefined) return;
  const wasOpen = cd.trayOpen;
  cd.changeMediaCb(load);
  if (wasOpen !== cd.trayOpen) {
    host.machine.emitEvent({ event: "DEVICE_TRAY_MOVED", data: { device: b.name, "tray-open": cd.trayOpen, id: b.attachedId } });
  }
}

type OpenTrayResult = "ok" | "ENOSYS" | "EINPROGRESS";

/** do_open_tray: "ENOSYS" (no tray) and "EINPROGRESS" (locked, not forced) come with the error to report. */
function doOpenTray(host: BlockMediaHost, b: BlockBackendSlot, label: string, force: boolean): { rc: OpenTrayResult; error?: QmpError } {
  if (!hasRemovableMedia(b)) {
    throw new QmpError("GenericError", `Device '${label}' is not removable`);
  }
  const cd = b.cd;
  if (cd === undefined) {
    return { rc: "ENOSYS", error: new QmpError("GenericError", `Device '${label}' does not have a tray`) };
  }
  if (cd.trayOpen) {
    return { rc: "ok" };
  }
  const locked = cd.trayLocked;
  if (locked) {
    cd.requestEject(force);
  }
  if (!locked || force) {
    changeMediaCb(host, b, false);
  }
  if (locked && !force) {
    return { rc: "EINPROGRESS", error: new QmpError("GenericError", `Device '${label}' is locked and force was not specified, wait for tray to open and try again`) };
  }
  return { rc: "ok" };
}

/** blockdev_remove_medium. */
async function removeMedium(host: BlockMediaHost, b: BlockBackendSlot, label: string): Promise<void> {
  if (b.hasDevice && !hasRemovableMedia(b)) {
    throw new QmpError("GenericError", `Device '${label}' is not removable`);
  }
  if (b.cd !== undefined && !b.cd.trayOpen) {
    throw new QmpError("GenericError", `Tray of device '${label}' is not open`);
  }
  const old = b.medium();
  if (old === null) return;
  await b.cd?.drain();
  b.rootReadOnly = old.readOnly;
  b.setMedium(null);
  await old.close();
  // A backend without a tray: removing the medium counts as opening it (nothing to tell here).
  if (b.cd === undefined) changeMediaCb(host, b, false);
}

/** qmp_eject: open the tray (forced past the guest's lock with force) and remove the medium. */
export async function qmpEject(host: BlockMediaHost, device: string | undefined, id: string | undefined, force: boolean): Promise<void> {
  const b = qmpGetBlk(host, device, id);
  const label = id ?? device ?? "";
  const { rc, error } = doOpenTray(host, b, label, force);
  if (rc !== "ok" && rc !== "ENOSYS" && error !== undefined) {
    throw error;
  }
  await removeMedium(host, b, label);
}

export interface ChangeMediumArgs {
  device?: string;
  id?: string;
  filename: string;
  format?: string;
  force?: boolean;
  readOnlyMode?: ReadOnlyMode;
}

/** Opens the new medium as bdrv_open does for blockdev-change-medium (QEMU's messages). */
async function openMedium(filename: string, format: string | undefined, readOnly: boolean): Promise<BlockDriver> {
  if (format !== undefined && !isFormat(format)) {
    throw new QmpError("GenericError", `Unknown driver '${format}'`);
  }
  try {
    return await openImage(filename, { format: format ?? probeFormat(filename), readOnly });
  } catch (e) {
    if (e instanceof BlockError) {
      throw new QmpError("GenericError", e.message);
    }
    throw e;
  }
}

/** qmp_blockdev_change_medium: open the image, open the tray, swap the medium, close the tray. */
export async function qmpBlockdevChangeMedium(host: BlockMediaHost, a: ChangeMediumArgs): Promise<void> {
  const b = qmpGetBlk(host, a.device, a.id);
  const label = a.id ?? a.device ?? "";
  const current = b.medium();
  const retained = current === null ? b.rootReadOnly : current.readOnly;
  const mode = a.readOnlyMode ?? "retain";
  const readOnly = mode === "retain" ? retained : mode === "read-only";
  const medium = await openMedium(a.filename, a.format, readOnly);
  try {
    const { rc, error } = doOpenTray(host, b, label, a.force ?? false);
    if (rc !== "ok" && rc !== "ENOSYS" && error !== undefined) {
      throw error;
    }
    await removeMedium(host, b, label);
    // qmp_blockdev_insert_anon_medium
    if (b.hasDevice && !hasRemovableMedia(b)) {
      throw new QmpError("GenericError", `Device '${label}' is not removable`);
    }
    if (b.cd !== undefined && !b.cd.trayOpen) {
      throw new QmpError("GenericError", `Tray of device '${label}' is not open`);
    }
    if (b.medium() !== null) {
      throw new QmpError("GenericError", `There already is a medium in device '${label}'`);
    }
    b.setMedium(medium);
  } catch (e) {
    await medium.close();
    throw e;
  }
  // qmp_blockdev_close_tray
  if (b.cd?.trayOpen === true) {
    changeMediaCb(host, b, true);
  }
}
