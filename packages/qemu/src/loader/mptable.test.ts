/**
 * The firmware MP table for direct kernel boot: read back the way a kernel reads it (Linux mpparse.c:
 * floating pointer search and checksum, configuration header checks, the entry walk), on a two-vCPU PCI
 * machine and on the ISA-only one, and placed in guest RAM by the loader when the machine has APICs.
 */
import { describe, expect, it } from "vitest";
import { CPU_GUESTS_DIR, QEMU_GUESTS_DIR, readGuest, runGuestRom } from "../machine/testing/guest-harness.js";
import { setupDirectBoot } from "./direct-boot.js";
import {
  MPTABLE_START, MPT_TYPE_BUS, MPT_TYPE_CPU, MPT_TYPE_INTSRC, MPT_TYPE_IOAPIC, MPT_TYPE_LOCAL_INT, MP_EXTINT, MP_INT, MP_NMI,
  buildMpTable,
} from "./mptable.js";

interface Parsed {
  physptr: number;
  oem: string;
  product: string;
  lapic: number;
  cpus: { apicid: number; ver: number; flags: number; sig: number; features: number }[];
  buses: { id: number; type: string }[];
  ioapics: { id: number; ver: number; flags: number; addr: number }[];
  ints: { kind: number; irqtype: number; flag: number; bus: number; busirq: number; dstapic: number; dstirq: number }[];
}

const sum = (b: Uint8Array, from: number, len: number): number => b.subarray(from, from + len).reduce((a, x) => (a + x) & 0xff, 0);

/** smp_scan_config + smp_check_mpc + the entry walk of smp_read_mpc, over memory that starts at `base`. */
function parse(mem: Uint8Array, base: number): Parsed {
  const v = new DataView(mem.buffer, mem.byteOffset);
  expect(String.fromCharCode(...mem.subarray(0, 4))).toBe("_MP_");
  expect(mem[8]).toBe(1);
  expect(mem[9]).toBe(4);
  expect(sum(mem, 0, 16)).toBe(0);
  expect(mem[11]).toBe(0); // feature byte 1: a configuration table follows, no default configuration
  const physptr = v.getUint32(4, true);
  const h = physptr - base;
  expect(String.fromCharCode(...mem.subarray(h, h + 4))).toBe("PCMP");
  const length = v.getUint16(h + 4, true);
  expect(sum(mem, h, length)).toBe(0);
  expect(mem[h + 6]).toBe(4);
  const count = v.getUint16(h + 34, true);
  const out: Parsed = {
    physptr,
    oem: String.fromCharCode(...mem.subarray(h + 8, h + 16)),
    product: String.fromCharCode(...mem.subarray(h + 16, h + 28)),
    lapic: v.getUint32(h + 36, true),
    cpus: [], buses: [], ioapics: [], ints: [],
  };
  let at = h + 44;
  for (let i = 0; i < count; i++) {
    const type = mem[at]!;
    if (type === MPT_TYPE_CPU) {
      out.cpus.push({ apicid: mem[at + 1]!, ver: mem[at + 2]!, flags: mem[at + 3]!, sig: v.getUint32(at + 4, true), features: v.getUint32(at + 8, true) });
      at += 20;
    } else if (type === MPT_TYPE_BUS) {
      out.buses.push({ id: mem[at + 1]!, type: String.fromCharCode(...mem.subarray(at + 2, at + 8)) });
      at += 8;
    } else if (type === MPT_TYPE_IOAPIC) {
      out.ioapics.push({ id: mem[at + 1]!, ver: mem[at + 2]!, flags: mem[at + 3]!, addr: v.getUint32(at + 4, true) });
      at += 8;
    } else {
      expect([MPT_TYPE_INTSRC, MPT_TYPE_LOCAL_INT]).toContain(type);
      out.ints.push({ kind: type, irqtype: mem[at + 1]!, flag: v.getUint16(at + 2, true), bus: mem[at + 4]!, busirq: mem[at + 5]!, dstapic: mem[at + 6]!, dstirq: mem[at + 7]! });
      at += 8;
    }
  }
  expect(at - h).toBe(length);
  return out;
}

