import { describe, expect, it } from "vitest";
import { IrqProbe } from "../irq-probe.js";
import { IdeBus } from "./ide-bus.js";
import { MemDisk, settle } from "./testing/mem-disk.js";

/*
 * The ATA command set of a QEMU hard disk through the task-file registers of one channel, as a
 * driver sees it: status/error bits, the address written back, the data port, HOB, nIEN, SRST.
 */

function channel(disk: MemDisk | null = new MemDisk(4096 * 512), slave: MemDisk | null = null): { bus: IdeBus; irq: IrqProbe } {
  const irq = new IrqProbe();
  const bus = new IdeBus(0, irq);
  if (disk !== null) bus.drives[0].attach({ blk: disk, cylinders: 4, heads: 16, sectors: 63, serial: "QM00001" });
  if (slave !== null) bus.drives[1].attach({ blk: slave, cylinders: 4, heads: 16, sectors: 63, serial: "QM00002" });
  return { bus, irq };
}

const out = (bus: IdeBus, reg: number, v: number): void => {
  bus.commandBlock.write(reg, 1, v);
};
const inb = (bus: IdeBus, reg: number): number => bus.commandBlock.read(reg, 1);
const lba28 = (bus: IdeBus, lba: number, count: number): void => {
  out(bus, 2, count);
  out(bus, 3, lba & 0xff);
  out(bus, 4, (lba >> 8) & 0xff);
  out(bus, 5, (lba >> 16) & 0xff);
  out(bus, 6, 0xe0 | ((lba >> 24) & 0x0f));
};
const taskFile = (bus: IdeBus): number[] => [1, 2, 3, 4, 5, 6].map((r) => inb(bus, r));
const readWords = (bus: IdeBus, n: number): number[] => Array.from({ length: n }, () => bus.commandBlock.read(0, 2));

function fillPattern(disk: MemDisk, sectors: number): void {
  const v = new DataView(disk.data.buffer);
  for (let i = 0; i < sectors * 256; i++) v.setUint16(i * 2, (Math.floor(i / 256) * 0x101 + (i % 256)) & 0xffff, true);
}

describe("IDE channel: power-on state and device selection", () => {
  it("shows the ATA signature and DRDY|DSC on the master; an absent slave reads status 0; an empty channel reads 0", () => {
    const { bus } = channel();
    expect(bus.altStatus()).toBe(0x50);
    expect(taskFile(bus)).toEqual([0x00, 0x01, 0x01, 0x00, 0x00, 0xa0]);
    out(bus, 6, 0xb0);
    expect(inb(bus, 7)).toBe(0);
    expect(bus.altStatus()).toBe(0);
    const empty = channel(null).bus;
    expect([...taskFile(empty), inb(empty, 7)]).toEqual([0, 0, 0, 0, 0, 0, 0]);
  });

  it("ignores commands to an absent slave and register writes while the selected device has DRQ", () => {
    const { bus, irq } = channel();
    out(bus, 6, 0xb0);
    out(bus, 7, 0xec);
    expect(irq.risingEdges).toBe(0);
    out(bus, 6, 0xa0);
    out(bus, 7, 0xec); // IDENTIFY: DRQ
    expect(bus.altStatus()).toBe(0x58);
    out(bus, 2, 0x33);
    expect(inb(bus, 2)).toBe(0x01);
  });
});

