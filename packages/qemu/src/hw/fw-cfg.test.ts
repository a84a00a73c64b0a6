import { describe, expect, it } from "vitest";
import {
  FW_CFG_CMDLINE_DATA,
  FW_CFG_CMDLINE_SIZE,
  FW_CFG_DMA_CTL_ERROR,
  FW_CFG_DMA_CTL_READ,
  FW_CFG_DMA_CTL_SELECT,
  FW_CFG_DMA_CTL_SKIP,
  FW_CFG_DMA_CTL_WRITE,
  FW_CFG_FILE_DIR,
  FW_CFG_HPET,
  FW_CFG_ID,
  FW_CFG_IRQ0_OVERRIDE,
  FW_CFG_KERNEL_SIZE,
  FW_CFG_MAX_CPUS,
  FW_CFG_NB_CPUS,
  FW_CFG_NUMA,
  FW_CFG_RAM_SIZE,
  FW_CFG_SIGNATURE,
  FW_CFG_UUID,
  FwCfg,
} from "./fw-cfg.js";
import { E820_RAM, addLinuxBoot, createPcFwCfg, encodeE820Table, pcE820Entries, pcRamSplit } from "./fw-cfg-pc.js";
import type { DmaMemory } from "./io-device.js";

const MiB = 1024 * 1024;

/** What a guest does: outw selector to 0x510, then inb from 0x511 (offset 1 of the port pair). */
function readItem(fw: FwCfg, key: number, length: number): Uint8Array {
  fw.ioPort.write(0, 2, key);
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    out[i] = fw.ioPort.read(1, 1);
  }
  return out;
}

class TestMemory implements DmaMemory {
  readonly bytes = new Uint8Array(1 * MiB);
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
}

/** Writes an FWCfgDmaAccess at `at` and kicks it through ports 0x514/0x518 as SeaBIOS does. */
function dma(fw: FwCfg, mem: TestMemory, at: number, control: number, length: number, address: number): number {
  const view = new DataView(mem.bytes.buffer);
  view.setUint32(at, control);
  view.setUint32(at + 4, length);
  view.setBigUint64(at + 8, BigInt(address));
  const bswap = (v: number) => new DataView(new Uint32Array([v]).buffer).getUint32(0, false);
  fw.dmaPort.write(0, 4, bswap(0));
  fw.dmaPort.write(4, 4, bswap(at));
  return view.getUint32(at);
}

/** The directory QEMU lays out, built independently: be32 count, then be32 size, be16 select, u16 0, name[56]. */
function expectedDirectory(files: [string, number][], slots = 0x20): Uint8Array {
  const out = new Uint8Array(4 + 64 * slots);
  const view = new DataView(out.buffer);
  view.setUint32(0, files.length, false);
  files.forEach(([name, size], i) => {
    view.setUint32(4 + i * 64, size, false);
    view.setUint16(4 + i * 64 + 4, 0x20 + i, false);
    for (let j = 0; j < name.length; j++) out[4 + i * 64 + 8 + j] = name.charCodeAt(j);
  });
  return out;
}

