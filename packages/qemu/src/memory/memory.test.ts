import { describe, expect, it } from "vitest";
import type { AccessSize, IoDevice } from "../hw/io-device.js";
import { AddressSpace, type MemoryListener, type MemoryRegionSection } from "./address-space.js";
import { GuestMemory } from "./guest-memory.js";
import { MEMTX_DECODE_ERROR, MEMTX_OK } from "./memory-dispatch.js";
import { MemoryRegion, type MemoryRegionOps, UINT64_SIZE, sharedArrayRamAllocator } from "./memory-region.js";
import { memoryRegionTransaction } from "./memory-transaction.js";
import { formatFlatViews, formatMtree } from "./mtree.js";

/** A device that records every access it receives and reads back `base + offset`. */
function recorder(base = 0): IoDevice & { log: string[] } {
  const log: string[] = [];
  return {
    log,
    read(offset: number, size: AccessSize): number {
      log.push(`r${size}@${offset}`);
      return (base + offset) & (size >= 4 ? 0xffffffff : 2 ** (size * 8) - 1);
    },
    write(offset: number, size: AccessSize, value: number): void {
      log.push(`w${size}@${offset}=${value.toString(16)}`);
    },
  };
}

function ioSpace(): { root: MemoryRegion; as: AddressSpace } {
  const root = MemoryRegion.io("io", 0x10000, { read: (_o, size) => 2 ** (size * 8) - 1, write: () => undefined });
  return { root, as: new AddressSpace("I/O", root) };
}

function ram(name: string, size: number): MemoryRegion {
  return MemoryRegion.ram(name, sharedArrayRamAllocator.allocRam(name, size));
}

describe("flat view rendering", () => {
  it("resolves overlaps by priority, most recently added first among equals, and follows aliases", () => {
    const system = MemoryRegion.container("system", UINT64_SIZE);
    const pcRam = ram("pc.ram", 0x200000);
    const bios = MemoryRegion.rom("pc.bios", sharedArrayRamAllocator.allocRam("pc.bios", 0x10000));
    const pci = MemoryRegion.container("pci", UINT64_SIZE);
    system.addSubregion(0, MemoryRegion.alias("ram-below-4g", pcRam, 0, 0x200000));
    system.addSubregion(0, pci, -1);
    pci.addSubregion(0x100000 - 0x10000, MemoryRegion.alias("isa-bios", bios, 0, 0x10000), 1);
    pci.addSubregion(0x1_0000_0000 - 0x10000, bios);
    const pam = MemoryRegion.alias("pam-pci", pci, 0xf0000, 0x10000);
    system.addSubregion(0xf0000, pam, 1);
    const as = new AddressSpace("memory", system);
    const ranges = as.flatView.ranges.map((r) => [r.addr.toString(16), r.size.toString(16), r.mr.name, r.offsetInRegion.toString(16), r.readonly]);
    expect(ranges).toEqual([
      ["0", "f0000", "pc.ram", "0", false],
      ["f0000", "10000", "pc.bios", "0", true],
      ["100000", "100000", "pc.ram", "100000", false],
      ["ffff0000", "10000", "pc.bios", "0", true],
    ]);
    // PAM to RAM: the alias now points at RAM and the low RAM ranges merge into one.
    memoryRegionTransaction(() => {
      pam.setEnabled(false);
    });
    expect(as.flatView.ranges.map((r) => [r.addr.toString(16), r.size.toString(16), r.mr.name])).toEqual([
      ["0", "200000", "pc.ram"],
      ["ffff0000", "10000", "pc.bios"],
    ]);
    as.destroy();
  });

  it("fills an I/O region's holes with the region itself, with the offset into it", () => {
    const { root, as } = ioSpace();
    root.addSubregion(0x20, MemoryRegion.io("pic", 2, recorder()));
    const r = as.flatView.ranges.map((x) => `${x.addr.toString(16)}+${x.size.toString(16)} ${x.mr.name}@${x.offsetInRegion.toString(16)}`);
    expect(r).toEqual(["0+20 io@0", "20+2 pic@0", "22+ffde io@22"]);
    as.destroy();
  });
});

