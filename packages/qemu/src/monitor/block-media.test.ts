import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { qemuSystemMain } from "../cli/qemu-system.js";
import { CPU_GUESTS_DIR } from "../machine/testing/guest-harness.js";
import { QmpClient } from "./qmp-client.js";

/*
 * The monitor's removable-media commands on an in-process qemu-system-i386 (the comparison with the
 * real QEMU is apps/qemu-system/src/media-change-vs-qemu.test.ts): eject and blockdev-change-medium
 * move the tray with DEVICE_TRAY_MOVED events, swap the medium query-block shows, and refuse what
 * QEMU refuses.
 */
const dir = mkdtempSync(join(tmpdir(), "virtkit-block-media-"));
const isoA = join(dir, "a.iso");
const isoB = join(dir, "b.iso");
writeFileSync(isoA, new Uint8Array(1 << 20));
writeFileSync(isoB, new Uint8Array(2 << 20));

async function start(extra: string[]): Promise<{ qmp: QmpClient; status: Promise<number> }> {
  const sock = join(mkdtempSync(join(dir, "s-")), "qmp.sock");
  const sink = new PassThrough();
  sink.resume();
  const status = qemuSystemMain(["-M", "pc", "-m", "16", "-nodefaults", "-display", "none", "-S", "-bios", `${CPU_GUESTS_DIR}hello.bin`, "-qmp", `unix:${sock},server=on,wait=off`, ...extra], { stdout: sink, stderr: sink });
  for (let i = 0; i < 200; i++) {
    try {
      const qmp = await QmpClient.connect({ path: sock });
      expect(await qmp.execute("qmp_capabilities")).toEqual({ return: {} });
      return { qmp, status };
    } catch {
      await new Promise((r) => setTimeout(r, 25));
    }
  }
  throw new Error("no QMP socket");
}

interface Block {
  device: string;
  tray_open?: boolean;
  inserted?: { file: string; ro: boolean; image: { "virtual-size": number } };
}

describe("eject / blockdev-change-medium / HMP change", () => {
  it("opens the tray, removes the medium, inserts another and closes the tray, with events", async () => {
    const { qmp, status } = await start(["-cdrom", isoA]);
    const block = async (): Promise<Block> => ((await qmp.execute("query-block")).return as unknown as Block[])[0]!;
    expect((await block()).inserted?.file).toBe(isoA);
    expect(await qmp.execute("eject", { device: "ide1-cd0" })).toEqual({ return: {} });
    expect(qmp.events.at(-1)).toMatchObject({ event: "DEVICE_TRAY_MOVED", data: { device: "ide1-cd0", "tray-open": true, id: "/machine/unattached/device[18]" } });
    expect(await block()).toMatchObject({ tray_open: true });
    expect((await block()).inserted).toBeUndefined();
    // an open, empty tray: eject again is a no-op
    const n = qmp.events.length;
    expect(await qmp.execute("eject", { device: "ide1-cd0" })).toEqual({ return: {} });
    expect(qmp.events.length).toBe(n);
    expect(await qmp.execute("blockdev-change-medium", { device: "ide1-cd0", filename: isoB, format: "raw", "read-only-mode": "read-only" })).toEqual({ return: {} });
    expect(qmp.events.at(-1)).toMatchObject({ event: "DEVICE_TRAY_MOVED", data: { "tray-open": false } });
    expect(await block()).toMatchObject({ tray_open: false, inserted: { file: isoB, ro: true, image: { "virtual-size": 2 << 20 } } });
    // HMP: QEMU's words for errors, nothing printed on success
    const hmp = async (line: string): Promise<unknown> => (await qmp.execute("human-monitor-command", { "command-line": line })).return;
    expect(await hmp(`change ide1-cd0 ${isoA}`)).toBe("");
    expect((await block()).inserted?.file).toBe(isoA);
    expect(await hmp("eject nope")).toBe("Error: Device 'nope' not found\r\n");
    expect(await hmp(`change ide1-cd0 ${join(dir, "missing.iso")}`)).toBe(`Error: Could not open '${join(dir, "missing.iso")}': No such file or directory\r\n`);
    expect(await hmp("change ide1-cd0")).toBe('change: filename expected\r\nTry "help change" for more information\r\n');
    expect(await hmp("help eject")).toBe("eject [-f] device -- eject a removable medium (use -f to force it)\r\n");
    // a failed change keeps the medium
    expect(await qmp.execute("blockdev-change-medium", { device: "ide1-cd0", filename: isoB, format: "qcow2" })).toEqual({ error: { class: "GenericError", desc: "Image is not in qcow2 format" } });
    expect((await block()).inserted?.file).toBe(isoA);
    await qmp.execute("quit");
    expect(await status).toBe(0);
  });

  it("refuses a disk, finds devices by id=, and wants exactly one of device and id", async () => {
    const disk = join(dir, "disk.img");
    writeFileSync(disk, new Uint8Array(1 << 20));
    const { qmp, status } = await start(["-drive", `file=${disk},format=raw,index=0`, "-device", "ide-cd,id=cd9,bus=ide.1"]);
    expect(await qmp.execute("eject", { device: "ide0-hd0" })).toEqual({ error: { class: "GenericError", desc: "Device 'ide0-hd0' is not removable" } });
    expect(await qmp.execute("eject", { device: "ide0-hd0", id: "cd9" })).toEqual({ error: { class: "GenericError", desc: "Need exactly one of 'device' and 'id'" } });
    expect(await qmp.execute("blockdev-change-medium", { id: "cd9", filename: isoA })).toEqual({ return: {} });
    expect(qmp.events.map((e) => e.data)).toEqual([
      { device: "", "tray-open": true, id: "cd9" },
      { device: "", "tray-open": false, id: "cd9" },
    ]);
    await qmp.execute("quit");
    expect(await status).toBe(0);
  });
});