describe("IDENTIFY DEVICE", () => {
  it("gives QEMU's strings, geometry and capacity (LBA28 capped at 2^28-1, LBA48 words exact)", async () => {
    const big = new MemDisk(0x1234_5678 * 512, false, 512);
    const { bus, irq } = channel(big);
    out(bus, 7, 0xec);
    await settle();
    expect(irq.level).toBe(true);
    const w = readWords(bus, 256);
    const str = (from: number, words: number): string =>
      w.slice(from, from + words).map((x) => String.fromCharCode(x >> 8, x & 0xff)).join("");
    expect(str(10, 10)).toBe("QM00001             ");
    expect(str(23, 4)).toBe("2.5+    ");
    expect(str(27, 20).trimEnd()).toBe("QEMU HARDDISK");
    expect([w[0], w[1], w[3], w[6], w[47], w[49], w[59]]).toEqual([0x0040, 4, 16, 63, 0x8010, 0x0b00, 0x0110]);
    expect([w[60], w[61]]).toEqual([0xffff, 0x0fff]);
    expect([w[100], w[101], w[102], w[103]]).toEqual([0x5678, 0x1234, 0, 0]);
    expect([w[83], w[85], w[86], w[88], w[169]]).toEqual([0x7400, 0x4021, 0x3400, 0x203f, 1]);
    // The transfer is over: DRQ clear, the data port reads 0.
    expect(bus.altStatus()).toBe(0x50);
    expect(bus.commandBlock.read(0, 2)).toBe(0);
    // Reading the status register acknowledges the interrupt.
    inb(bus, 7);
    expect(irq.level).toBe(false);
  });
});

describe("PIO reads and writes", () => {
  it("READ SECTORS: BSY until the block layer answers, then DRQ and an interrupt per sector, the address advancing", async () => {
    const disk = new MemDisk(4096 * 512);
    fillPattern(disk, 20);
    const { bus, irq } = channel(disk);
    lba28(bus, 16, 2);
    out(bus, 7, 0x20);
    expect(bus.altStatus() & 0x80).toBe(0x80);
    await settle();
    expect(bus.altStatus()).toBe(0x58);
    expect(irq.risingEdges).toBe(1);
    inb(bus, 7); // acknowledge
    expect(readWords(bus, 2)).toEqual([16 * 0x101, 16 * 0x101 + 1]);
    bus.commandBlock.read(0, 4); // a dword read moves two words
    readWords(bus, 252);
    await settle();
    expect(irq.risingEdges).toBe(2);
    expect(readWords(bus, 1)).toEqual([17 * 0x101]);
    readWords(bus, 255);
    expect(bus.altStatus()).toBe(0x50);
    expect(taskFile(bus)).toEqual([0, 0, 18, 0, 0, 0xe0]);
  });

  it("WRITE SECTORS then READ MULTIPLE in blocks of the multiple count", async () => {
    const disk = new MemDisk(4096 * 512);
    const { bus } = channel(disk);
    lba28(bus, 100, 2);
    out(bus, 7, 0x30);
    expect(bus.altStatus()).toBe(0x58); // DRQ at once for the first sector
    for (let i = 0; i < 256; i++) bus.commandBlock.write(0, 2, i ^ 0x5a5a);
    await settle();
    expect(bus.altStatus()).toBe(0x58);
    for (let i = 0; i < 128; i++) bus.commandBlock.write(0, 4, 0x1111_2222);
    await settle();
    expect(bus.altStatus()).toBe(0x50);
    expect(disk.data[100 * 512]).toBe(0x5a);
    expect(disk.data[101 * 512]).toBe(0x22);
    out(bus, 2, 2);
    out(bus, 7, 0xc6); // SET MULTIPLE MODE 2
    expect(bus.altStatus()).toBe(0x50);
    lba28(bus, 100, 2);
    out(bus, 7, 0xc4);
    await settle();
    expect(readWords(bus, 512).at(-1)).toBe(0x1111);
    expect(bus.altStatus()).toBe(0x50);
  });

  it("LBA48: READ SECTORS EXT takes the HOB bytes, HOB reads them back", async () => {
    const disk = new MemDisk(2 ** 34 * 512, false, 512);
    const { bus } = channel(disk);
    // previous (HOB) then current values of count/LBA low/mid/high
    for (const [reg, hob, cur] of [[2, 0, 1], [3, 0x01, 0x10], [4, 0x02, 0x20], [5, 0x00, 0x30]] as const) {
      out(bus, reg, hob);
      out(bus, reg, cur);
    }
    out(bus, 6, 0x40);
    out(bus, 7, 0x24);
    await settle();
    readWords(bus, 256);
    // LBA 0x00_02_01_30_20_10 + 1
    expect(taskFile(bus).slice(1, 5)).toEqual([0, 0x11, 0x20, 0x30]);
    bus.controlBlock.write(0, 1, 0x80);
    expect(taskFile(bus).slice(1, 5)).toEqual([0, 0x01, 0x02, 0x00]);
  });

  it("INITIALIZE DEVICE PARAMETERS changes the CHS translation of later commands", async () => {
    const disk = new MemDisk(4096 * 512);
    fillPattern(disk, 40);
    const { bus } = channel(disk);
    out(bus, 2, 32);
    out(bus, 6, 0xa7);
    out(bus, 7, 0x91);
    expect(bus.altStatus()).toBe(0x50);
    out(bus, 2, 1);
    out(bus, 3, 1);
    out(bus, 4, 0);
    out(bus, 5, 0);
    out(bus, 6, 0xa1); // CHS: head 1, sector 1 = LBA 32 with 32 sectors per track
    out(bus, 7, 0x20);
    await settle();
    expect(readWords(bus, 1)).toEqual([32 * 0x101]);
  });
});