describe("memory listeners", () => {
  it("see deletions before additions, only for ranges that changed, batched by a transaction", () => {
    const system = MemoryRegion.container("system", UINT64_SIZE);
    const pcRam = ram("pc.ram", 0x100000);
    system.addSubregion(0, MemoryRegion.alias("ram-below-4g", pcRam, 0, 0x100000));
    const shadow = MemoryRegion.alias("pam-rom", pcRam, 0xe0000, 0x20000);
    shadow.setReadonly(true);
    const as = new AddressSpace("memory", system);
    const events: string[] = [];
    const fmt = (s: MemoryRegionSection): string => `${s.mr.name} ${s.addr.toString(16)}+${s.size.toString(16)}${s.readonly ? " ro" : ""}`;
    const listener: MemoryListener = {
      begin: () => events.push("begin"),
      regionAdd: (s) => events.push(`add ${fmt(s)}`),
      regionDel: (s) => events.push(`del ${fmt(s)}`),
      commit: () => events.push("commit"),
    };
    as.addListener(listener);
    expect(events).toEqual(["begin", "add pc.ram 0+100000", "commit"]);
    events.length = 0;
    memoryRegionTransaction(() => {
      system.addSubregion(0xe0000, shadow, 1);
    });
    expect(events).toEqual(["begin", "del pc.ram 0+100000", "add pc.ram 0+e0000", "add pc.ram e0000+20000 ro", "commit"]);
    events.length = 0;
    as.removeListener(listener);
    expect(events).toEqual(["begin", "del pc.ram 0+e0000", "del pc.ram e0000+20000 ro", "commit"]);
    as.destroy();
  });
});

