// Managed save and restore (libvirt 9.0 src/qemu/qemu_driver.c qemuDomainSaveInternal,
// qemuDomainObjRestore, src/qemu/qemu_saveimage.c): the domain is paused, its definition and
// the emulator's migration stream go into libDir/save/NAME.save, and the emulator stops; the next
// start loads the image into a new emulator (-incoming) and the image is removed.
import { existsSync, mkdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import * as C from "../../api/constants.js";
import { formatDomainXML } from "../../conf/domain-conf.js";
import { VIR_DOMAIN_DEF_PARSE_INACTIVE, VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE } from "../../conf/domain-flags.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import type { QemuDomainObj } from "./qemu-domain.js";
import type { QemuDriver } from "./qemu-driver.js";
import { monitorCommand, startProcess, stopProcess } from "./qemu-process.js";
import { finishSaveImage, readSaveImage, SaveImageError, writeSaveImageHeader } from "./qemu-saveimage.js";

const QEMU = VirErrorDomain.VIR_FROM_QEMU;
const E = VirErrorNumber;

/** qemuDomainManagedSavePath. */
export function managedSavePath(drv: QemuDriver, name: string): string {
  return join(drv.paths.saveDir, `${name}.save`);
}

export function hasManagedSave(drv: QemuDriver, obj: QemuDomainObj): boolean {
  return existsSync(managedSavePath(drv, obj.def.name));
}

/** qemuDomainSaveInternal into `path`; the domain ends shut off (saved). */
export async function saveDomain(drv: QemuDriver, obj: QemuDomainObj, path: string, flags: number): Promise<void> {
  const wasRunning = obj.state === C.VIR_DOMAIN_RUNNING;
  mkdirSync(drv.paths.saveDir, { recursive: true });
  if (obj.state === C.VIR_DOMAIN_RUNNING) {
    obj.pausedReason = C.VIR_DOMAIN_PAUSED_SAVE;
    await monitorCommand(obj, "stop");
    obj.state = C.VIR_DOMAIN_PAUSED;
    obj.reason = C.VIR_DOMAIN_PAUSED_SAVE;
    drv.saveStatus(obj);
  }
  // The configuration that restores it: the persistent definition's (runtime-only wiring such
  // as the console sockets is made again at restore).
  const xml = formatDomainXML(obj.newDef ?? obj.def, { flags: C.VIR_DOMAIN_XML_SECURE | C.VIR_DOMAIN_XML_INACTIVE });
  const running = flags & C.VIR_DOMAIN_SAVE_RUNNING ? true : flags & C.VIR_DOMAIN_SAVE_PAUSED ? false : wasRunning;
  try {
    const offset = writeSaveImageHeader(path, xml, running);
    await monitorCommand(obj, "migrate", { uri: `file:${path},offset=${offset}` });
    const info = (await monitorCommand(obj, "query-migrate")) as { status?: string; "error-desc"?: string };
    if (info.status !== "completed") {
      throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `operation failed: job 'migration out' failed: ${info["error-desc"] ?? "unknown"}`);
    }
    finishSaveImage(path);
  } catch (e) {
    rmSync(path, { force: true });
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

/** qemuDomainObjRestore / qemuSaveImageStartVM: start `obj` from the image at `path`. */
export async function restoreDomain(drv: QemuDriver, obj: QemuDomainObj, path: string, flags: number): Promise<void> {
  let image;
  try {
    image = readSaveImage(path);
  } catch (e) {
    if (e instanceof SaveImageError) throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, e.message);
    throw e;
  }
  const def = await drv.parseDomain(image.xml, VIR_DOMAIN_DEF_PARSE_INACTIVE | VIR_DOMAIN_DEF_PARSE_SKIP_VALIDATE);
  if (def.uuid !== obj.def.uuid) {
    throw virError(QEMU, E.VIR_ERR_OPERATION_FAILED, `cannot restore domain '${obj.def.name}' uuid ${obj.def.uuid} from a file which belongs to domain '${def.name}' uuid ${def.uuid}`);
  }
  const paused = flags & C.VIR_DOMAIN_SAVE_PAUSED ? true : flags & C.VIR_DOMAIN_SAVE_RUNNING ? false : !image.header.wasRunning;
  await startProcess(drv, obj, {
    paused: true,
    runningReason: C.VIR_DOMAIN_RUNNING_RESTORED,
    startedDetail: C.VIR_DOMAIN_EVENT_STARTED_RESTORED,
    incoming: `file:${path},offset=${image.streamOffset}`,
    def,
    events: false,
  });
  drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_STARTED, C.VIR_DOMAIN_EVENT_STARTED_RESTORED);
  if (!paused) {
    obj.state = C.VIR_DOMAIN_RUNNING;
    obj.reason = C.VIR_DOMAIN_RUNNING_RESTORED;
    await monitorCommand(obj, "cont");
  } else {
    obj.state = C.VIR_DOMAIN_PAUSED;
    obj.reason = C.VIR_DOMAIN_PAUSED_SAVE;
    drv.lifecycle(obj, C.VIR_DOMAIN_EVENT_SUSPENDED, C.VIR_DOMAIN_EVENT_SUSPENDED_RESTORED);
  }
  drv.saveStatus(obj);
}
