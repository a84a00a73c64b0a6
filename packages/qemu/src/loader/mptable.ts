/*
 * The MultiProcessor Specification table (Intel MP Spec 1.4, chapter 4) a PC firmware leaves for the
 * kernel: which processors exist and their local APIC IDs, the buses, the I/O APIC and how each bus
 * interrupt reaches an I/O APIC pin. With no ACPI, this is how a kernel finds the second CPU and the
 * IOAPIC at all (Linux: arch/x86/kernel/mpparse.c); without it a 32-bit Linux stays in PIC mode with
 * one CPU ("smpboot: weird, boot CPU (#0) not listed by the BIOS").
 *
 * When a kernel is booted directly no BIOS runs, so the loader writes what SeaBIOS's mptable_setup
 * (src/fw/mptable.c, 1.16) writes on QEMU's pc machine, entry for entry: one processor entry per vCPU,
 * the PCI bus 0 (when there is one) and the ISA bus, the IOAPIC with ID 0 at FEC00000h, an INT entry per
 * PCI slot/pin in use (to the pin of the IRQ the firmware routed it to), the ISA IRQs 0-15 other than the
 * PCI ones (5, 9, 10, 11) with ISA IRQ 0 on pin 2 (the IRQ0 override), and ExtINT to LINT0 of the BSP and
 * NMI to LINT1 of every APIC. It goes at 9FC00h, the last KiB of base memory that Linux scans first
 * (mpparse.c default_find_smp_config) and where QEMU's qboot firmware puts it too; the e820 map the
 * loader gives the kernel already reserves that KiB.
 */

/** Where the floating pointer structure goes (qboot's MPTABLE_START). */
export const MPTABLE_START = 0x9fc00;
/** "_MP_" and "PCMP" (MP Spec 4.1, 4.2). */
const MPTABLE_SIGNATURE = 0x5f504d5f;
const MPCONFIG_SIGNATURE = 0x504d4350;
/** MP Spec revision 1.4. */
const MP_SPEC_REV = 4;
/** Entry types (MP Spec table 4-3). */
export const MPT_TYPE_CPU = 0;
export const MPT_TYPE_BUS = 1;
export const MPT_TYPE_IOAPIC = 2;
export const MPT_TYPE_INTSRC = 3;
export const MPT_TYPE_LOCAL_INT = 4;
/** Interrupt types (MP Spec table 4-8). */
export const MP_INT = 0;
export const MP_NMI = 1;
export const MP_EXTINT = 3;
/** Processor entry CPU flags (MP Spec 4.3.1): EN and BP. */
const CPUFLAG_ENABLED = 0x01;
const CPUFLAG_BOOTPROCESSOR = 0x02;
/** SeaBIOS config.h: BUILD_CPUNAME8, BUILD_APIC_ADDR, BUILD_IOAPIC_ADDR, BUILD_IOAPIC_ID, BUILD_PCI_IRQS. */
const MP_OEM_ID = "BOCHSCPU";
const MP_PRODUCT_ID = "0.1         ";
export const MP_APIC_ADDR = 0xfee00000;
export const MP_IOAPIC_ADDR = 0xfec00000;
export const MP_IOAPIC_ID = 0;
/** The local APIC version KVM's APICs report (LVR bits 7:0; lapic.c APIC_VERSION), which SeaBIOS reads back. */
export const MP_KVM_APIC_VERSION = 0x14;
/** The 82093AA's version register value (SeaBIOS writes 0x11). */
const MP_IOAPIC_VERSION = 0x11;
/** ISA IRQs the firmware may route PCI interrupts to: no ISA entry for them. */
const MP_PCI_IRQS = (1 << 5) | (1 << 9) | (1 << 10) | (1 << 11);

const FLOATING_SIZE = 16;
const CONFIG_HEADER_SIZE = 44;
const CPU_ENTRY_SIZE = 20;

/** One interrupt pin of a function on PCI bus 0 and the ISA IRQ the firmware gave it (Interrupt Line). */
export interface MpPciInterrupt {
  devfn: number;
  /** Interrupt Pin: 1 = INTA# ... 4 = INTD#. */
  pin: number;
  irq: number;
}

export interface MpTableConfig {
  /** vCPUs; their local APIC IDs are 0..cpus-1 and vCPU 0 is the bootstrap processor. */
  cpus: number;
  /** CPUID.01H:EAX and EDX of the boot processor. */
  cpuSignature: number;
  cpuFeatures: number;
  /** The local APIC version register's low byte. */
  apicVersion: number;
  /** PCI bus 0's interrupt pins in devfn order, or undefined on a machine without PCI (isapc). */
  pci: readonly MpPciInterrupt[] | undefined;
  /** ISA IRQ 0 is wired to IOAPIC pin 2 (QEMU's etc/irq0-override). */
  irq0Override: boolean;
}