describe("fw_cfg (I/O interface)", () => {
  it("reads the signature and the interface ID through ports 0x510/0x511", () => {
    const fw = createPcFwCfg({ ramSize: 128 * MiB, bootCpus: 1 });
    expect(new TextDecoder().decode(readItem(fw, FW_CFG_SIGNATURE, 4))).toBe("QEMU");
    expect(Array.from(readItem(fw, FW_CFG_SIGNATURE, 6)).slice(4)).toEqual([0, 0]); // past the end: zeros
    expect(Array.from(readItem(fw, FW_CFG_ID, 4))).toEqual([1, 0, 0, 0]);
    const withDma = createPcFwCfg({ ramSize: 128 * MiB, bootCpus: 1, dma: new TestMemory() });
    expect(Array.from(readItem(withDma, FW_CFG_ID, 4))).toEqual([3, 0, 0, 0]);
  });

  it("lays out the PC's standard selectors as QEMU does", () => {
    const fw = createPcFwCfg({ ramSize: 5 * 1024 * MiB, bootCpus: 2, apicIdLimit: 4 });
    expect(Array.from(readItem(fw, FW_CFG_RAM_SIZE, 8))).toEqual([0, 0, 0, 0x40, 1, 0, 0, 0]);
    expect(Array.from(readItem(fw, FW_CFG_NB_CPUS, 2))).toEqual([2, 0]);
    expect(Array.from(readItem(fw, FW_CFG_MAX_CPUS, 2))).toEqual([4, 0]);
    expect(Array.from(readItem(fw, FW_CFG_UUID, 16))).toEqual(new Array<number>(16).fill(0));
    expect(Array.from(readItem(fw, FW_CFG_IRQ0_OVERRIDE, 4))).toEqual([1, 0, 0, 0]);
    expect(readItem(fw, FW_CFG_HPET, 1)[0]).toBe(0xff);
    expect(fw.item(FW_CFG_HPET)!.length).toBe(121);
    expect(fw.item(FW_CFG_NUMA)!.length).toBe((1 + 4) * 8);
    // -m 5G on pc: 3 GiB low (gigabyte aligned), 2 GiB at 4 GiB
    const e820 = fw.item(fw.fileSelector("etc/e820"))!;
    const v = new DataView(e820.buffer, e820.byteOffset);
    expect(e820.length).toBe(40);
    expect([v.getBigUint64(0, true), v.getBigUint64(8, true), v.getUint32(16, true)]).toEqual([0n, 0xc000_0000n, E820_RAM]);
    expect([v.getBigUint64(20, true), v.getBigUint64(28, true), v.getUint32(36, true)]).toEqual([
      0x1_0000_0000n,
      0x8000_0000n,
      E820_RAM,
    ]);
  });

  it("serves the file directory byte-exact, sorted by name with selectors from 0x20", () => {
    const fw = createPcFwCfg({ ramSize: 128 * MiB, bootCpus: 1 });
    const dir = readItem(fw, FW_CFG_FILE_DIR, 4 + 64 * 0x20);
    expect(dir).toEqual(
      expectedDirectory([
        ["bios-geometry", 0],
        ["bootorder", 0],
        ["etc/boot-fail-wait", 4],
        ["etc/e820", 20],
      ]),
    );
    // Reading past the directory's 2052 bytes gives zeros.
    expect(fw.ioPort.read(1, 1)).toBe(0);
    expect(Array.from(readItem(fw, 0x22, 4))).toEqual([0xff, 0xff, 0xff, 0xff]); // boot-fail-wait = -1
    expect(readItem(fw, 0x23, 20)).toEqual(encodeE820Table(pcE820Entries(128 * MiB)));
  });

  it("renumbers files after an insertion and rejects duplicates", () => {
    const fw = new FwCfg();
    expect(fw.addFile("etc/b", new Uint8Array([2]))).toBe(0x20);
    expect(fw.addFile("etc/a", new Uint8Array([1, 1]))).toBe(0x20);
    expect(fw.fileSelector("etc/b")).toBe(0x21);
    expect(Array.from(readItem(fw, 0x21, 1))).toEqual([2]);
    expect(readItem(fw, FW_CFG_FILE_DIR, 4 + 64 * 0x20)).toEqual(
      expectedDirectory([
        ["etc/a", 2],
        ["etc/b", 1],
      ]),
    );
    expect(() => fw.addFile("etc/a", new Uint8Array(0))).toThrow("duplicate fw_cfg file name: etc/a");
    fw.modifyFile("etc/b", new Uint8Array([9, 9, 9]));
    expect(new DataView(fw.item(FW_CFG_FILE_DIR)!.buffer).getUint32(4 + 64, false)).toBe(3);
  });

  it("returns zeros for unknown or out-of-range selectors", () => {
    const fw = createPcFwCfg({ ramSize: 64 * MiB, bootCpus: 1 });
    expect(Array.from(readItem(fw, 0x3fff, 2))).toEqual([0, 0]);
    expect(Array.from(readItem(fw, 0x1c, 2))).toEqual([0, 0]);
  });

  it("fills the Linux boot selectors as x86_load_linux does", () => {
    const fw = createPcFwCfg({ ramSize: 64 * MiB, bootCpus: 1 });
    addLinuxBoot(fw, {
      kernelAddr: 0x100000,
      kernel: new Uint8Array(1000),
      setupAddr: 0x90000,
      setup: new Uint8Array(512 * 5),
      cmdlineAddr: 0x20000,
      cmdline: "console=ttyS0",
    });
    expect(Array.from(readItem(fw, FW_CFG_CMDLINE_SIZE, 4))).toEqual([14, 0, 0, 0]);
    expect(new TextDecoder().decode(readItem(fw, FW_CFG_CMDLINE_DATA, 14))).toBe("console=ttyS0\0");
    expect(Array.from(readItem(fw, FW_CFG_KERNEL_SIZE, 4))).toEqual([0xe8, 0x03, 0, 0]);
  });

  it("computes QEMU's RAM split", () => {
    expect(pcRamSplit(3 * 1024 * MiB)).toEqual({ belowFourGMemSize: 3 * 1024 * MiB, aboveFourGMemSize: 0 });
    expect(pcRamSplit(4 * 1024 * MiB)).toEqual({ belowFourGMemSize: 0xc000_0000, aboveFourGMemSize: 0x4000_0000 });
    expect(pcRamSplit(4 * 1024 * MiB, 0xe000_0000, false).belowFourGMemSize).toBe(0xe000_0000);
  });

  it("round-trips its position in the selected item", () => {
    const fw = createPcFwCfg({ ramSize: 64 * MiB, bootCpus: 1 });
    readItem(fw, FW_CFG_SIGNATURE, 2);
    const copy = createPcFwCfg({ ramSize: 64 * MiB, bootCpus: 1 });
    copy.fromState(fw.state());
    expect([copy.ioPort.read(1, 1), copy.ioPort.read(1, 1)]).toEqual([0x4d, 0x55]); // "MU"
  });
});