describe("errors: ABRT with ERR|DRDY and an interrupt", () => {
  const aborted = [0x41, 0x04];
  it.each([
    ["an unknown command (50h)", 0x50],
    ["DEVICE RESET, a packet-device command", 0x08],
    ["IDENTIFY PACKET DEVICE", 0xa1],
  ])("%s", (_name, cmd) => {
    const { bus, irq } = channel();
    out(bus, 7, cmd);
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
    expect(irq.level).toBe(true);
  });

  it("a read or write outside the disk", async () => {
    const { bus } = channel();
    lba28(bus, 4096, 1);
    out(bus, 7, 0x20);
    await settle();
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
    lba28(bus, 4095, 2);
    out(bus, 7, 0x30);
    for (let i = 0; i < 256; i++) bus.commandBlock.write(0, 2, 0);
    await settle();
    expect(bus.altStatus()).toBe(0x58); // the first sector fits, the second does not
    for (let i = 0; i < 256; i++) bus.commandBlock.write(0, 2, 0);
    await settle();
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
    expect(taskFile(bus).slice(2, 5)).toEqual([0x00, 0x10, 0x00]); // stopped at LBA 4096
    lba28(bus, 4096, 1);
    out(bus, 7, 0x30);
    for (let i = 0; i < 256; i++) bus.commandBlock.write(0, 2, 0);
    await settle();
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
  });

  it("a write the block layer refuses (read-only image)", async () => {
    const { bus, irq } = channel(new MemDisk(4096 * 512, true));
    lba28(bus, 0, 1);
    out(bus, 7, 0x30);
    for (let i = 0; i < 256; i++) bus.commandBlock.write(0, 2, 0);
    await settle();
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
    expect(irq.risingEdges).toBe(1);
  });

  it("SET MULTIPLE MODE with a count that is not a power of two up to 16, READ MULTIPLE with multiple mode off, a bad SET FEATURES", () => {
    const { bus } = channel();
    out(bus, 2, 3);
    out(bus, 7, 0xc6);
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
    out(bus, 2, 32);
    out(bus, 7, 0xc6);
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
    out(bus, 2, 0);
    out(bus, 7, 0xc6);
    expect(bus.altStatus()).toBe(0x50);
    out(bus, 7, 0xc4);
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
    out(bus, 1, 0x77);
    out(bus, 7, 0xef);
    expect([bus.altStatus(), inb(bus, 1)]).toEqual(aborted);
  });
});

