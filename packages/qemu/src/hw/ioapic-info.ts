/**
 * HMP "info pic" lines of an I/O APIC (QEMU hw/intc/ioapic_common.c ioapic_print_redtbl and
 * ioapic_irr_dump): the version, ID and register select, each of the 24 redirection entries decoded
 * (Intel 82093AA datasheet §3.2.4), then the pins whose interrupt request is latched and the
 * level-triggered pins waiting for an EOI.
 */

/** IOAPIC_REG_REDTBL_BASE: the register-select value of redirection entry 0's low dword. */
const IOAPIC_REG_REDTBL_BASE = 0x10;
/** Redirection-entry fields (QEMU include/hw/i386/ioapic_internal.h IOAPIC_LVT_*). */
const IOAPIC_LVT_DEST_SHIFT = 56;
const IOAPIC_LVT_MASKED = 1 << 16;
const IOAPIC_LVT_TRIGGER_MODE = 1 << 15;
const IOAPIC_LVT_REMOTE_IRR = 1 << 14;
const IOAPIC_LVT_POLARITY = 1 << 13;
const IOAPIC_LVT_DEST_MODE = 1 << 11;
const IOAPIC_VECTOR_MASK = 0xff;
const DELIVERY_MODES = ["fixed", "lowest", "SMI", "...", "NMI", "INIT", "...", "extINT"];

export interface IoapicInfo {
  version: number;
  id: number;
  /** IOREGSEL as QEMU keeps it (a byte). */
  ioregsel: number;
  irr: number;
  /** The redirection entries, 64 bits each. */
  redirtbl: readonly bigint[];
}

function pinList(name: string, bitmap: number, pins: number): string {
  let out = `${name.padEnd(10)} `;
  if (bitmap === 0) return `${out}(none)\n`;
  for (let i = 0; i < pins; i++) if (bitmap & (1 << i)) out += `${String(i).padEnd(2)} `;
  return `${out}\n`;
}

export function ioapicInfo(s: IoapicInfo): string {
  const sel = s.ioregsel & 0xff;
  // (ioregsel - base) >> 1 in C's int arithmetic, printed with %u
  let out = `ioapic0: ver=0x${s.version.toString(16)} id=0x${s.id.toString(16).padStart(2, "0")} sel=0x${sel.toString(16).padStart(2, "0")}`;
  out += sel !== 0 ? ` (redir[${((sel - IOAPIC_REG_REDTBL_BASE) >> 1) >>> 0}])\n` : "\n";
  let remoteIrr = 0;
  s.redirtbl.forEach((entry, i) => {
    const lo = Number(entry & 0xffffffffn);
    const dest = Number(entry >> BigInt(IOAPIC_LVT_DEST_SHIFT)) & (lo & IOAPIC_LVT_DEST_MODE ? 0xff : 0xf);
    out +=
      `  pin ${String(i).padEnd(2)} 0x${entry.toString(16).padStart(16, "0")} dest=${dest.toString(16)}` +
      ` vec=${String(lo & IOAPIC_VECTOR_MASK).padEnd(3)} ${lo & IOAPIC_LVT_POLARITY ? "active-lo" : "active-hi"}` +
      ` ${(lo & IOAPIC_LVT_TRIGGER_MODE ? "level" : "edge").padEnd(5)} ${(lo & IOAPIC_LVT_MASKED ? "masked" : "").padEnd(6)}` +
      ` ${DELIVERY_MODES[(lo >>> 8) & 7]!.padEnd(6)} ${lo & IOAPIC_LVT_DEST_MODE ? "logical" : "physical"}\n`;
    if (lo & IOAPIC_LVT_TRIGGER_MODE && lo & IOAPIC_LVT_REMOTE_IRR) remoteIrr |= 1 << i;
  });
  return out + pinList("  IRR", s.irr, s.redirtbl.length) + pinList("  Remote IRR", remoteIrr, s.redirtbl.length);
}
