import { describe, expect, it } from "vitest";
import type { DmaMemory } from "../io-device.js";
import { IrqProbe } from "../irq-probe.js";
import { IdeBus } from "./ide-bus.js";
import { Piix3Ide } from "./piix3-ide.js";
import { MemDisk, settle } from "./testing/mem-disk.js";

/*
 * QEMU's ide-cd through the task-file registers, as an ATAPI driver sees it: the packet-device
 * signature, IDENTIFY (PACKET) DEVICE, the PACKET protocol with its interrupt reason and byte
 * count limit, the packet commands' reply bytes (as QEMU 7.2's hw/ide/atapi.c builds them), sense
 * data after errors and media changes, and DMA through the PIIX3 bus-master engine.
 */

/** A CD image of `blocks` 2048-byte blocks; each 16-bit word holds (block << 8 | word index & 0xff). */
function cdImage(blocks: number): MemDisk {
  const disk = new MemDisk(blocks * 2048, true, blocks * 2048);
  const v = new DataView(disk.data.buffer);
  for (let i = 0; i < blocks * 1024; i++) v.setUint16(i * 2, ((Math.floor(i / 1024) << 8) | (i & 0xff)) & 0xffff, true);
  return disk;
}

function cdChannel(medium: MemDisk | null = cdImage(100)): { bus: IdeBus; irq: IrqProbe } {
  const irq = new IrqProbe();
  const bus = new IdeBus(1, irq);
  bus.drives[0].attachCd({ blk: medium, serial: "QM00003" });
  return { bus, irq };
}

const out = (bus: IdeBus, reg: number, v: number): void => {
  bus.commandBlock.write(reg, 1, v);
};
const inb = (bus: IdeBus, reg: number): number => bus.commandBlock.read(reg, 1);
const taskFile = (bus: IdeBus): number[] => [1, 2, 3, 4, 5, 6].map((r) => inb(bus, r));
const readBytes = (bus: IdeBus, n: number): number[] => {
  const r: number[] = [];
  for (let i = 0; i < n; i += 2) {
    const w = bus.commandBlock.read(0, 2);
    r.push(w & 0xff, w >> 8);
  }
  return r.slice(0, n);
};

/** PACKET with byte count limit `bcl` (Features bit 0 = DMA), then the 12 packet bytes. */
async function packet(bus: IdeBus, cdb: number[], bcl = 0xfffe, dma = false): Promise<void> {
  out(bus, 1, dma ? 1 : 0);
  out(bus, 4, bcl & 0xff);
  out(bus, 5, bcl >> 8);
  out(bus, 7, 0xa0);
  const p = [...cdb, ...new Array<number>(12 - cdb.length).fill(0)];
  for (let i = 0; i < 12; i += 2) bus.commandBlock.write(0, 2, p[i]! | (p[i + 1]! << 8));
  for (let i = 0; i < 4; i++) await settle();
}

/** Status, error, interrupt reason and byte count after a packet. */
const phase = (bus: IdeBus): { status: number; error: number; reason: number; count: number } => ({
  status: bus.altStatus(),
  error: inb(bus, 1),
  reason: inb(bus, 2),
  count: inb(bus, 4) | (inb(bus, 5) << 8),
});

async function requestSense(bus: IdeBus): Promise<number[]> {
  await packet(bus, [0x03, 0, 0, 0, 18]);
  return readBytes(bus, 18);
}

const ascii = (bytes: number[]): string => String.fromCharCode(...bytes);