describe("dispatch", () => {
  it("splits a word access to a byte-wide device into two byte accesses at consecutive offsets", () => {
    const { root, as } = ioSpace();
    const pic = recorder(0x10);
    root.addSubregion(0x20, MemoryRegion.io("pic", 2, pic, { impl: { min: 1, max: 1 } }));
    const buf = new Uint8Array(4);
    expect(as.write(0x20, Uint8Array.of(0x11, 0xfb), 0, 2)).toBe(MEMTX_OK);
    expect(as.read(0x20, buf, 0, 2)).toBe(MEMTX_OK);
    expect(pic.log).toEqual(["w1@0=11", "w1@1=fb", "r1@0", "r1@1"]);
    expect([...buf.subarray(0, 2)]).toEqual([0x10, 0x11]);
    as.destroy();
  });

  it("gives a dword at 0xCF8 whole to CONFIG_ADDRESS although 0xCF9 is another, higher-priority region", () => {
    const { root, as } = ioSpace();
    const idx = recorder();
    const rcr = recorder();
    root.addSubregion(0xcf8, MemoryRegion.io("pci-conf-idx", 4, idx));
    root.addSubregion(0xcf9, MemoryRegion.io("piix3-reset-control", 1, rcr, { impl: { min: 1, max: 1 } }), 1);
    as.write(0xcf8, Uint8Array.of(0x00, 0x08, 0x00, 0x80), 0, 4);
    as.write(0xcf9, Uint8Array.of(0x06), 0, 1);
    expect(idx.log).toEqual(["w4@0=80000800"]);
    expect(rcr.log).toEqual(["w1@0=6"]);
    as.destroy();
  });

  it("splits by valid.max_access_size and alignment, and widens to impl.min_access_size", () => {
    const { root, as } = ioSpace();
    const narrow = recorder();
    const wide = recorder(0x40302010);
    root.addSubregion(0x100, MemoryRegion.io("narrow", 8, narrow, { valid: { max: 1 } }));
    root.addSubregion(0x200, MemoryRegion.io("wide", 8, wide, { impl: { min: 4, max: 4 } }));
    as.write(0x100, Uint8Array.of(1, 2), 0, 2);
    // An unaligned dword at offset 2 of "wide": the bus splits it 2+2 (alignment), each widened to 4.
    const b = new Uint8Array(4);
    as.read(0x202, b, 0, 4);
    expect(narrow.log).toEqual(["w1@0=1", "w1@1=2"]);
    expect(wide.log).toEqual(["r4@2", "r4@4"]);
    expect([...b]).toEqual([0x12, 0x20, 0x14, 0x20]);
    as.destroy();
  });

  it("refuses accesses the region does not accept: reads give 0, writes are dropped", () => {
    const { root, as } = ioSpace();
    const fw = recorder(0x51);
    const ops: MemoryRegionOps = { valid: { accepts: (_o, size, isWrite) => size === 1 || (isWrite && size === 2) } };
    root.addSubregion(0x510, MemoryRegion.io("fwcfg", 2, fw, ops));
    const b = Uint8Array.of(0xaa, 0xaa);
    expect(as.read(0x510, b, 0, 2)).toBe(MEMTX_DECODE_ERROR);
    expect([...b]).toEqual([0, 0]);
    expect(as.write(0x510, Uint8Array.of(0x19, 0), 0, 2)).toBe(MEMTX_OK);
    expect(as.read(0x511, b, 0, 1)).toBe(MEMTX_OK);
    expect(fw.log).toEqual(["w2@0=19", "r1@1"]);
    as.destroy();
  });

  it("reads unassigned memory as 0 with a decode error, ignores writes to ROM and through a read-only alias", () => {
    const system = MemoryRegion.container("system", UINT64_SIZE);
    const pcRam = ram("pc.ram", 0x10000);
    const rom = MemoryRegion.rom("pc.rom", sharedArrayRamAllocator.allocRam("pc.rom", 0x1000));
    rom.ram!.bytes[0] = 0x55;
    const roAlias = MemoryRegion.alias("pam-rom", pcRam, 0x8000, 0x1000);
    roAlias.setReadonly(true);
    system.addSubregion(0, pcRam);
    system.addSubregion(0x20000, rom);
    system.addSubregion(0x30000, roAlias);
    const as = new AddressSpace("memory", system);
    const b = Uint8Array.of(9, 9);
    expect(as.read(0x50000, b, 0, 2)).toBe(MEMTX_DECODE_ERROR);
    expect([...b]).toEqual([0, 0]);
    expect(as.write(0x20000, Uint8Array.of(0x66), 0, 1)).toBe(MEMTX_DECODE_ERROR);
    expect(rom.ram!.bytes[0]).toBe(0x55);
    expect(as.write(0x30010, Uint8Array.of(0x77), 0, 1)).toBe(MEMTX_DECODE_ERROR);
    expect(pcRam.ram!.bytes[0x8010]).toBe(0);
    expect(as.write(0x8010, Uint8Array.of(0x77), 0, 1)).toBe(MEMTX_OK);
    expect(as.read(0x30010, b, 0, 1)).toBe(MEMTX_OK);
    expect(b[0]).toBe(0x77);
    // A RAM access crossing into a hole is clamped at the range, the rest is unassigned.
    const c = new Uint8Array(4).fill(0xee);
    pcRam.ram!.bytes.set([1, 2], 0xfffe);
    expect(as.read(0xfffe, c, 0, 4)).toBe(MEMTX_DECODE_ERROR);
    expect([...c]).toEqual([1, 2, 0, 0]);
    as.destroy();
  });
});

