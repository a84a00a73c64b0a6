// virDomainGetJobInfo on the qemu driver (qemu:///embed) with the demo guest in an emulator child
// process: idle it is VIR_DOMAIN_JOB_NONE, during a save it follows the emulator's query-migrate
// (memory processed growing, remaining shrinking, data = memory), and a shut-off domain refuses.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Connect } from "../../api/connect.js";
import * as C from "../../api/constants.js";
import type { DomainJobInfo } from "../../api/driver.js";
import { VirErrorNumber } from "../../errors/virterror.js";
import "../../index.js";
import { failure, useTestEmulator } from "./testing/driver-test.js";
import { DEMO_KERNEL, demoXML, hasDemoKernel, hasKvmModule, newRoot } from "./testing/harness.js";
import { parseMigrationStats } from "./qemu-job.js";

const missing = [!hasDemoKernel && `the demo guest ${DEMO_KERNEL}`, !hasKvmModule && "@virtkit/qemu's build"].filter(Boolean);
if (missing.length) console.warn(`qemu job info tests: skipping, missing ${missing.join(", ")}`);

describe("query-migrate as libvirt reads it", () => {
  it("takes the status, the ram numbers and error-desc; an empty reply is no migration", () => {
    expect(parseMigrationStats({})).toEqual({ status: "none", ramTransferred: 0, ramRemaining: 0, ramTotal: 0 });
    expect(parseMigrationStats({ status: "active", ram: { transferred: 10, remaining: 20, total: 30 } })).toEqual({ status: "active", ramTransferred: 10, ramRemaining: 20, ramTotal: 30 });
    expect(parseMigrationStats({ status: "failed", "error-desc": "Unable to write to file: No space left on device" })).toMatchObject({ status: "failed", errorDesc: "Unable to write to file: No space left on device" });
  });
});

describe.skipIf(missing.length > 0)("qemu driver: virDomainGetJobInfo", () => {
  useTestEmulator();

  it("reports no job when idle, the save's progress while it runs, and refuses a shut-off domain", async () => {
    const root = newRoot("job");
    const conn = await Connect.open(`qemu:///embed?root=${root}`);
    // 512 MiB of guest RAM: 64 steps of the emulator's migration, several polls of ours
    const dom = await conn.defineXML(demoXML().replace("<memory unit='MiB'>32</memory>", "<memory unit='MiB'>512</memory>"));
    const off = await failure(dom.getJobInfo());
    expect([off.code, off.message]).toEqual([VirErrorNumber.VIR_ERR_OPERATION_INVALID, "Requested operation is not valid: domain is not running"]);
    await dom.create();
    expect(await dom.getJobInfo()).toEqual({
      type: C.VIR_DOMAIN_JOB_NONE, timeElapsed: 0, timeRemaining: 0, dataTotal: 0, dataProcessed: 0, dataRemaining: 0,
      memTotal: 0, memProcessed: 0, memRemaining: 0, fileTotal: 0, fileProcessed: 0, fileRemaining: 0,
    });

    let saved = false;
    const save = dom.saveFlags(join(root, "big.save")).then(() => { saved = true; });
    const seen: DomainJobInfo[] = [];
    while (!saved) {
      const info = await dom.getJobInfo().catch(() => null); // the domain is gone once the save ends
      if (info && info.type !== C.VIR_DOMAIN_JOB_NONE) seen.push(info);
      await new Promise((r) => setTimeout(r, 5));
    }
    await save;
    const moving = seen.filter((i) => i.dataTotal > 0);
    expect(seen.every((i) => i.type === C.VIR_DOMAIN_JOB_UNBOUNDED)).toBe(true);
    // at least two samples of the stream being written, in between its start and end
    const between = moving.filter((i) => i.dataRemaining > 0 && i.dataRemaining < i.dataTotal);
    expect(between.length).toBeGreaterThanOrEqual(2);
    for (let k = 1; k < moving.length; k++) {
      const [a, b] = [moving[k - 1]!, moving[k]!];
      expect(b.dataProcessed).toBeGreaterThanOrEqual(a.dataProcessed);
      expect(b.dataRemaining).toBeLessThanOrEqual(a.dataRemaining);
      expect(b.timeElapsed).toBeGreaterThanOrEqual(a.timeElapsed);
    }
    expect(between.at(-1)!.dataRemaining).toBeLessThan(between[0]!.dataRemaining);
    for (const i of moving) {
      expect(i.dataTotal).toBeGreaterThanOrEqual(512 * 1024 * 1024);
      expect([i.dataTotal, i.dataProcessed, i.dataRemaining]).toEqual([i.memTotal, i.memProcessed, i.memRemaining]);
      expect([i.fileTotal, i.fileProcessed, i.fileRemaining]).toEqual([0, 0, 0]);
    }
    expect(await dom.state()).toEqual({ state: C.VIR_DOMAIN_SHUTOFF, reason: C.VIR_DOMAIN_SHUTOFF_SAVED });
    expect((await failure(dom.getJobInfo())).message).toBe("Requested operation is not valid: domain is not running");
    await conn.close();
  });
});