describe("non-data commands", () => {
  it("CHECK POWER MODE answers FFh, READ NATIVE MAX the last sector, READ VERIFY keeps the address, FLUSH reaches the image", async () => {
    const disk = new MemDisk(4096 * 512);
    const { bus } = channel(disk);
    out(bus, 7, 0xe5);
    expect([bus.altStatus(), inb(bus, 2)]).toEqual([0x50, 0xff]);
    out(bus, 6, 0x40);
    out(bus, 7, 0xf8);
    expect(taskFile(bus).slice(2, 5)).toEqual([0xff, 0x0f, 0x00]);
    lba28(bus, 3, 5);
    out(bus, 7, 0x40);
    expect(taskFile(bus)).toEqual([0, 5, 3, 0, 0, 0xe0]);
    out(bus, 7, 0xe7);
    expect(bus.altStatus() & 0x80).toBe(0x80);
    await settle();
    expect(bus.altStatus()).toBe(0x50);
    expect(disk.flushes).toBe(1);
    out(bus, 7, 0xe1); // IDLE IMMEDIATE: no DSC (QEMU's table)
    expect(bus.altStatus()).toBe(0x40);
  });

  it("SET FEATURES transfer mode and write cache change the IDENTIFY words once IDENTIFY has run", async () => {
    const { bus } = channel();
    out(bus, 7, 0xec);
    readWords(bus, 256);
    out(bus, 1, 0x03);
    out(bus, 2, 0x42);
    out(bus, 7, 0xef);
    out(bus, 1, 0x82);
    out(bus, 7, 0xef);
    await settle();
    out(bus, 7, 0xec);
    const w = readWords(bus, 256);
    expect([w[62], w[63], w[85], w[88]]).toEqual([0x0007, 0x0007, 0x4001, 0x043f]);
  });
});

describe("device control: nIEN and software reset", () => {
  it("nIEN keeps the line low; SRST restores the signature with error 01h and clears multiple mode's changes", async () => {
    const { bus, irq } = channel();
    bus.controlBlock.write(0, 1, 0x02);
    out(bus, 7, 0xe5);
    expect(irq.risingEdges).toBe(0);
    lba28(bus, 0x123, 7);
    bus.controlBlock.write(0, 1, 0x06);
    bus.controlBlock.write(0, 1, 0x02);
    await settle();
    expect([bus.altStatus(), ...taskFile(bus)]).toEqual([0x50, 0x01, 0x01, 0x01, 0x00, 0x00, 0xa0]);
    expect(irq.risingEdges).toBe(0);
    bus.controlBlock.write(0, 1, 0x00);
    out(bus, 7, 0x90); // EXECUTE DEVICE DIAGNOSTIC
    expect([bus.altStatus(), inb(bus, 1)]).toEqual([0x50, 0x01]);
    expect(irq.risingEdges).toBe(1);
  });

  it("a read made stale by SRST does not reach the data port of the IDENTIFY that follows", async () => {
    const disk = new MemDisk(4096 * 512);
    disk.data.fill(0xee, 0, 512);
    const { bus } = channel(disk);
    lba28(bus, 0, 1);
    out(bus, 7, 0x20);
    bus.controlBlock.write(0, 1, 0x04);
    bus.controlBlock.write(0, 1, 0x00);
    out(bus, 7, 0xec);
    await settle();
    expect(readWords(bus, 1)).toEqual([0x0040]);
  });

  it("a reset during a read drops the completion in flight", async () => {
    const { bus, irq } = channel();
    lba28(bus, 0, 1);
    out(bus, 7, 0x20);
    bus.reset();
    await settle();
    expect(bus.altStatus()).toBe(0x50);
    expect(irq.risingEdges).toBe(0);
  });
});

describe("state", () => {
  it("a PIO read in its data phase continues after fromState on a fresh channel", async () => {
    const disk = new MemDisk(4096 * 512);
    fillPattern(disk, 20);
    const a = channel(disk);
    lba28(a.bus, 16, 2);
    out(a.bus, 7, 0x20);
    await settle();
    readWords(a.bus, 10);
    const b = channel(disk);
    b.bus.fromState(JSON.parse(JSON.stringify(a.bus.state())) as ReturnType<IdeBus["state"]>);
    expect(readWords(b.bus, 246)).toEqual(readWords(a.bus, 246));
    await settle();
    expect(readWords(b.bus, 256)).toEqual(readWords(a.bus, 256));
    expect(taskFile(b.bus)).toEqual(taskFile(a.bus));
  });
});