describe("fw_cfg DMA interface", () => {
  it("reads the 'QEMU CFG' signature from port 0x514", () => {
    const fw = createPcFwCfg({ ramSize: 64 * MiB, bootCpus: 1, dma: new TestMemory() });
    let sig = "";
    for (let i = 0; i < 8; i++) sig += String.fromCharCode(fw.dmaPort.read(i, 1));
    expect(sig).toBe("QEMU CFG");
    expect(fw.dmaPort.read(0, 4)).toBe(0x554d4551);
  });

  it("selects and reads an item into guest memory, zero-filling past its end", () => {
    const mem = new TestMemory();
    const fw = createPcFwCfg({ ramSize: 64 * MiB, bootCpus: 1, dma: mem });
    mem.bytes.fill(0xaa, 0x2000, 0x2010);
    const control = dma(fw, mem, 0x1000, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 8, 0x2000);
    expect(control).toBe(0);
    expect(Array.from(mem.bytes.subarray(0x2000, 0x2009))).toEqual([0x51, 0x45, 0x4d, 0x55, 0, 0, 0, 0, 0xaa]);
    const dirLen = 4 + 64 * 0x20;
    expect(dma(fw, mem, 0x1000, (FW_CFG_FILE_DIR << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, dirLen, 0x3000)).toBe(0);
    expect(mem.bytes.subarray(0x3000, 0x3000 + dirLen)).toEqual(fw.item(FW_CFG_FILE_DIR));
  });

  it("skips, refuses writes to read-only items, and writes writable files", () => {
    const mem = new TestMemory();
    const fw = createPcFwCfg({ ramSize: 64 * MiB, bootCpus: 1, dma: mem });
    const writes: [number, number][] = [];
    const target = new Uint8Array(4);
    const sel = fw.addFile("etc/test-writable", target, { writable: true, onWrite: (o, l) => writes.push([o, l]) });
    expect(dma(fw, mem, 0x1000, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_SKIP, 2, 0)).toBe(0);
    expect(dma(fw, mem, 0x1000, FW_CFG_DMA_CTL_READ, 2, 0x2000)).toBe(0);
    expect(Array.from(mem.bytes.subarray(0x2000, 0x2002))).toEqual([0x4d, 0x55]); // "MU": skip advanced
    expect(dma(fw, mem, 0x1000, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, 0x2000)).toBe(
      FW_CFG_DMA_CTL_ERROR,
    );
    mem.bytes.set([1, 2, 3, 4], 0x4000);
    expect(dma(fw, mem, 0x1000, (sel << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_WRITE, 4, 0x4000)).toBe(0);
    expect(Array.from(target)).toEqual([1, 2, 3, 4]);
    expect(writes).toEqual([[0, 4]]);
    // A bad guest address reports the error in the control word.
    expect(dma(fw, mem, 0x1000, (FW_CFG_SIGNATURE << 16) | FW_CFG_DMA_CTL_SELECT | FW_CFG_DMA_CTL_READ, 4, 0x2_0000_0000)).toBe(
      FW_CFG_DMA_CTL_ERROR,
    );
  });
});
