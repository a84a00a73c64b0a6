// virDomainGetJobInfo on the qemu driver (libvirt 9.0 src/qemu/qemu_driver.c qemuDomainGetJobInfo,
// qemuDomainGetJobStatsInternal; src/qemu/qemu_domainjob.c qemuDomainJobDataToInfo): an idle
// running domain answers VIR_DOMAIN_JOB_NONE; during a save the emulator's query-migrate "ram"
// statistics become mem*, and data* = mem* (a save image has no disk part). The query does not
// wait behind the save job: libvirt lets a QUERY job run beside an async job.
import * as C from "../../api/constants.js";
import type { DomainJobInfo } from "../../api/driver.js";
import { virError } from "../../errors/vir-error.js";
import { VirErrorDomain, VirErrorNumber } from "../../errors/virterror.js";
import { isActive, type QemuDomainObj } from "./qemu-domain.js";
import { monitorCommand } from "./qemu-process.js";

const DOM = VirErrorDomain.VIR_FROM_DOMAIN;

/** qemuMonitorJSONGetMigrationStats' view of query-migrate: the status and the ram numbers. */
export interface MigrationStats {
  status: string;
  ramTransferred: number;
  ramRemaining: number;
  ramTotal: number;
  errorDesc?: string;
}

function num(v: unknown): number {
  return typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0;
}

/** Reads a query-migrate reply (qapi MigrationInfo); an empty reply is status "none". */
export function parseMigrationStats(reply: unknown): MigrationStats {
  const r = (reply ?? {}) as { status?: unknown; ram?: Record<string, unknown>; "error-desc"?: unknown };
  const ram = r.ram ?? {};
  const out: MigrationStats = {
    status: typeof r.status === "string" ? r.status : "none",
    ramTransferred: num(ram.transferred),
    ramRemaining: num(ram.remaining),
    ramTotal: num(ram.total),
  };
  if (typeof r["error-desc"] === "string") out.errorDesc = r["error-desc"];
  return out;
}

export async function queryMigrate(obj: QemuDomainObj): Promise<MigrationStats> {
  return parseMigrationStats(await monitorCommand(obj, "query-migrate"));
}

function noJob(): DomainJobInfo {
  return {
    type: C.VIR_DOMAIN_JOB_NONE,
    timeElapsed: 0,
    timeRemaining: 0,
    dataTotal: 0,
    dataProcessed: 0,
    dataRemaining: 0,
    memTotal: 0,
    memProcessed: 0,
    memRemaining: 0,
    fileTotal: 0,
    fileProcessed: 0,
    fileRemaining: 0,
  };
}

/** qemuDomainGetJobInfo for `obj`. */
export async function domainJobInfo(obj: QemuDomainObj): Promise<DomainJobInfo> {
  if (!isActive(obj)) throw virError(DOM, VirErrorNumber.VIR_ERR_OPERATION_INVALID, "domain is not running");
  const job = obj.asyncJob;
  if (job === null) return noJob();
  const info = noJob();
  // virDomainJobStatusToType: ACTIVE and MIGRATING are both an unbounded job
  info.type = C.VIR_DOMAIN_JOB_UNBOUNDED;
  if (job.status === "migrating") {
    const stats = await queryMigrate(obj);
    info.memTotal = stats.ramTotal;
    info.memProcessed = stats.ramTransferred;
    info.memRemaining = stats.ramRemaining;
  }
  // qemuDomainJobDataUpdateTime, after the statistics were fetched
  info.timeElapsed = Math.max(0, Date.now() - job.started);
  info.dataTotal = info.memTotal + info.fileTotal;
  info.dataProcessed = info.memProcessed + info.fileProcessed;
  info.dataRemaining = info.memRemaining + info.fileRemaining;
  return info;
}
