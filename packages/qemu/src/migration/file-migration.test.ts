import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { qemuSystemMain } from "../cli/qemu-system.js";
import { CPU_GUESTS_DIR } from "../machine/testing/guest-harness.js";
import { QmpClient } from "../monitor/qmp-client.js";
import { QEMU_VM_FILE_MAGIC } from "./vmstate.js";
import { parseFileMigrationUri } from "./file-migration.js";

async function start(dir: string, tag: string, extra: string[]): Promise<{ qmp: QmpClient; status: Promise<number>; stderr: () => string }> {
  const sock = join(dir, `${tag}.sock`);
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let errText = "";
  stderr.on("data", (d: Buffer) => (errText += d.toString()));
  stdout.resume();
  const status = qemuSystemMain(
    ["-M", "pc", "-m", "16", "-nodefaults", "-display", "none", "-S", "-bios", `${CPU_GUESTS_DIR}hello.bin`, "-qmp", `unix:${sock},server=on,wait=off`, ...extra],
    { stdout, stderr },
  );
  for (let i = 0; i < 400; i++) {
    try {
      const qmp = await QmpClient.connect({ path: sock });
      await qmp.execute("qmp_capabilities");
      return { qmp, status, stderr: () => errText };
    } catch {
      if (errText !== "") throw new Error(errText);
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error("no QMP socket");
}

interface MigrateInfo {
  status: string;
  "total-time"?: number;
  ram: { transferred: number; remaining: number; total: number; duplicate: number; normal: number };
}

/** query-migrate until the job is over (libvirt's qemuMigrationSrcWaitForCompletion polls the same way). */
async function completed(qmp: QmpClient): Promise<MigrateInfo> {
  for (;;) {
    const info = (await qmp.execute("query-migrate")).return as unknown as MigrateInfo;
    if (info.status !== "active" && info.status !== "setup") return info;
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe("file: migration", () => {
  it("parses file:PATH[,offset=N] as QEMU's file transport does", () => {
    expect(parseFileMigrationUri("file:/tmp/x")).toEqual({ path: "/tmp/x", offset: 0 });
    expect(parseFileMigrationUri("file:/tmp/x,offset=0x1000")).toEqual({ path: "/tmp/x", offset: 4096 });
    expect(parseFileMigrationUri("file:/tmp/x,offset=512")).toEqual({ path: "/tmp/x", offset: 512 });
    expect(() => parseFileMigrationUri("tcp:1.2.3.4:5")).toThrow("Parameter 'uri' expects a valid migration protocol");
    expect(() => parseFileMigrationUri("file:/tmp/x,offset=zz")).toThrow("file URI has bad offset zz");
  });

  it("migrate writes the stream after a header it leaves alone; -incoming loads it into a new process image", async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtkit-mig-"));
    const file = join(dir, "save.img");
    const header = Buffer.alloc(4096, 0x5a);
    writeFileSync(file, header);
    const a = await start(dir, "a", []);
    await a.qmp.execute("cont");
    await new Promise((r) => setTimeout(r, 50));
    expect(await a.qmp.execute("query-migrate")).toEqual({ return: {} });
    expect(await a.qmp.execute("migrate", { uri: "tcp:127.0.0.1:1" })).toEqual({ error: { class: "GenericError", desc: "Parameter 'uri' expects a valid migration protocol" } });
    expect(await a.qmp.execute("migrate", { uri: `file:${file},offset=4096` })).toEqual({ return: {} });
    // A running source stops for the migration and stays in postmigrate.
    expect(a.qmp.events.at(-1)).toMatchObject({ event: "STOP" });
    expect((await a.qmp.execute("query-status")).return).toMatchObject({ status: "postmigrate", running: false });
    const info = await completed(a.qmp);
    expect(info.status).toBe("completed");
    expect(info.ram.remaining).toBe(0);
    expect(info.ram.total).toBeGreaterThanOrEqual(16 * 1024 * 1024);
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 4096).equals(header)).toBe(true);
    expect(bytes.readUInt32BE(4096)).toBe(QEMU_VM_FILE_MAGIC);
    expect(bytes.length).toBe(4096 + info.ram.transferred);
    const regsA = (await a.qmp.execute("human-monitor-command", { "command-line": "info registers" })).return as string;
    await a.qmp.execute("quit");
    expect(await a.status).toBe(0);

    const b = await start(dir, "b", ["-incoming", `file:${file},offset=4096`]);
    const regsB = (await b.qmp.execute("human-monitor-command", { "command-line": "info registers" })).return as string;
    expect(regsB).toBe(regsA);
    await b.qmp.execute("quit");
    expect(await b.status).toBe(0);
  });

  it("runs after the command returned: query-migrate shows RAM transferred growing and remaining shrinking to the total", async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtkit-mig-"));
    const file = join(dir, "big.img");
    const a = await start(dir, "big", ["-m", "256"]);
    expect(await a.qmp.execute("migrate", { uri: `file:${file}` })).toEqual({ return: {} });
    const seen: MigrateInfo[] = [];
    for (;;) {
      const info = (await a.qmp.execute("query-migrate")).return as unknown as MigrateInfo;
      if (info.status !== "active") {
        expect(info.status).toBe("completed");
        seen.push(info);
        break;
      }
      seen.push(info);
    }
    const active = seen.filter((i) => i.status === "active");
    // 256 MiB at 8 MiB a step: the monitor answers between steps
    expect(active.length).toBeGreaterThan(0);
    // guest RAM plus the ROM blocks
    const total = seen[0]!.ram.total;
    expect(total).toBeGreaterThanOrEqual(256 * 1024 * 1024);
    for (let k = 0; k < seen.length; k++) {
      const i = seen[k]!;
      expect(i.ram.total).toBe(total);
      expect(i.ram.remaining).toBeLessThanOrEqual(total);
      if (k > 0) {
        expect(i.ram.transferred).toBeGreaterThanOrEqual(seen[k - 1]!.ram.transferred);
        expect(i.ram.remaining).toBeLessThanOrEqual(seen[k - 1]!.ram.remaining);
      }
    }
    expect(active.some((i) => i.ram.remaining > 0 && i.ram.remaining < total)).toBe(true);
    const last = seen.at(-1)!;
    expect(last.ram.remaining).toBe(0);
    expect(last.ram.duplicate + last.ram.normal).toBe(total / 4096);
    expect(readFileSync(file).length).toBe(last.ram.transferred);
    await a.qmp.execute("quit");
    expect(await a.status).toBe(0);
  });

  it("-incoming refuses a file without a stream with QEMU's message", async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtkit-mig-"));
    const file = join(dir, "empty.img");
    writeFileSync(file, Buffer.alloc(100));
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (d: Buffer) => (err += d.toString()));
    stdout.resume();
    const status = await qemuSystemMain(["-M", "pc", "-m", "16", "-nodefaults", "-display", "none", "-bios", `${CPU_GUESTS_DIR}hello.bin`, "-incoming", `file:${file}`], { stdout, stderr });
    expect(status).toBe(1);
    expect(err.split("\n").filter((l) => !l.includes("warning:"))).toEqual(["qemu-system-i386: load of migration failed: Not a migration stream", ""]);
  });
  it("with kernel_irqchip=on the in-kernel chips go through the file: the new process resumes with the same registers and PIC; an off process refuses the stream", async () => {
    const dir = mkdtempSync(join(tmpdir(), "virtkit-mig-"));
    const file = join(dir, "kic.img");
    const on = ["-machine", "pc,kernel_irqchip=on"];
    const a = await start(dir, "kic-a", on);
    await a.qmp.execute("cont");
    await new Promise((r) => setTimeout(r, 50));
    expect(await a.qmp.execute("migrate", { uri: `file:${file}` })).toEqual({ return: {} });
    expect((await completed(a.qmp)).status).toBe("completed");
    const hmp = async (q: QmpClient, cmd: string): Promise<string> => (await q.execute("human-monitor-command", { "command-line": cmd })).return as string;
    const regsA = await hmp(a.qmp, "info registers");
    const picA = await hmp(a.qmp, "info pic");
    await a.qmp.execute("quit");
    expect(await a.status).toBe(0);
    expect(readFileSync(file).toString("latin1")).toContain("kvm-i8259");

    const b = await start(dir, "kic-b", [...on, "-incoming", `file:${file}`]);
    expect(await hmp(b.qmp, "info registers")).toBe(regsA);
    expect(await hmp(b.qmp, "info pic")).toBe(picA);
    await b.qmp.execute("cont");
    expect((await b.qmp.execute("query-status")).return).toMatchObject({ status: "running" });
    await b.qmp.execute("quit");
    expect(await b.status).toBe(0);

    const stdout = new PassThrough();
    const stderr = new PassThrough();
    let err = "";
    stderr.on("data", (d: Buffer) => (err += d.toString()));
    stdout.resume();
    const status = await qemuSystemMain(["-M", "pc,kernel_irqchip=off", "-m", "16", "-nodefaults", "-display", "none", "-bios", `${CPU_GUESTS_DIR}hello.bin`, "-incoming", `file:${file}`], { stdout, stderr });
    expect(status).toBe(1);
    expect(err.split("\n").filter((l) => !l.includes("warning:"))).toEqual([
      "qemu-system-i386: load of migration failed: Unknown savevm section or instance 'kvm-i8259' 0. Make sure that your current VM setup matches your saved VM setup, including any hotplugged devices: the stream was saved with kernel_irqchip=on and this machine has kernel_irqchip=off",
      "",
    ]);
  });
});
