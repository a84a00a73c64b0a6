import { describe, expect, it } from "vitest";
import type { DmaMemory, IrqLine } from "../io-device.js";
import { PCI_INTERRUPT_PIN } from "../pci-device.js";
import { BM_STATUS_DMAING, BM_STATUS_INT } from "./bmdma.js";
import { Piix3Ide } from "./piix3-ide.js";
import { MemDisk, settle } from "./testing/mem-disk.js";

/*
 * The PIIX3 IDE function: its configuration space as QEMU 7.2 shows it, and bus-master DMA
 * walking PRD tables in guest memory (READ/WRITE DMA, short and long tables, bus mastering off).
 */

class Ram implements DmaMemory {
  readonly bytes = new Uint8Array(1 << 20);
  read(address: number, dest: Uint8Array): boolean {
    if (address + dest.length > this.bytes.length) return false;
    dest.set(this.bytes.subarray(address, address + dest.length));
    return true;
  }
  write(address: number, src: Uint8Array): boolean {
    if (address + src.length > this.bytes.length) return false;
    this.bytes.set(src, address);
    return true;
  }
  prd(at: number, entries: [number, number, boolean][]): void {
    const v = new DataView(this.bytes.buffer);
    entries.forEach(([addr, len, last], i) => {
      v.setUint32(at + i * 8, addr, true);
      v.setUint32(at + i * 8 + 4, (len & 0xffff) | (last ? 0x8000_0000 : 0), true);
    });
  }
}

const irqs: Record<number, boolean> = {};
const isaIrq = (n: number): IrqLine => ({
  setLevel: (l) => {
    irqs[n] = l;
  },
});

function setup(): { ide: Piix3Ide; ram: Ram; disk: MemDisk } {
  const ram = new Ram();
  const ide = new Piix3Ide({ isaIrq, dma: ram });
  ide.realize();
  const disk = new MemDisk(4096 * 512);
  for (let i = 0; i < disk.data.length; i++) disk.data[i] = (i >> 9) & 0xff; // each byte = its sector number
  ide.buses[0].drives[0].attach({ blk: disk, cylinders: 4, heads: 16, sectors: 63, serial: "QM00001" });
  ide.configWrite(4, 2, 0x0005); // I/O + bus master
  return { ide, ram, disk };
}

function issue(ide: Piix3Ide, cmd: number, lba: number, count: number): void {
  const cb = ide.buses[0].commandBlock;
  cb.write(2, 1, count);
  cb.write(3, 1, lba & 0xff);
  cb.write(4, 1, (lba >> 8) & 0xff);
  cb.write(5, 1, (lba >> 16) & 0xff);
  cb.write(6, 1, 0xe0);
  cb.write(7, 1, cmd);
}

describe("piix3-ide configuration space", () => {
  it("is 8086:7010 class 0101h prog-if 80h, status 0280h, BMIBA 1 (I/O), no interrupt pin, QEMU's subsystem ids", () => {
    const ide = new Piix3Ide({ isaIrq, dma: new Ram() });
    expect(ide.configRead(0, 4)).toBe(0x7010_8086);
    expect(ide.configRead(4, 4)).toBe(0x0280_0000);
    expect(ide.configRead(8, 4)).toBe(0x0101_8000);
    expect(ide.configRead(0x20, 4)).toBe(0x0000_0001);
    expect(ide.configRead(0x2c, 4)).toBe(0x1100_1af4);
    expect(ide.config[PCI_INTERRUPT_PIN]).toBe(0);
    ide.configWrite(0x20, 4, 0xffffffff);
    expect(ide.configRead(0x20, 4)).toBe(0xfffffff1); // 16 bytes of I/O
  });
});

describe("bus-master DMA", () => {
  it("READ DMA through two PRDs: data in guest memory, INT set, engine idle, the drive's interrupt raised", async () => {
    const { ide, ram } = setup();
    const bm = ide.bmdma[0];
    ram.prd(0x1000, [[0x8000, 512, false], [0x9000, 1024, true]]);
    bm.prdAddress.write(0, 4, 0x1000);
    issue(ide, 0xc8, 16, 3);
    expect(ide.buses[0].altStatus()).toBe(0x58); // DRQ: waiting for the engine
    bm.registers.write(0, 1, 0x09);
    await settle();
    expect(bm.status & (BM_STATUS_INT | BM_STATUS_DMAING)).toBe(BM_STATUS_INT);
    expect([ram.bytes[0x8000], ram.bytes[0x81ff], ram.bytes[0x9000], ram.bytes[0x9200]]).toEqual([16, 16, 17, 18]);
    expect(ide.buses[0].altStatus()).toBe(0x50);
    expect(irqs[14]).toBe(true);
    bm.registers.write(2, 1, BM_STATUS_INT); // write 1 to clear
    expect(bm.status & BM_STATUS_INT).toBe(0);
  });

  it("WRITE DMA started before the command; a PRD table that is too short stops without an interrupt", async () => {
    const { ide, ram, disk } = setup();
    const bm = ide.bmdma[0];
    ram.bytes.fill(0xab, 0x8000, 0x8400);
    ram.prd(0x1000, [[0x8000, 1024, true]]);
    bm.prdAddress.write(0, 4, 0x1000);
    bm.registers.write(0, 1, 0x01);
    issue(ide, 0xca, 100, 2);
    await settle();
    expect([disk.data[100 * 512], disk.data[102 * 512 - 1]]).toEqual([0xab, 0xab]);
    expect(bm.status & BM_STATUS_INT).toBe(BM_STATUS_INT);
    bm.registers.write(0, 1, 0x00);
    bm.registers.write(2, 1, 0x06);
    ram.prd(0x1000, [[0x8000, 512, true]]);
    issue(ide, 0xc8, 16, 2);
    bm.registers.write(0, 1, 0x09);
    await settle();
    expect(bm.status).toBe(0);
    expect(ide.buses[0].altStatus()).toBe(0x50);
  });

  it("with bus mastering off the transfer fails: ABRT and the interrupt", async () => {
    const { ide, ram } = setup();
    ide.configWrite(4, 2, 0x0001);
    const bm = ide.bmdma[0];
    ram.prd(0x1000, [[0x8000, 512, true]]);
    bm.prdAddress.write(0, 4, 0x1000);
    issue(ide, 0xc8, 16, 1);
    bm.registers.write(0, 1, 0x09);
    await settle();
    expect(ide.buses[0].altStatus()).toBe(0x41);
    expect(bm.status & BM_STATUS_INT).toBe(BM_STATUS_INT);
    expect(ram.bytes[0x8000]).toBe(0);
  });
});