describe("ATAPI device on the IDE bus", () => {
  it("shows the packet signature (LBA Mid/High 14h/EBh) and DRDY|DSC at power-on, with or without a medium", () => {
    for (const medium of [cdImage(10), null]) {
      const { bus } = cdChannel(medium);
      expect(taskFile(bus)).toEqual([0x00, 0x01, 0x01, 0x14, 0xeb, 0xa0]);
      expect(bus.altStatus()).toBe(0x50);
    }
  });

  it("EXECUTE DEVICE DIAGNOSTIC and SRST leave the signature, error 01h and a clear status, without an interrupt", () => {
    const { bus, irq } = cdChannel();
    out(bus, 4, 0x33);
    out(bus, 7, 0x90);
    expect([bus.altStatus(), ...taskFile(bus)]).toEqual([0x00, 0x01, 0x01, 0x01, 0x14, 0xeb, 0xa0]);
    expect(irq.risingEdges).toBe(0);
    out(bus, 4, 0x33);
    bus.controlBlock.write(0, 1, 0x04);
    bus.controlBlock.write(0, 1, 0x00);
    expect([bus.altStatus(), ...taskFile(bus)]).toEqual([0x00, 0x01, 0x01, 0x01, 0x14, 0xeb, 0xa0]);
  });

  it("aborts IDENTIFY DEVICE and READ SECTORS with the signature put back", () => {
    const { bus, irq } = cdChannel();
    for (const cmd of [0xec, 0x20]) {
      out(bus, 4, 0x55);
      out(bus, 5, 0x66);
      out(bus, 7, cmd);
      expect([bus.altStatus(), ...taskFile(bus)]).toEqual([0x41, 0x04, 0x01, 0x01, 0x14, 0xeb, 0xa0]);
    }
    expect(irq.risingEdges).toBe(2);
    out(bus, 7, 0xc8); // READ DMA: not a packet-device command
    expect([bus.altStatus(), inb(bus, 1)]).toEqual([0x41, 0x04]);
  });

  it("answers IDENTIFY PACKET DEVICE with QEMU's words: CD-ROM, removable, 12-byte packets, DMA, model and firmware", () => {
    const { bus, irq } = cdChannel();
    out(bus, 7, 0xa1);
    expect(bus.altStatus()).toBe(0x58);
    expect(irq.level).toBe(true);
    const b = readBytes(bus, 512);
    const w = (i: number): number => b[i * 2]! | (b[i * 2 + 1]! << 8);
    const str = (from: number, words: number): string => {
      let t = "";
      for (let i = 0; i < words; i++) t += String.fromCharCode(w(from + i) >> 8, w(from + i) & 0xff);
      return t;
    };
    expect(w(0)).toBe(0x85c0);
    expect(str(10, 10)).toBe("QM00003             ");
    expect(str(23, 4)).toBe("2.5+    ");
    expect(str(27, 20).trimEnd()).toBe("QEMU DVD-ROM");
    expect([w(20), w(21), w(22), w(48), w(49), w(53), w(62), w(63), w(64), w(65), w(66), w(67), w(68), w(71), w(72), w(80), w(88)]).toEqual([
      3, 512, 4, 1, 0x300, 7, 7, 7, 3, 0xb4, 0xb4, 0x12c, 0xb4, 30, 30, 0x1e, 0x203f,
    ]);
    expect(w(1)).toBe(0);
    expect(w(60)).toBe(0);
    expect(bus.altStatus()).toBe(0x50);
  });

  it("takes the packet with CoD=1/IO=0 and DRQ, no interrupt; the interrupt reason then says data-in and complete", () => {
    const { bus, irq } = cdChannel();
    out(bus, 4, 0xfe);
    out(bus, 5, 0xff);
    out(bus, 7, 0xa0);
    expect([bus.altStatus(), inb(bus, 2)]).toEqual([0x58, 0x01]);
    expect(irq.risingEdges).toBe(0);
    const cdb = [0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0];
    for (let i = 0; i < 12; i += 2) bus.commandBlock.write(0, 2, cdb[i]! | (cdb[i + 1]! << 8));
    expect(phase(bus)).toEqual({ status: 0x58, error: 0, reason: 0x02, count: 36 });
    expect(irq.risingEdges).toBe(1);
    readBytes(bus, 36);
    expect(phase(bus)).toEqual({ status: 0x50, error: 0, reason: 0x03, count: 36 });
  });
});