describe("GuestMemory", () => {
  it("moves bytes and little-endian values to RAM directly and to devices through dispatch", () => {
    const system = MemoryRegion.container("system", UINT64_SIZE);
    const pcRam = ram("pc.ram", 0x10000);
    const dev = recorder(0x100);
    system.addSubregion(0, pcRam);
    system.addSubregion(0xfee00000, MemoryRegion.io("mmio", 0x1000, dev));
    const as = new AddressSpace("memory", system);
    const mem = new GuestMemory(as);
    mem.writeU32(0x1000, 0xdeadbeef);
    mem.writeU64(0x2000, 0x1_2345_6789);
    expect(mem.readU16(0x1002)).toBe(0xdead);
    expect(mem.readU64(0x2000)).toBe(0x1_2345_6789);
    expect([...pcRam.ram!.bytes.subarray(0x1000, 0x1004)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(mem.readU32(0xfee00010)).toBe(0x110);
    expect(mem.write(0x20000, Uint8Array.of(1))).toBe(false);
    expect(mem.findRegion(0xfee00004)?.mr.name).toBe("mmio");
    expect(dev.log).toEqual(["r4@16"]);
    as.destroy();
  });
});

describe("info mtree", () => {
  it("prints trees, aliases and aliased regions as QEMU does", () => {
    const system = MemoryRegion.container("system", UINT64_SIZE);
    const pcRam = ram("pc.ram", 0x8000000);
    const bios = sharedArrayRamAllocator.allocRam("pc.bios", 0x10000);
    const biosMr = MemoryRegion.rom("pc.bios", bios);
    system.addSubregion(0, MemoryRegion.alias("ram-below-4g", pcRam, 0, 0x8000000));
    const pci = MemoryRegion.container("pci", UINT64_SIZE);
    system.addSubregion(0, pci, -1);
    pci.addSubregion(0xf0000, MemoryRegion.alias("isa-bios", biosMr, 0, 0x10000), 1);
    pci.addSubregion(0xffff0000, biosMr);
    const hidden = MemoryRegion.alias("pam-ram", pcRam, 0xc0000, 0x4000);
    hidden.setEnabled(false);
    system.addSubregion(0xc0000, hidden, 1);
    system.addSubregion(0xf0000, MemoryRegion.alias("pam-pci", pci, 0xf0000, 0x10000), 1);
    const as = new AddressSpace("memory", system);
    expect(formatMtree([as, { name: "cpu-memory-0", root: system }])).toBe(
      [
        "address-space: cpu-memory-0",
        "address-space: memory",
        "  0000000000000000-ffffffffffffffff (prio 0, i/o): system",
        "    0000000000000000-0000000007ffffff (prio 0, ram): alias ram-below-4g @pc.ram 0000000000000000-0000000007ffffff",
        "    0000000000000000-ffffffffffffffff (prio -1, i/o): pci",
        "      00000000000f0000-00000000000fffff (prio 1, rom): alias isa-bios @pc.bios 0000000000000000-000000000000ffff",
        "      00000000ffff0000-00000000ffffffff (prio 0, rom): pc.bios",
        "    00000000000f0000-00000000000fffff (prio 1, i/o): alias pam-pci @pci 00000000000f0000-00000000000fffff",
        "",
        "memory-region: pc.ram",
        "  0000000000000000-0000000007ffffff (prio 0, ram): pc.ram",
        "",
        "memory-region: pc.bios",
        "  00000000ffff0000-00000000ffffffff (prio 0, rom): pc.bios",
        "",
        "memory-region: pci",
        "  0000000000000000-ffffffffffffffff (prio -1, i/o): pci",
        "    00000000000f0000-00000000000fffff (prio 1, rom): alias isa-bios @pc.bios 0000000000000000-000000000000ffff",
        "    00000000ffff0000-00000000ffffffff (prio 0, rom): pc.bios",
        "",
        "",
      ].join("\n"),
    );
    expect(formatFlatViews([as])).toBe(
      [
        "FlatView #0",
        ' AS "memory", root: system',
        " Root memory region: system",
        "  0000000000000000-00000000000effff (prio 0, ram): pc.ram",
        "  00000000000f0000-00000000000fffff (prio 0, rom): pc.bios",
        "  0000000000100000-0000000007ffffff (prio 0, ram): pc.ram @0000000000100000",
        "  00000000ffff0000-00000000ffffffff (prio 0, rom): pc.bios",
        "",
        "",
      ].join("\n"),
    );
    as.destroy();
  });
});
