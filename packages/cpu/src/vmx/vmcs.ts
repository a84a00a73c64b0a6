/**
 * The current VMCS as the processor holds it on chip, and its in-memory form. SDM vol. 3C §24.2 leaves
 * the region's layout to the implementation apart from the revision identifier (offset 0) and the
 * VMX-abort indicator (offset 4); software must use VMREAD/VMWRITE. Here the data lives in the cache
 * while the VMCS is current and is written to the region on VMCLEAR (or when another VMCS is made
 * current), in a private slot layout: launch state at offset 8, then 8 bytes per component.
 */
import type { PhysicalMemory } from "../core/physical-memory.js";
import {
  VMCS_FIELDS, VMCS_FIELD_RESERVED_MASK, WIDTH_16, WIDTH_32, WIDTH_64, WIDTH_NATURAL, fieldWidth, isHighAccess,
} from "./vmcs-fields.js";

const SLOT_OF = new Int16Array(0x8000).fill(-1);
VMCS_FIELDS.forEach(([, enc], i) => {
  SLOT_OF[enc] = i;
});
export const VMCS_SLOTS = VMCS_FIELDS.length;

const OFFSET_ABORT = 4;
const OFFSET_LAUNCH_STATE = 8;
const OFFSET_DATA = 16;

/** Slot of a full-access encoding, or -1 when the processor has no such component. */
export function vmcsSlot(encoding: number): number {
  if ((encoding & VMCS_FIELD_RESERVED_MASK) !== 0) return -1;
  const full = encoding & ~1;
  const slot = SLOT_OF[full]!;
  if (slot < 0) return -1;
  // A high-half access exists only for 64-bit components.
  if (isHighAccess(encoding) && fieldWidth(full) !== WIDTH_64) return -1;
  return slot;
}

/** Bits a component holds: 16, 32 or 64 (natural width is 32 on this 32-bit processor). */
function widthMask(encoding: number): number {
  switch (fieldWidth(encoding)) {
    case WIDTH_16: return 0xffff;
    case WIDTH_32:
    case WIDTH_NATURAL:
      return 0xffffffff;
    default: return -1;
  }
}

export class VmcsCache {
  readonly lo = new Uint32Array(VMCS_SLOTS);
  readonly hi = new Uint32Array(VMCS_SLOTS);
  /** Launch state: false "clear", true "launched" (SDM vol. 3C §24.1). */
  launched = false;

  /** Internal read of a component known to exist (entry/exit microcode). Returns the low 32 bits as unsigned. */
  get(encoding: number): number {
    return this.lo[SLOT_OF[encoding]!]!;
  }

  /** 64-bit component as a number (exact below 2^53). */
  get64(encoding: number): number {
    const s = SLOT_OF[encoding]!;
    return this.hi[s]! * 0x100000000 + this.lo[s]!;
  }

  getHigh(encoding: number): number {
    return this.hi[SLOT_OF[encoding]!]!;
  }

  /** Internal write of a component known to exist, truncated to its width. */
  set(encoding: number, value: number): void {
    const s = SLOT_OF[encoding]!;
    const w = fieldWidth(encoding);
    if (w === WIDTH_64) {
      this.lo[s] = value >>> 0;
      this.hi[s] = value > 0xffffffff ? Math.floor(value / 0x100000000) >>> 0 : 0;
    } else {
      this.lo[s] = (value & widthMask(encoding)) >>> 0;
    }
  }

  set64(encoding: number, lo: number, hi: number): void {
    const s = SLOT_OF[encoding]!;
    this.lo[s] = lo >>> 0;
    this.hi[s] = hi >>> 0;
  }

  clear(): void {
    this.lo.fill(0);
    this.hi.fill(0);
    this.launched = false;
  }

  /** Writes the cached data to the region at `hpa` (VMCLEAR, or switching current VMCS). */
  flushTo(mem: PhysicalMemory, hpa: number): void {
    mem.write32(hpa + OFFSET_LAUNCH_STATE, this.launched ? 1 : 0);
    for (let s = 0; s < VMCS_SLOTS; s++) {
      mem.write32(hpa + OFFSET_DATA + s * 8, this.lo[s]!);
      mem.write32(hpa + OFFSET_DATA + s * 8 + 4, this.hi[s]!);
    }
  }

  /** Loads the region at `hpa` into the cache (VMPTRLD). */
  loadFrom(mem: PhysicalMemory, hpa: number): void {
    this.launched = mem.read32(hpa + OFFSET_LAUNCH_STATE) === 1;
    for (let s = 0; s < VMCS_SLOTS; s++) {
      this.lo[s] = mem.read32(hpa + OFFSET_DATA + s * 8);
      this.hi[s] = mem.read32(hpa + OFFSET_DATA + s * 8 + 4);
    }
  }
}

/** Marks a region "clear" in memory without making it current (VMCLEAR of a non-current VMCS). */
export function clearRegionLaunchState(mem: PhysicalMemory, hpa: number): void {
  mem.write32(hpa + OFFSET_LAUNCH_STATE, 0);
}

export function writeAbortIndicator(mem: PhysicalMemory, hpa: number, abort: number): void {
  mem.write32(hpa + OFFSET_ABORT, abort);
}

/**
 * VMREAD semantics for a component: the value as the instruction returns it in 32-bit operation
 * (full access of a 64-bit field gives bits 31:0, high access bits 63:32).
 */
export function vmcsReadComponent(cache: VmcsCache, encoding: number): number {
  const s = vmcsSlot(encoding);
  return isHighAccess(encoding) ? cache.hi[s]! : cache.lo[s]!;
}

/**
 * VMWRITE semantics: a 16-bit component keeps the low 16 bits; a full write of a 64-bit component from
 * a 32-bit operand sets bits 31:0 and clears 63:32 (write the high half afterwards, as 32-bit hosts do).
 */
export function vmcsWriteComponent(cache: VmcsCache, encoding: number, value: number): void {
  const s = vmcsSlot(encoding);
  const full = encoding & ~1;
  if (isHighAccess(encoding)) {
    cache.hi[s] = value >>> 0;
  } else if (fieldWidth(full) === WIDTH_64) {
    cache.lo[s] = value >>> 0;
    cache.hi[s] = 0;
  } else {
    cache.lo[s] = (value & widthMask(full)) >>> 0;
  }
}