describe("ATAPI packet commands (reply bytes as QEMU 7.2)", () => {
  it("INQUIRY: standard data, allocation length honoured, VPD pages 00h and 83h", async () => {
    const { bus } = cdChannel();
    await packet(bus, [0x12, 0, 0, 0, 96]);
    const inq = readBytes(bus, 36);
    expect(inq.slice(0, 8)).toEqual([0x05, 0x80, 0x00, 0x21, 31, 0, 0, 0]);
    expect(ascii(inq.slice(8))).toBe("QEMU    QEMU DVD-ROM    2.5+");
    await packet(bus, [0x12, 0, 0, 0, 6]);
    expect(phase(bus).count).toBe(6);
    expect(readBytes(bus, 6)).toEqual([0x05, 0x80, 0x00, 0x21, 31, 0]);
    await packet(bus, [0x12, 1, 0x00, 0, 255]);
    expect(readBytes(bus, 6)).toEqual([0x05, 0x00, 0x00, 0x02, 0x00, 0x83]);
    await packet(bus, [0x12, 1, 0x83, 0, 255]);
    const vpd = readBytes(bus, 100);
    expect(vpd.slice(0, 8)).toEqual([0x05, 0x83, 0x00, 96, 0x02, 0x00, 0x00, 20]);
    expect(ascii(vpd.slice(8, 28))).toBe("QM00003             ");
    expect(ascii(vpd.slice(32, 100))).toBe(`ATA     ${"QEMU DVD-ROM".padEnd(40)}${"QM00003".padEnd(20)}`);
    await packet(bus, [0x12, 1, 0x83, 0, 20]);
    expect(phase(bus)).toEqual({ status: 0x41, error: 0x50, reason: 0x03, count: 0xfffe });
    expect((await requestSense(bus))[12]).toBe(0x4b);
    await packet(bus, [0x12, 1, 0x80, 0, 255]);
    expect((await requestSense(bus))[12]).toBe(0x24);
  });

  it("READ CAPACITY: last LBA and 2048", async () => {
    const { bus } = cdChannel(cdImage(300));
    await packet(bus, [0x25]);
    expect(readBytes(bus, 8)).toEqual([0, 0, 0x01, 0x2b, 0, 0, 0x08, 0x00]);
  });

  it("READ TOC formats 0 (LBA and MSF, start track AAh), 1 and 2; start track 2 is refused", async () => {
    const { bus } = cdChannel(cdImage(300));
    await packet(bus, [0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0x00]);
    expect(readBytes(bus, 20)).toEqual([0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 0, 0, 0, 0x16, 0xaa, 0, 0, 0, 0x01, 0x2c]);
    await packet(bus, [0x43, 0x02, 0, 0, 0, 0, 0, 0x03, 0x24, 0x00]);
    // LBA 0 = 00:02:00, lead-out 300 + 150 = 450 frames = 00:06:00
    expect(readBytes(bus, 20)).toEqual([0, 18, 1, 1, 0, 0x14, 1, 0, 0, 0, 2, 0, 0, 0x16, 0xaa, 0, 0, 0, 6, 0]);
    await packet(bus, [0x43, 0, 0, 0, 0, 0, 0xaa, 0x03, 0x24, 0x00]);
    expect(readBytes(bus, 12)).toEqual([0, 10, 1, 1, 0, 0x16, 0xaa, 0, 0, 0, 0x01, 0x2c]);
    await packet(bus, [0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0x40]);
    expect(readBytes(bus, 12)).toEqual([0, 0x0a, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    await packet(bus, [0x43, 0, 0, 0, 0, 0, 0, 0x03, 0x24, 0x80]);
    const raw = readBytes(bus, 48);
    expect(raw.slice(0, 4)).toEqual([0, 46, 1, 1]);
    expect(raw.slice(4, 15)).toEqual([1, 0x14, 0, 0xa0, 0, 0, 0, 0, 1, 0, 0]);
    expect(raw.slice(15, 26)).toEqual([1, 0x14, 0, 0xa1, 0, 0, 0, 0, 1, 0, 0]);
    expect(raw.slice(26, 37)).toEqual([1, 0x14, 0, 0xa2, 0, 0, 0, 0, 0, 0x01, 0x2c]);
    expect(raw.slice(37, 48)).toEqual([1, 0x14, 0, 1, 0, 0, 0, 0, 0, 0, 0]);
    await packet(bus, [0x43, 0, 0, 0, 0, 0, 2, 0x03, 0x24, 0x00]);
    expect(phase(bus).error).toBe(0x50);
    expect((await requestSense(bus)).slice(0, 13)).toEqual([0xf0, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x24]);
  });

  it("MODE SENSE (10): the capabilities page (lock state included), error-recovery page; saved values and other pages refused", async () => {
    const { bus } = cdChannel();
    await packet(bus, [0x1e, 0, 0, 0, 1]); // PREVENT MEDIUM REMOVAL
    await packet(bus, [0x5a, 0, 0x2a, 0, 0, 0, 0, 0, 0xff]);
    expect(readBytes(bus, 30)).toEqual([
      0, 28, 0x70, 0, 0, 0, 0, 0, 0x2a, 20, 0x3b, 0, 0x71, 0x60, 0x2b, 0, 0x02, 0xc0, 0, 2, 0x02, 0x00, 0x02, 0xc0, 0, 0, 0, 0, 0, 0,
    ]);
    await packet(bus, [0x5a, 0, 0x01, 0, 0, 0, 0, 0, 0xff]);
    expect(readBytes(bus, 16)).toEqual([0, 14, 0x70, 0, 0, 0, 0, 0, 0x01, 6, 0, 5, 0, 0, 0, 0]);
    await packet(bus, [0x5a, 0, 0xc1, 0, 0, 0, 0, 0, 0xff]);
    expect((await requestSense(bus))[12]).toBe(0x39);
    await packet(bus, [0x5a, 0, 0x3f, 0, 0, 0, 0, 0, 0xff]);
    expect((await requestSense(bus))[12]).toBe(0x24);
  });

  it("GET CONFIGURATION, GET EVENT STATUS NOTIFICATION, READ DISC INFORMATION, MECHANISM STATUS", async () => {
    const { bus } = cdChannel();
    await packet(bus, [0x46, 0, 0, 0, 0, 0, 0, 0x01, 0x00]);
    expect(readBytes(bus, 20)).toEqual([0, 0, 0, 16, 0, 0, 0, 0x08, 0, 0, 0x03, 8, 0, 0x10, 0, 0, 0, 0x08, 1, 0]);
    await packet(bus, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8]);
    expect(readBytes(bus, 8)).toEqual([0, 4, 4, 0x10, 0, 2, 0, 0]);
    await packet(bus, [0x4a, 1, 0, 0, 0x02, 0, 0, 0, 8]);
    expect(readBytes(bus, 4)).toEqual([0, 0, 0x80, 0x10]);
    await packet(bus, [0x4a, 0, 0, 0, 0x10, 0, 0, 0, 8]);
    expect(phase(bus).error).toBe(0x50);
    await packet(bus, [0x51, 0, 0, 0, 0, 0, 0, 0, 34]);
    const di = readBytes(bus, 34);
    expect(di.slice(0, 9)).toEqual([0, 32, 0x0e, 1, 1, 1, 1, 0x20, 0]);
    expect(di.slice(9).every((b) => b === 0)).toBe(true);
    await packet(bus, [0xbd, 0, 0, 0, 0, 0, 0, 0, 0, 8]);
    expect(readBytes(bus, 8)).toEqual([0, 0, 0, 0, 0, 1, 0, 0]);
  });

  it("unknown opcodes fail with ILLEGAL REQUEST / INVALID COMMAND OPERATION CODE", async () => {
    const { bus, irq } = cdChannel();
    await packet(bus, [0xff]);
    expect(phase(bus)).toEqual({ status: 0x41, error: 0x50, reason: 0x03, count: 0xfffe });
    expect(irq.level).toBe(true);
    expect((await requestSense(bus)).slice(0, 13)).toEqual([0xf0, 0, 5, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x20]);
  });

  it("without a medium: NOT READY / MEDIUM NOT PRESENT for TEST UNIT READY and READ, INQUIRY still answers", async () => {
    const { bus } = cdChannel(null);
    await packet(bus, [0x00]);
    expect(phase(bus)).toEqual({ status: 0x41, error: 0x20, reason: 0x03, count: 0xfffe });
    expect((await requestSense(bus)).slice(0, 13)).toEqual([0xf0, 0, 2, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x3a]);
    await packet(bus, [0x28, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(phase(bus).error).toBe(0x20);
    await packet(bus, [0x12, 0, 0, 0, 36]);
    expect(phase(bus).status).toBe(0x58);
    readBytes(bus, 36);
    await packet(bus, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8]);
    expect(readBytes(bus, 8)).toEqual([0, 4, 4, 0x10, 0, 0, 0, 0]);
  });

  it("START STOP UNIT opens the tray (NOT READY after), closes it; a locked tray refuses to open", async () => {
    const { bus } = cdChannel();
    await packet(bus, [0x1e, 0, 0, 0, 1]);
    await packet(bus, [0x1b, 0, 0, 0, 0x02]);
    expect(phase(bus).error).toBe(0x20);
    expect((await requestSense(bus))[12]).toBe(0x53);
    await packet(bus, [0x1e, 0, 0, 0, 0]);
    await packet(bus, [0x1b, 0, 0, 0, 0x02]);
    expect(phase(bus).status).toBe(0x50);
    expect(bus.drives[0].trayOpen).toBe(true);
    await packet(bus, [0x00]);
    expect(phase(bus).error).toBe(0x20);
    await packet(bus, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8]);
    expect(readBytes(bus, 8)[5]).toBe(1);
    await packet(bus, [0x1b, 0, 0, 0, 0x03]);
    await packet(bus, [0x00]);
    expect(phase(bus)).toEqual({ status: 0x50, error: 0, reason: 0x03, count: 0xfffe });
  });

  it("a medium change: NOT READY once, then UNIT ATTENTION (error 60h with MC), sense 06h/28h reported once", async () => {
    const { bus } = cdChannel(null);
    bus.drives[0].changeMedium(cdImage(20));
    await packet(bus, [0x00]);
    expect(phase(bus).error).toBe(0x20);
    await packet(bus, [0x00]);
    expect(phase(bus).error).toBe(0x60);
    await packet(bus, [0x25]);
    expect(phase(bus)).toEqual({ status: 0x01, error: 0x60, reason: 0x00, count: 0xfffe });
    await packet(bus, [0x4a, 1, 0, 0, 0x10, 0, 0, 0, 8]);
    expect(readBytes(bus, 8)).toEqual([0, 4, 4, 0x10, 2, 2, 0, 0]);
    expect((await requestSense(bus)).slice(0, 13)).toEqual([0xf0, 0, 6, 0, 0, 0, 0, 10, 0, 0, 0, 0, 0x28]);
    expect((await requestSense(bus))[2]).toBe(0);
    await packet(bus, [0x25]);
    expect(readBytes(bus, 8)).toEqual([0, 0, 0, 19, 0, 0, 8, 0]);
  });
});

describe("ATAPI PIO READ and the byte count limit", () => {
  const readCdb = (lba: number, n: number): number[] => [0x28, 0, 0, 0, (lba >> 8) & 0xff, lba & 0xff, 0, 0, n];

  it("READ (10) with limit 2048: one sector per DRQ block, an interrupt each, BSY while reading", async () => {
    const { bus, irq } = cdChannel();
    out(bus, 4, 0x00);
    out(bus, 5, 0x08);
    out(bus, 7, 0xa0);
    const cdb = [...readCdb(7, 3), 0, 0, 0];
    for (let i = 0; i < 12; i += 2) bus.commandBlock.write(0, 2, cdb[i]! | (cdb[i + 1]! << 8));
    expect(bus.altStatus()).toBe(0xd0); // BSY: the sector is read
    await settle();
    for (let s = 0; s < 3; s++) {
      if (s > 0) await settle();
      expect(phase(bus)).toEqual({ status: 0x58, error: 0, reason: 0x02, count: 2048 });
      expect(irq.risingEdges).toBe(s + 1);
      const inb16 = bus.commandBlock.read.bind(bus.commandBlock);
      inb(bus, 7); // acknowledge
      const first = inb16(0, 2);
      expect(first).toBe(((7 + s) << 8) | 0);
      for (let i = 1; i < 1024; i++) inb16(0, 2);
    }
    expect(phase(bus)).toEqual({ status: 0x50, error: 0, reason: 0x03, count: 2048 });
  });

  it("READ (12) with the limit 0xFFFF: one 6144-byte elementary transfer read sector by sector without more interrupts", async () => {
    const { bus, irq } = cdChannel();
    await packet(bus, [0xa8, 0, 0, 0, 0, 2, 0, 0, 0, 3], 0xffff);
    expect(phase(bus)).toEqual({ status: 0x58, error: 0, reason: 0x02, count: 6144 });
    const words: number[] = [];
    inb(bus, 7); // acknowledge the interrupt
    for (let i = 0; i < 3072; i++) {
      expect(bus.altStatus() & 0x88).toBe(0x08);
      words.push(bus.commandBlock.read(0, 2));
    }
    expect(irq.risingEdges).toBe(2); // the data block and the completion
    expect([words[0], words[1024], words[2048 + 255]]).toEqual([0x0200, 0x0300, 0x04ff]);
    expect(phase(bus).reason).toBe(3);
  });

  it("an odd limit below the transfer is rounded down to even; 32-bit data port reads work", async () => {
    const { bus } = cdChannel();
    await packet(bus, [0x12, 0, 0, 0, 36], 9);
    expect(phase(bus).count).toBe(8);
    expect(bus.commandBlock.read(0, 4)).toBe(0x21008005);
    bus.commandBlock.read(0, 4);
    expect(phase(bus).count).toBe(8);
    const rest = readBytes(bus, 28);
    expect(ascii(rest.slice(0, 4))).toBe("QEMU");
  });

  it("a limit of 0 aborts a data command (ABRT, no sense), a non-data one runs", async () => {
    const { bus } = cdChannel();
    await packet(bus, [0x25], 0);
    expect([bus.altStatus(), inb(bus, 1)]).toEqual([0x41, 0x04]);
    await packet(bus, [0x00], 0);
    expect(phase(bus).status).toBe(0x50);
  });

  it("READ past the end or with a wrapping count: ILLEGAL REQUEST / LBA OUT OF RANGE; a count of 0 completes", async () => {
    const { bus } = cdChannel(cdImage(100));
    await packet(bus, readCdb(99, 2));
    expect(phase(bus).error).toBe(0x50);
    expect((await requestSense(bus))[12]).toBe(0x21);
    await packet(bus, [0xa8, 0, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff]);
    expect((await requestSense(bus))[12]).toBe(0x21);
    await packet(bus, readCdb(100, 0));
    expect(phase(bus)).toEqual({ status: 0x50, error: 0, reason: 0x03, count: 0xfffe });
    await packet(bus, [0x2b, 0, 0, 0, 0, 100]);
    expect((await requestSense(bus))[12]).toBe(0x21);
  });

  it("READ CD: user data (10h) or the raw sector (F8h) with sync, MSF header and mode 1", async () => {
    const { bus } = cdChannel();
    await packet(bus, [0xbe, 0, 0, 0, 0, 5, 0, 0, 1, 0xf8], 2352);
    expect(phase(bus).count).toBe(2352);
    const raw = readBytes(bus, 2352);
    // LBA 5 + 150 = 155 frames = 00:02:05
    expect(raw.slice(0, 18)).toEqual([0, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 0, 0, 2, 5, 1, 0x00, 0x05]);
    expect(raw.slice(2064).every((b) => b === 0)).toBe(true);
    await packet(bus, [0xbe, 0, 0, 0, 0, 6, 0, 0, 1, 0x10], 2048);
    expect(readBytes(bus, 2048).slice(0, 2)).toEqual([0, 6]);
    await packet(bus, [0xbe, 0, 0, 0, 0, 6, 0, 0, 1, 0x08], 2048);
    expect((await requestSense(bus))[12]).toBe(0x24);
  });

  it("READ CD of 3 raw sectors in one elementary transfer: each framed with its own MSF header", async () => {
    const { bus, irq } = cdChannel();
    await packet(bus, [0xbe, 0, 0, 0, 0, 10, 0, 0, 3, 0xf8], 0xfffe);
    expect(phase(bus).count).toBe(3 * 2352);
    inb(bus, 7);
    const raw = readBytes(bus, 3 * 2352);
    for (let s = 0; s < 3; s++) {
      const at = s * 2352;
      expect(raw.slice(at + 12, at + 18)).toEqual([0, 2, 10 + s, 1, 0x00, 10 + s]);
    }
    expect(irq.risingEdges).toBe(2);
    expect(phase(bus).reason).toBe(3);
  });

  it("the state of a PIO READ in the middle of a sector travels (savevm) and the transfer goes on", async () => {
    const { bus } = cdChannel();
    await packet(bus, [0xa8, 0, 0, 0, 0, 2, 0, 0, 0, 3], 0xffff);
    for (let i = 0; i < 1500; i++) bus.commandBlock.read(0, 2);
    const saved = JSON.parse(JSON.stringify(bus.state())) as ReturnType<IdeBus["state"]>;
    const other = cdChannel(cdImage(100)).bus;
    other.fromState(saved);
    const rest: number[] = [];
    for (let i = 1500; i < 3072; i++) rest.push(other.commandBlock.read(0, 2));
    expect([rest[0], rest[2048 - 1500], rest[3071 - 1500]]).toEqual([0x03dc, 0x0400, 0x04ff]);
    expect(phase(other)).toEqual({ status: 0x50, error: 0, reason: 0x03, count: 6144 });
  });
});

describe("ATAPI DMA through the PIIX3 bus-master engine", () => {
  class Ram implements DmaMemory {
    readonly bytes = new Uint8Array(1 << 20);
    read(address: number, dest: Uint8Array): boolean {
      dest.set(this.bytes.subarray(address, address + dest.length));
      return true;
    }
    write(address: number, src: Uint8Array): boolean {
      this.bytes.set(src, address);
      return true;
    }
  }

  function setup(): { ide: Piix3Ide; ram: Ram; bus: IdeBus } {
    const ram = new Ram();
    const ide = new Piix3Ide({ isaIrq: () => ({ setLevel: () => undefined }), dma: ram });
    ide.realize();
    ide.buses[1].drives[0].attachCd({ blk: cdImage(100), serial: "QM00003" });
    ide.configWrite(4, 2, 0x0005);
    return { ide, ram, bus: ide.buses[1] };
  }

  const prd = (ram: Ram, at: number, entries: [number, number, boolean][]): void => {
    const v = new DataView(ram.bytes.buffer);
    entries.forEach(([addr, len, last], i) => {
      v.setUint32(at + i * 8, addr, true);
      v.setUint32(at + i * 8 + 4, (len & 0xffff) | (last ? 0x8000_0000 : 0), true);
    });
  };

  it("READ (10) of 70 sectors in chunks of 64 lands in the PRD buffers; completion sets INT and reason 3", async () => {
    const { ide, ram, bus } = setup();
    prd(ram, 0x1000, [[0x10000, 0, false], [0x20000, 0, false], [0x30000, 70 * 2048 - 0x20000, true]]);
    const bm = ide.bmdma[1];
    bm.prdAddress.write(0, 4, 0x1000);
    await packet(bus, [0x28, 0, 0, 0, 0, 10, 0, 0, 70], 0, true);
    expect(bus.altStatus()).toBe(0xd8); // BSY|DRDY|DSC|DRQ until the engine runs
    bm.registers.write(0, 1, 0x09);
    for (let i = 0; i < 10; i++) await settle();
    expect(phase(bus)).toEqual({ status: 0x50, error: 0, reason: 0x03, count: 0 });
    expect(bm.registers.read(2, 1) & 0x05).toBe(0x04);
    const word = (addr: number): number => ram.bytes[addr]! | (ram.bytes[addr + 1]! << 8);
    expect([word(0x10000), word(0x20000), word(0x30000 + 2), word(0x10000 + 69 * 2048 + 2046)]).toEqual([0x0a00, 0x2a00, 0x4a01, 0x4fff]);
  });

  it("a reply (INQUIRY) goes out by DMA in one piece", async () => {
    const { ide, ram, bus } = setup();
    prd(ram, 0x1000, [[0x8000, 36, true]]);
    const bm = ide.bmdma[1];
    bm.prdAddress.write(0, 4, 0x1000);
    await packet(bus, [0x12, 0, 0, 0, 36], 0, true);
    expect(bus.altStatus()).toBe(0x58);
    bm.registers.write(0, 1, 0x09);
    await settle();
    expect(ascii(Array.from(ram.bytes.subarray(0x8008, 0x8008 + 8)))).toBe("QEMU    ");
    expect(phase(bus).reason).toBe(3);
  });

  it("a DMA READ waiting for the engine travels in the controller state; started on the destination, it lands there", async () => {
    const { ide, ram, bus } = setup();
    prd(ram, 0x1000, [[0x9000, 2048, true]]);
    ide.bmdma[1].prdAddress.write(0, 4, 0x1000);
    await packet(bus, [0x28, 0, 0, 0, 0, 42, 0, 0, 1], 0, true);
    const saved = JSON.parse(JSON.stringify(ide.ideState())) as ReturnType<Piix3Ide["ideState"]>;
    const dest = setup();
    prd(dest.ram, 0x1000, [[0x9000, 2048, true]]); // guest memory travels separately
    dest.ide.fromIdeState(saved);
    expect(dest.bus.altStatus()).toBe(0xd8);
    dest.ide.bmdma[1].registers.write(0, 1, 0x09);
    for (let i = 0; i < 6; i++) await settle();
    expect(phase(dest.bus)).toEqual({ status: 0x50, error: 0, reason: 0x03, count: 0 });
    expect([dest.ram.bytes[0x9000], dest.ram.bytes[0x9001]]).toEqual([0, 42]);
  });

  it("a PRD table shorter than the transfer stops the engine without an interrupt", async () => {
    const { ide, ram, bus } = setup();
    prd(ram, 0x1000, [[0x8000, 2048, true]]);
    const bm = ide.bmdma[1];
    bm.prdAddress.write(0, 4, 0x1000);
    await packet(bus, [0x28, 0, 0, 0, 0, 1, 0, 0, 2], 0, true);
    bm.registers.write(0, 1, 0x09);
    for (let i = 0; i < 6; i++) await settle();
    expect(bm.registers.read(2, 1) & 0x05).toBe(0x00);
    expect(ram.bytes[0x8001]).toBe(1);
  });
});
