// Save and restore (libvirt 9.0 src/qemu/qemu_driver.c qemuDomainSaveInternal,
// qemuDomainRestoreInternal, qemuDomainObjRestore; src/qemu/qemu_saveimage.c
// qemuSaveImageCreate, qemuSaveImageStartVM, qemuSaveImageUpdateDef): the domain is paused,
// libvirt's save image header and the domain XML go into the file, the emulator writes its
// migration stream after them, and the emulator stops; a restore starts a new emulator with
// -incoming on the same file. virDomainManagedSave uses libDir/save/NAME.save; virDomainSave
// any path the caller names, and the image carries everything a fresh daemon needs to restore.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as C from "../../api/constants.js";
import { checkDomainABIStability } from "../../conf/domain-abi.js";
import { formatDomainXML } from "../../conf/domain-conf.js";
import type { DomainDef } from "../../conf/domain-def.js";
import { VIR_DOMAIN_DEF_PARSE_INACTIVE, VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE } from "../../conf/domain-flags.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import type { QemuDomainObj } from "./qemu-domain.js";
import type { QemuDriver } from "./qemu-driver.js";
import { queryMigrate } from "./qemu-job.js";
import { monitorCommand, startProcess, stopProcess, unresolveChardevSources } from "./qemu-process.js";
import { QEMU_SAVE_FORMATS, finishSaveImage, readSaveImage, writeSaveImageHeader, type SaveImage } from "./qemu-saveimage.js";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

/** qemuDomainManagedSavePath. */
export function managedSavePath(drv: QemuDriver, name: string): string {
  return join(drv.paths.saveDir, `${name}.save`);
}

export function hasManagedSave(drv: QemuDriver, obj: QemuDomainObj): boolean {
  return existsSync(managedSavePath(drv, obj.def.name));
}

/** The definition parsed from a save image or a replacement XML (INACTIVE, not validated). */
function parseImageDef(drv: QemuDriver, xml: string): Promise<DomainDef> {
  return drv.parseDomain(xml, VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE);
}

/**
 * What the image stores (qemuDomainDefFormatLive(inactive, compatible)): the running
 * definition — the hardware the emulator's state belongs to — in its configuration form, or
 * `xmlin` once it passed the ABI stability check against it.
 */
async function imageXML(drv: QemuDriver, obj: QemuDomainObj, xmlin: string | null): Promise<string> {
  const live = unresolveChardevSources(obj.def, obj.domainDir, drv.paths.logDir);
  let def = live;
  if (xmlin !== null) {
    def = await parseImageDef(drv, xmlin);
    checkDomainABIStability(live, def);
  }
  return formatDomainXML(def, { flags: C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_INACTIVE | C.VIR_DOMAIN_XML_MIGRATABLE });
}

/**
 * qemuDomainSaveInternal into `path`; the domain ends shut off (saved), a transient one is
 * gone. `xmlin` (virDomainSaveFlags' dxml) replaces the stored XML. On failure a domain that was
 * running runs again (RUNNING_SAVE_CANCELED) and an image file created here is removed.
 */
export async function saveDomain(drv: QemuDriver, obj: QemuDomainObj, path: string, flags: number, xmlin: string | null = null): Promise<void> {
  obj.asyncJob = { kind: "save", started: Date.now(), status: "active" };
  try {
    await saveDomainJob(drv, obj, path, flags, xmlin);
  } finally {
    obj.asyncJob = null;
  }
}

/** How often the save waits for the emulator between two query-migrate (qemuMigrationSrcWaitForCompletion's 50 ms). */
const MIGRATION_POLL_MS = 50;

async function saveDomainJob(drv: QemuDriver, obj: QemuDomainObj, path: string, flags: number, xmlin: string | null): Promise<void> {
  let wasRunning = false;
  if (obj.state === C.VIR_DOMAIN_RUNNING) {
    wasRunning = true;
    obj.pausedReason = C.VIR_DOMAIN_PAUSED_SAVE;
    await monitorCommand(obj, "stop");
    obj.state = C.VIR_DOMAIN_PAUSED;
    obj.reason = C.VIR_DOMAIN_PAUSED_SAVE;
    drv.saveStatus(obj);
  }
  // libvirt-domain.c already guaranteed these two flags are exclusive
  const running = flags & C.VIR_DOMAIN_SAVE_RUNNING ? true : flags & C.VIR_DOMAIN_SAVE_PAUSED ? false : wasRunning;
  let created = false;
  try {
    const xml = await imageXML(drv, obj, xmlin);
    const img = writeSaveImageHeader(path, xml, running);
    created = img.created;
    await monitorCommand(obj, "migrate", { uri: `file:${path},offset=${img.streamOffset}` });
    if (obj.asyncJob) obj.asyncJob.status = "migrating";
    // qemuMigrationSrcWaitForCompletion: the emulator writes the stream on its own; wait for the end
    let info = await queryMigrate(obj);
    while (info.status === "active" || info.status === "setup") {
      await new Promise((r) => setTimeout(r, MIGRATION_POLL_MS));
      info = await queryMigrate(obj);
    }
    if (info.status !== "completed") {
      throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `job 'migration out' failed: ${info.errorDesc ?? "unknown"}`);
    }
    finishSaveImage(path, img.header);
  } catch (e) {
    if (created) rmSync(path, { force: true });
    if (wasRunning && obj.monitor) {
      obj.state = C.VIR_DOMAIN_RUNNING;
      obj.reason = C.VIR_DOMAIN_RUNNING_SAVE_CANCELED;
      await monitorCommand(obj, "cont").catch(() => undefined);
      drv.saveStatus(obj);
    }
    throw e;
  }
  await stopProcess(drv, obj, C.VIR_DOMAIN_SHUTOFF_SAVED, C.VIR_DOMAIN_EVENT_STOPPED_SAVED);
}

