import { afterAll, describe, expect, it } from "vitest";
import * as fs from "node:fs";
import * as path from "node:path";
import { Qcow2Driver } from "../../block/qcow2.js";
import { RawDriver } from "../../block/raw.js";
import { hasQemuImg, qemuImg, tmpDir } from "../../block/testing/qemu-img-oracle.js";
import { GuestRam, LegacyDriver, ModernDriver, until } from "./testing/virtio-driver.js";
import { VIRTIO_CONFIG_S_NEEDS_RESET, VIRTIO_F_VERSION_1, VIRTIO_RING_F_EVENT_IDX, VIRTIO_RING_F_INDIRECT_DESC, features } from "./virtio-config.js";
import {
  VIRTIO_BLK_CFG_BLK_SIZE,
  VIRTIO_BLK_CFG_CAPACITY,
  VIRTIO_BLK_CFG_GEOMETRY,
  VIRTIO_BLK_CFG_SEG_MAX,
  VIRTIO_BLK_CFG_WRITEBACK,
  VIRTIO_BLK_F_CONFIG_WCE,
  VIRTIO_BLK_F_DISCARD,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_RO,
  VIRTIO_BLK_F_WRITE_ZEROES,
  VIRTIO_BLK_S_IOERR,
  VIRTIO_BLK_S_OK,
  VIRTIO_BLK_S_UNSUPP,
  VIRTIO_BLK_T_DISCARD,
  VIRTIO_BLK_T_FLUSH,
  VIRTIO_BLK_T_GET_ID,
  VIRTIO_BLK_T_IN,
  VIRTIO_BLK_T_OUT,
  VIRTIO_BLK_T_WRITE_ZEROES,
  VirtioBlk,
} from "./virtio-blk.js";
import { VirtioPciProxy } from "./virtio-pci.js";
import type { DriverQueue } from "./testing/virtio-driver.js";
import { geometryFromMbr } from "./hd-geometry.js";

const dir = tmpDir("virtkit-virtio-blk-");
afterAll(() => {
  fs.rmSync(dir, { recursive: true, force: true });
});
if (!hasQemuImg) console.warn("qemu-img not found (Debian package qemu-utils): skipping the qemu-img check of images virtio-blk wrote");

const ALL = features(
  VIRTIO_F_VERSION_1,
  VIRTIO_RING_F_INDIRECT_DESC,
  VIRTIO_RING_F_EVENT_IDX,
  VIRTIO_BLK_F_FLUSH,
  VIRTIO_BLK_F_CONFIG_WCE,
  VIRTIO_BLK_F_DISCARD,
  VIRTIO_BLK_F_WRITE_ZEROES,
  VIRTIO_BLK_F_RO,
);

/** Issues one request the way Linux virtio_blk does: header, data, status byte. */
async function request(
  ram: GuestRam,
  q: DriverQueue,
  type: number,
  sector: number,
  data: { out?: Uint8Array; inLen?: number },
  indirect = false,
): Promise<{ status: number; data: Uint8Array; len: number }> {
  const hdr = ram.alloc(16);
  ram.view.setUint32(hdr, type, true);
  ram.view.setUint32(hdr + 8, sector % 2 ** 32, true);
  ram.view.setUint32(hdr + 12, Math.floor(sector / 2 ** 32), true);
  const bufs: { addr: number; len: number; write?: boolean }[] = [{ addr: hdr, len: 16 }];
  let dataAddr = 0;
  if (data.out !== undefined) {
    dataAddr = ram.alloc(data.out.length);
    ram.bytes.set(data.out, dataAddr);
    // Split across two descriptors to exercise scatter-gather.
    const half = Math.floor(data.out.length / 2) || data.out.length;
    bufs.push({ addr: dataAddr, len: half });
    if (half < data.out.length) bufs.push({ addr: dataAddr + half, len: data.out.length - half });
  }
  if (data.inLen !== undefined) {
    dataAddr = ram.alloc(data.inLen);
    bufs.push({ addr: dataAddr, len: data.inLen, write: true });
  }
  const st = ram.alloc(1);
  ram.bytes[st] = 0xee;
  bufs.push({ addr: st, len: 1, write: true });
  const head = q.add(bufs, { indirect });
  q.notify();
  let used: { id: number; len: number } | undefined;
  await until(() => {
    used ??= q.takeUsed().find((u) => u.id === head);
    return used !== undefined;
  });
  return { status: ram.bytes[st], data: ram.bytes.slice(dataAddr, dataAddr + (data.inLen ?? 0)), len: used!.len };
}

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed) & 0xff;
  return b;
}