function checksumFix(b: Uint8Array, start: number, length: number, at: number): void {
  let sum = 0;
  for (let i = start; i < start + length; i++) sum += b[i]!;
  b[at] = (b[at]! - sum) & 0xff;
}

/** The floating pointer and the configuration table after it, for address `base`. */
export function buildMpTable(base: number, cfg: MpTableConfig): Uint8Array {
  const entries: Uint8Array[] = [];
  const small = (bytes: number[]): void => {
    entries.push(Uint8Array.from(bytes));
  };
  for (let id = 0; id < cfg.cpus; id++) {
    const e = new Uint8Array(CPU_ENTRY_SIZE);
    const v = new DataView(e.buffer);
    e[0] = MPT_TYPE_CPU;
    e[1] = id;
    e[2] = cfg.apicVersion;
    e[3] = CPUFLAG_ENABLED | (id === 0 ? CPUFLAG_BOOTPROCESSOR : 0);
    v.setUint32(4, cfg.cpuSignature, true);
    v.setUint32(8, cfg.cpuFeatures, true);
    entries.push(e);
  }
  const bus = (id: number, type: string): void => {
    small([MPT_TYPE_BUS, id, ...Array.from(type, (c) => c.charCodeAt(0))]);
  };
  if (cfg.pci !== undefined) bus(0, "PCI   ");
  const isaBus = cfg.pci !== undefined ? 1 : 0;
  bus(isaBus, "ISA   ");
  small([MPT_TYPE_IOAPIC, MP_IOAPIC_ID, MP_IOAPIC_VERSION, 1, ...le32(MP_IOAPIC_ADDR)]);
  // One entry per slot and pin in use (the first function that uses a pin speaks for the slot).
  let slot = -1;
  let pinMask = 0;
  for (const p of cfg.pci ?? []) {
    if (p.pin < 1 || p.pin > 4) continue;
    if (slot !== p.devfn >> 3) {
      slot = p.devfn >> 3;
      pinMask = 0;
    }
    if (pinMask & (1 << p.pin)) continue;
    pinMask |= 1 << p.pin;
    // irqflag 1: active high, trigger as the bus defines it (level for PCI).
    small([MPT_TYPE_INTSRC, MP_INT, 1, 0, 0, (slot << 2) | (p.pin - 1), MP_IOAPIC_ID, p.irq]);
  }
  for (let irq = 0; irq < 16; irq++) {
    if (MP_PCI_IRQS & (1 << irq)) continue;
    // Source IRQ 2 is the cascade: with the override, pin 2 is ISA IRQ 0's and IRQ 2 has no entry.
    if (cfg.irq0Override && irq === 2) continue;
    small([MPT_TYPE_INTSRC, MP_INT, 0, 0, isaBus, irq, MP_IOAPIC_ID, cfg.irq0Override && irq === 0 ? 2 : irq]);
  }
  small([MPT_TYPE_LOCAL_INT, MP_EXTINT, 0, 0, isaBus, 0, 0, 0]);
  small([MPT_TYPE_LOCAL_INT, MP_NMI, 0, 0, isaBus, 0, 0xff, 1]);

  const configLength = CONFIG_HEADER_SIZE + entries.reduce((n, e) => n + e.length, 0);
  const out = new Uint8Array(FLOATING_SIZE + configLength);
  const v = new DataView(out.buffer);
  // Floating pointer (MP Spec 4.1): no default configuration (feature byte 1 = 0), no IMCR.
  v.setUint32(0, MPTABLE_SIGNATURE, true);
  v.setUint32(4, base + FLOATING_SIZE, true);
  out[8] = 1;
  out[9] = MP_SPEC_REV;
  checksumFix(out, 0, FLOATING_SIZE, 10);
  // Configuration table header (MP Spec 4.2).
  const h = FLOATING_SIZE;
  v.setUint32(h, MPCONFIG_SIGNATURE, true);
  v.setUint16(h + 4, configLength, true);
  out[h + 6] = MP_SPEC_REV;
  out.set(Array.from(MP_OEM_ID, (c) => c.charCodeAt(0)), h + 8);
  out.set(Array.from(MP_PRODUCT_ID, (c) => c.charCodeAt(0)), h + 16);
  v.setUint16(h + 34, entries.length, true);
  v.setUint32(h + 36, MP_APIC_ADDR, true);
  let at = h + CONFIG_HEADER_SIZE;
  for (const e of entries) {
    out.set(e, at);
    at += e.length;
  }
  checksumFix(out, h, configLength, h + 7);
  return out;
}

function le32(x: number): number[] {
  return [x & 0xff, (x >>> 8) & 0xff, (x >>> 16) & 0xff, (x >>> 24) & 0xff];
}