/** qemuSaveImageOpen as the restore paths use it: compressed images need a decompressor virtkit does not run. */
export function openSaveImage(path: string): SaveImage {
  const image = readSaveImage(path);
  if (image.header.compressed !== 0) {
    const fmt = QEMU_SAVE_FORMATS[image.header.compressed] ?? String(image.header.compressed);
    throw virError(QEMU, E.VIR_ERR_OPERATION_UNSUPPORTED, `save image compressed with '${fmt}': virtkit restores raw images only`);
  }
  return image;
}

/**
 * qemuSaveImageUpdateDef: `xmlin` replaces the image's definition if the guest could not tell
 * the difference (virDomainDefCheckABIStability against the stored one).
 */
export async function imageDefinition(drv: QemuDriver, image: SaveImage, xmlin: string | null): Promise<DomainDef> {
  const def = await parseImageDef(drv, image.xml);
  if (xmlin === null) return def;
  const replacement = await parseImageDef(drv, xmlin);
  checkDomainABIStability(def, replacement);
  return replacement;
}

export interface RestoreOptions {
  /** the definition to run (the image's, or its ABI-compatible replacement) */
  def: DomainDef;
  /** header.was_running after VIR_DOMAIN_SAVE_RUNNING / _PAUSED */
  wasRunning: boolean;
  /** virDomainCreate(VIR_DOMAIN_START_PAUSED) of a managed save: stays paused, SUSPENDED_PAUSED */
  startPaused: boolean;
}

/**
 * qemuSaveImageStartVM: a new emulator loads the stream (-incoming), STARTED RESTORED; then it
 * runs (RUNNING_RESTORED) if it was running, or stays paused (PAUSED_MIGRATION, as
 * qemuProcessStart leaves an incoming domain) with SUSPENDED RESTORED.
 */
export async function restoreDomain(drv: QemuDriver, obj: QemuDomainObj, image: SaveImage, o: RestoreOptions): Promise<void> {
  await startProcess(drv, obj, {
    paused: true,
    runningReason: C.VIR_DOMAIN_RUNNING_RESTORED,
    startedDetail: C.VIR_DOMAIN_EVENT_STARTED_RESTORED,
    incoming: `file:${image.path},offset=${image.streamOffset}`,
    def: o.def,
    events: false,
  });
  obj.state = C.VIR_DOMAIN_PAUSED;
  obj.reason = C.VIR_DOMAIN_PAUSED_MIGRATION;
  drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_RESTORED);
  if (o.wasRunning && !o.startPaused) {
    obj.state = C.VIR_DOMAIN_RUNNING;
    obj.reason = C.VIR_DOMAIN_RUNNING_RESTORED;
    await monitorCommand(obj, "cont");
  } else {
    drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_SUSPENDED, o.startPaused ? C.VIR_DOMAIN_EVENT_SUSPENDED_PAUSED : C.VIR_DOMAIN_EVENT_SUSPENDED_RESTORED);
  }
  drv.saveStatus(obj);
}

/** qemuDomainObjRestore: a managed save image must belong to the domain being started. */
export async function restoreManagedSave(drv: QemuDriver, obj: QemuDomainObj, startPaused: boolean): Promise<void> {
  const image = openSaveImage(managedSavePath(drv, obj.def.name));
  const def = await imageDefinition(drv, image, null);
  if (def.uuid !== obj.def.uuid) {
    throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `cannot restore domain '${obj.def.name}' uuid ${obj.def.uuid} from a file which belongs to domain '${def.name}' uuid ${def.uuid}`);
  }
  await restoreDomain(drv, obj, image, { def, wasRunning: image.header.wasRunning, startPaused });
}

export function ensureSaveDir(drv: QemuDriver): void {
  mkdirSync(drv.paths.saveDir, { recursive: true });
}