describe("virtio-blk", () => {
  it("writes, reads, flushes, discards and zeroes through the modern interface into a qcow2 that qemu-img check accepts", async () => {
    const file = path.join(dir, "disk.qcow2");
    await Qcow2Driver.create(file, { size: 16 * 1024 * 1024 });
    const drive = await Qcow2Driver.open(file, { readOnly: false });
    const ram = new GuestRam(8 * 1024 * 1024);
    const blk = new VirtioBlk({ drive, serial: "VIRTKIT-SERIAL-0123456789" });
    const proxy = new VirtioPciProxy(blk, { dma: ram });
    const drv = new ModernDriver(proxy, ram);
    expect(drv.init(ALL, 1)).toBe(true);
    // The writable drive does not offer VIRTIO_BLK_F_RO.
    expect(drv.deviceFeatures & (1n << BigInt(VIRTIO_BLK_F_RO))).toBe(0n);
    expect(drv.cfg(VIRTIO_BLK_CFG_CAPACITY, 4)).toBe(32768);
    expect(drv.cfg(VIRTIO_BLK_CFG_SEG_MAX, 4)).toBe(254);
    expect(drv.cfg(VIRTIO_BLK_CFG_BLK_SIZE, 4)).toBe(512);
    expect(drv.cfg(VIRTIO_BLK_CFG_GEOMETRY, 2)).toBe(32); // 32768 / (16*63)
    const q = drv.queues[0]!;

    const a = pattern(8192, 1);
    expect((await request(ram, q, VIRTIO_BLK_T_OUT, 100, { out: a })).status).toBe(VIRTIO_BLK_S_OK);
    const b = pattern(70000 - (70000 % 512), 7);
    expect((await request(ram, q, VIRTIO_BLK_T_OUT, 20000, { out: b }, true)).status).toBe(VIRTIO_BLK_S_OK);
    const r = await request(ram, q, VIRTIO_BLK_T_IN, 100, { inLen: 8192 });
    expect(r.status).toBe(VIRTIO_BLK_S_OK);
    expect(r.len).toBe(8193); // the whole writable part, status included (QEMU in_len)
    expect(r.data).toEqual(a);
    expect((await request(ram, q, VIRTIO_BLK_T_FLUSH, 0, {})).status).toBe(VIRTIO_BLK_S_OK);

    const id = await request(ram, q, VIRTIO_BLK_T_GET_ID, 0, { inLen: 20 });
    expect(new TextDecoder().decode(id.data)).toBe("VIRTKIT-SERIAL-01234");

    // write-zeroes with UNMAP over the first write, discard over part of the second.
    const seg = (sector: number, n: number, flags: number) => {
      const s = new Uint8Array(16);
      const v = new DataView(s.buffer);
      v.setUint32(0, sector, true);
      v.setUint32(8, n, true);
      v.setUint32(12, flags, true);
      return s;
    };
    expect((await request(ram, q, VIRTIO_BLK_T_WRITE_ZEROES, 0, { out: seg(100, 8, 1) })).status).toBe(VIRTIO_BLK_S_OK);
    const z = await request(ram, q, VIRTIO_BLK_T_IN, 100, { inLen: 8192 });
    expect(z.data.subarray(0, 4096).every((x) => x === 0)).toBe(true);
    expect(z.data.subarray(4096)).toEqual(a.subarray(4096));
    expect((await request(ram, q, VIRTIO_BLK_T_DISCARD, 0, { out: seg(20000, 128, 0) })).status).toBe(VIRTIO_BLK_S_OK);
    // Discard with UNMAP and unknown flags are unsupported; two segments too (max_discard_seg 1).
    expect((await request(ram, q, VIRTIO_BLK_T_DISCARD, 0, { out: seg(20000, 8, 1) })).status).toBe(VIRTIO_BLK_S_UNSUPP);
    expect((await request(ram, q, VIRTIO_BLK_T_WRITE_ZEROES, 0, { out: seg(0, 8, 2) })).status).toBe(VIRTIO_BLK_S_UNSUPP);
    const two = new Uint8Array(32);
    two.set(seg(0, 1, 0));
    two.set(seg(8, 1, 0), 16);
    expect((await request(ram, q, VIRTIO_BLK_T_DISCARD, 0, { out: two })).status).toBe(VIRTIO_BLK_S_UNSUPP);

    // Out of range, misaligned and unknown requests fail with the right status, not an exception.
    expect((await request(ram, q, VIRTIO_BLK_T_IN, 32767, { inLen: 1024 })).status).toBe(VIRTIO_BLK_S_IOERR);
    expect((await request(ram, q, VIRTIO_BLK_T_OUT, 2 ** 40, { out: a.subarray(0, 512) })).status).toBe(VIRTIO_BLK_S_IOERR);
    expect((await request(ram, q, VIRTIO_BLK_T_IN, 0, { inLen: 100 })).status).toBe(VIRTIO_BLK_S_IOERR);
    expect((await request(ram, q, 99, 0, { inLen: 512 })).status).toBe(VIRTIO_BLK_S_UNSUPP);
    // A read larger than one request may carry fails without a host buffer of the guest's size.
    {
      const hdr = ram.alloc(16);
      ram.view.setUint32(hdr, VIRTIO_BLK_T_IN, true);
      const st = ram.alloc(1);
      const head = q.add([{ addr: hdr, len: 16 }, { addr: ram.alloc(512), len: 0xf0000000, write: true }, { addr: st, len: 1, write: true }]);
      q.notify();
      await until(() => q.takeUsed().some((u) => u.id === head));
      expect(ram.bytes[st]).toBe(VIRTIO_BLK_S_IOERR);
    }
    expect((await request(ram, q, 2, 0, { inLen: 512 })).status).toBe(VIRTIO_BLK_S_UNSUPP); // SCSI_CMD
    expect(blk.broken).toBe(false);

    await blk.drain();
    await drive.flush();
    await drive.close();
    if (hasQemuImg) {
      const check = qemuImg("check", file);
      expect(check.status, check.stdout + check.stderr).toBe(0);
      expect(check.stdout).toContain("No errors were found on the image.");
      const dump = path.join(dir, "dump.raw");
      expect(qemuImg("convert", "-O", "raw", file, dump).status).toBe(0);
      const raw = fs.readFileSync(dump);
      expect(new Uint8Array(raw.subarray(20000 * 512 + 128 * 512, 20000 * 512 + b.length))).toEqual(b.subarray(128 * 512));
      expect(new Uint8Array(raw.subarray(100 * 512 + 4096, 100 * 512 + 8192))).toEqual(a.subarray(4096));
      expect(raw.subarray(100 * 512, 100 * 512 + 4096).every((x) => x === 0)).toBe(true);
    }
  });

  it("keeps many requests in flight at once and completes each with its own status (qcow2, qemu-img check)", async () => {
    const file = path.join(dir, "many.qcow2");
    await Qcow2Driver.create(file, { size: 64 * 1024 * 1024, clusterSize: 65536 });
    const drive = await Qcow2Driver.open(file, { readOnly: false });
    const ram = new GuestRam(16 * 1024 * 1024);
    const blk = new VirtioBlk({ drive });
    const drv = new ModernDriver(new VirtioPciProxy(blk, { dma: ram }), ram);
    drv.init(ALL, 1);
    const q = drv.queues[0]!;
    // 48 writes of 12 KiB at scattered sectors (some sharing clusters), all posted before one kick.
    const writes: { sector: number; data: Uint8Array; status: number }[] = [];
    for (let i = 0; i < 48; i++) {
      const sector = ((i * 7919) % 120000) & ~7;
      const data = pattern(12288, i);
      const hdr = ram.alloc(16);
      ram.view.setUint32(hdr, VIRTIO_BLK_T_OUT, true);
      ram.view.setUint32(hdr + 8, sector, true);
      const buf = ram.alloc(data.length);
      ram.bytes.set(data, buf);
      const st = ram.alloc(1);
      ram.bytes[st] = 0xee;
      q.add([{ addr: hdr, len: 16 }, { addr: buf, len: data.length }, { addr: st, len: 1, write: true }], { publish: false });
      writes.push({ sector, data, status: st });
    }
    q.publish();
    q.notify();
    await until(() => q.usedIdx === 48);
    expect(writes.every((w) => ram.bytes[w.status] === VIRTIO_BLK_S_OK)).toBe(true);
    // The ranges do not overlap (the device may complete requests in any order); read each back from the image.
    const expected = new Map<number, number>();
    for (const w of writes) for (let s = 0; s < 24; s++) expected.set(w.sector + s, writes.indexOf(w));
    await blk.drain();
    await drive.flush();
    for (const [sector, i] of expected) {
      const got = new Uint8Array(512);
      await drive.read(sector * 512, got);
      const w = writes[i]!;
      expect(got).toEqual(w.data.subarray((sector - w.sector) * 512, (sector - w.sector + 1) * 512));
    }
    await drive.close();
    if (hasQemuImg) {
      const check = qemuImg("check", file);
      expect(check.status, check.stdout + check.stderr).toBe(0);
    }
  });

  it("a legacy driver sees QEMU's legacy layout and a read-only drive refuses writes", async () => {
    const file = path.join(dir, "ro.raw");
    fs.writeFileSync(file, Buffer.alloc(1024 * 1024, 0x5a));
    const drive = RawDriver.open(file, true);
    const ram = new GuestRam();
    const blk = new VirtioBlk({ drive });
    const proxy = new VirtioPciProxy(blk, { dma: ram });
    const drv = new LegacyDriver(proxy, ram);
    expect(drv.hostFeatures & (1 << VIRTIO_BLK_F_RO)).not.toBe(0);
    drv.init(0xffffffff & ~(1 << 30), 1);
    expect(drv.cfg(VIRTIO_BLK_CFG_CAPACITY, 4)).toBe(2048);
    const q = drv.queues[0]!;
    const r = await request(ram, q, VIRTIO_BLK_T_IN, 1, { inLen: 512 });
    expect(r.status).toBe(VIRTIO_BLK_S_OK);
    expect(r.data.every((x) => x === 0x5a)).toBe(true);
    expect((await request(ram, q, VIRTIO_BLK_T_OUT, 0, { out: new Uint8Array(512) })).status).toBe(VIRTIO_BLK_S_IOERR);
    expect(fs.readFileSync(file).every((x) => x === 0x5a)).toBe(true);
    await drive.close();
  });

  it("the writeback byte switches the cache mode (CONFIG_WCE) and a legacy driver without it and FLUSH gets write-through", async () => {
    const file = path.join(dir, "wce.raw");
    fs.writeFileSync(file, Buffer.alloc(65536));
    const drive = RawDriver.open(file, false);
    const ram = new GuestRam();
    const blk = new VirtioBlk({ drive });
    const proxy = new VirtioPciProxy(blk, { dma: ram });
    const drv = new ModernDriver(proxy, ram);
    drv.init(ALL, 1);
    expect(drv.cfg(VIRTIO_BLK_CFG_WRITEBACK, 1)).toBe(1);
    drv.setCfg(VIRTIO_BLK_CFG_WRITEBACK, 1, 0);
    expect(blk.writeback).toBe(false);
    expect(drv.cfg(VIRTIO_BLK_CFG_WRITEBACK, 1)).toBe(0);
    const legacy = new LegacyDriver(new VirtioPciProxy(new VirtioBlk({ drive }), { dma: ram }), ram);
    legacy.init(0, 1);
    expect(legacy.cfg(VIRTIO_BLK_CFG_WRITEBACK, 1)).toBe(0);
    await drive.close();
  });

  it("malformed requests mark the device broken instead of throwing", async () => {
    const file = path.join(dir, "bad.raw");
    fs.writeFileSync(file, Buffer.alloc(65536));
    const drive = RawDriver.open(file, false);
    const ram = new GuestRam();
    const blk = new VirtioBlk({ drive });
    const errors: string[] = [];
    blk.onError = (m) => errors.push(m);
    const proxy = new VirtioPciProxy(blk, { dma: ram });
    const drv = new ModernDriver(proxy, ram);
    drv.init(ALL, 1);
    const q = drv.queues[0]!;
    // A header shorter than 16 bytes.
    q.add([
      { addr: ram.alloc(8), len: 8 },
      { addr: ram.alloc(1), len: 1, write: true },
    ]);
    q.notify();
    expect(errors).toEqual(["virtio-blk request outhdr too short"]);
    expect(drv.status & VIRTIO_CONFIG_S_NEEDS_RESET).not.toBe(0);
    drv.init(ALL, 1);
    const q2 = drv.queues[0]!;
    q2.add([{ addr: ram.alloc(16), len: 16 }]);
    q2.notify();
    expect(errors[1]).toBe("virtio-blk missing headers");
    await drive.close();
  });

  it("re-issues requests in flight at save time after a restore", async () => {
    const file = path.join(dir, "mig.raw");
    fs.writeFileSync(file, Buffer.alloc(65536, 0x11));
    const drive = RawDriver.open(file, false);
    const ram = new GuestRam();
    const blk = new VirtioBlk({ drive });
    const proxy = new VirtioPciProxy(blk, { dma: ram });
    const drv = new ModernDriver(proxy, ram);
    drv.init(ALL, 1);
    const q = drv.queues[0]!;
    const done = await request(ram, q, VIRTIO_BLK_T_IN, 0, { inLen: 512 });
    expect(done.status).toBe(VIRTIO_BLK_S_OK);
    // Save while a read is in flight, restore into a fresh device over the same memory.
    const hdr = ram.alloc(16);
    ram.view.setUint32(hdr, VIRTIO_BLK_T_IN, true);
    const data = ram.alloc(512);
    const st = ram.alloc(1);
    q.add([{ addr: hdr, len: 16 }, { addr: data, len: 512, write: true }, { addr: st, len: 1, write: true }]);
    q.notify();
    const saved = JSON.parse(JSON.stringify(proxy.state())) as ReturnType<VirtioPciProxy["state"]>;
    expect(saved.vdev.device).toMatchObject({ inflight: [{ queue: 0, head: 3 }] });
    blk.reset(); // the old device's completion must not land
    const blk2 = new VirtioBlk({ drive });
    const proxy2 = new VirtioPciProxy(blk2, { dma: ram });
    proxy2.fromState(saved);
    await until(() => q.usedIdx === 2);
    expect(ram.bytes[st]).toBe(VIRTIO_BLK_S_OK);
    expect(ram.bytes.subarray(data, data + 512).every((x) => x === 0x11)).toBe(true);
    await blk2.drain();
    await drive.close();
  });

  it("tells the driver about a resized drive with a config interrupt and a new generation", async () => {
    const file = path.join(dir, "grow.raw");
    fs.writeFileSync(file, Buffer.alloc(1 << 20));
    const drive = RawDriver.open(file, false);
    const ram = new GuestRam();
    const blk = new VirtioBlk({ drive });
    const proxy = new VirtioPciProxy(blk, { dma: ram });
    const drv = new ModernDriver(proxy, ram);
    drv.init(ALL, 1);
    expect(drv.cfg(VIRTIO_BLK_CFG_CAPACITY, 4)).toBe(2048);
    const gen = drv.common(0x15, 1);
    await drive.truncate(2 << 20);
    blk.resized();
    expect(drv.common(0x15, 1)).toBe(gen + 1);
    expect(drv.readIsr()).toBe(3);
    expect(drv.cfg(VIRTIO_BLK_CFG_CAPACITY, 4)).toBe(4096);
    await drive.close();
  });

  it("takes the CHS geometry from an MBR the way QEMU's hd_geometry_guess does", () => {
    const mbr = new Uint8Array(512);
    mbr[510] = 0x55;
    mbr[511] = 0xaa;
    const p = 0x1be;
    mbr[p + 5] = 15; // end head
    mbr[p + 6] = 63; // end sector
    new DataView(mbr.buffer).setUint32(p + 12, 1000, true);
    expect(geometryFromMbr(mbr, 100000)).toEqual({ cylinders: 99, heads: 16, sectors: 63 });
    mbr[511] = 0;
    expect(geometryFromMbr(mbr, 100000)).toBeUndefined();
  });
});