describe("the MP table of a directly booted PC (SeaBIOS's layout)", () => {
  it("two vCPUs on the PCI machine: both processors, PCI and ISA buses, the IOAPIC, PCI pins, ISA IRQs with the IRQ0 override", () => {
    const table = buildMpTable(MPTABLE_START, {
      cpus: 2, cpuSignature: 0x663, cpuFeatures: 0x0781abfd, apicVersion: 0x14, irq0Override: true,
      // virtio-blk at 00:03.0 INTA# (IRQ 11), a two-function device at 00:04 using INTA# twice and INTB#.
      pci: [{ devfn: 3 << 3, pin: 1, irq: 11 }, { devfn: 4 << 3, pin: 1, irq: 10 }, { devfn: (4 << 3) | 1, pin: 1, irq: 10 }, { devfn: (4 << 3) | 2, pin: 2, irq: 11 }],
    });
    const p = parse(table, MPTABLE_START);
    expect(p.physptr).toBe(MPTABLE_START + 16);
    expect([p.oem, p.product, p.lapic]).toEqual(["BOCHSCPU", "0.1         ", 0xfee00000]);
    expect(p.cpus).toEqual([
      { apicid: 0, ver: 0x14, flags: 3, sig: 0x663, features: 0x0781abfd },
      { apicid: 1, ver: 0x14, flags: 1, sig: 0x663, features: 0x0781abfd },
    ]);
    expect(p.buses).toEqual([{ id: 0, type: "PCI   " }, { id: 1, type: "ISA   " }]);
    expect(p.ioapics).toEqual([{ id: 0, ver: 0x11, flags: 1, addr: 0xfec00000 }]);
    const intsrc = p.ints.filter((e) => e.kind === MPT_TYPE_INTSRC);
    // PCI: (slot << 2) | (pin - 1) on bus 0, active high, to the pin of the routed IRQ; one entry per slot and pin.
    expect(intsrc.filter((e) => e.bus === 0).map((e) => [e.busirq, e.dstirq, e.flag])).toEqual([[12, 11, 1], [16, 10, 1], [17, 11, 1]]);
    // ISA: every IRQ but the PCI ones (5, 9, 10, 11) and the cascade, IRQ 0 on pin 2.
    expect(intsrc.filter((e) => e.bus === 1).map((e) => [e.busirq, e.dstirq])).toEqual(
      [[0, 2], [1, 1], [3, 3], [4, 4], [6, 6], [7, 7], [8, 8], [12, 12], [13, 13], [14, 14], [15, 15]]);
    expect(intsrc.every((e) => e.irqtype === MP_INT && e.dstapic === 0)).toBe(true);
    expect(p.ints.filter((e) => e.kind === MPT_TYPE_LOCAL_INT)).toEqual([
      { kind: MPT_TYPE_LOCAL_INT, irqtype: MP_EXTINT, flag: 0, bus: 1, busirq: 0, dstapic: 0, dstirq: 0 },
      { kind: MPT_TYPE_LOCAL_INT, irqtype: MP_NMI, flag: 0, bus: 1, busirq: 0, dstapic: 0xff, dstirq: 1 },
    ]);
  });

  it("the ISA-only machine: no PCI bus, ISA is bus 0, and without the override IRQ 0 and 2 keep their own pins", () => {
    const p = parse(buildMpTable(0x9fc00, { cpus: 1, cpuSignature: 0x633, cpuFeatures: 0x201, apicVersion: 0x14, irq0Override: false, pci: undefined }), 0x9fc00);
    expect(p.cpus).toHaveLength(1);
    expect(p.buses).toEqual([{ id: 0, type: "ISA   " }]);
    expect(p.ints.filter((e) => e.kind === MPT_TYPE_INTSRC).map((e) => [e.busirq, e.dstirq]).slice(0, 3)).toEqual([[0, 0], [1, 1], [2, 2]]);
  });
});

describe("the loader writes it when the machine has APICs", () => {
  const firmware = readGuest(CPU_GUESTS_DIR, "hello.bin");
  const directBoot = (kernelIrqchip: "on" | "off", smp: number): { table: Uint8Array; features: number } => {
    const r = runGuestRom(firmware, {
      keep: true, maxSteps: 0, kernelIrqchip, smp,
      setup: (pc) => void setupDirectBoot(pc, { kernelPath: `${QEMU_GUESTS_DIR}linux-bzimage.bin`, append: "x" }, firmware.length),
    });
    const table = new Uint8Array(0x400);
    r.pc.guestMemory.read(MPTABLE_START, table);
    const features = r.pc.bootCpuid.features;
    r.pc.destroy();
    return { table, features };
  };

  it("kernel_irqchip=on, -smp 2: the table at 9FC00h lists both vCPUs with CPUID.01H:EDX, which has the APIC bit", () => {
    const { table, features } = directBoot("on", 2);
    expect(features & (1 << 9)).not.toBe(0);
    const p = parse(table, MPTABLE_START);
    expect(p.cpus.map((c) => [c.apicid, c.flags, c.features])).toEqual([[0, 3, features], [1, 1, features]]);
    expect(p.buses.map((b) => b.type)).toEqual(["PCI   ", "ISA   "]);
  });

  it("kernel_irqchip=off with -smp 2: the machine warns that the second vCPU cannot be started", () => {
    const r = runGuestRom(firmware, { keep: true, maxSteps: 0, kernelIrqchip: "off", smp: 2 });
    expect(r.pc.cpuWarnings).toContain("-smp 2: with kernel_irqchip=off there is no local APIC to start CPU 1 with (virtkit has no user-space APIC); use -machine kernel_irqchip=on");
    r.pc.destroy();
  });

  it("kernel_irqchip=off: no local APIC, so no APIC bit in CPUID and no MP table", () => {
    const { table, features } = directBoot("off", 1);
    expect(features & (1 << 9)).toBe(0);
    expect(String.fromCharCode(...table.subarray(0, 4))).not.toBe("_MP_");
  });
});
