/**
 * The current VMCS as the processor holds it on chip, and its in-memory form. SDM vol. 3C §24.2 leaves
 * the region's layout to the implementation apart from the revision identifier (offset 0) and the
 * VMX-abort indicator (offset 4); software must use VMREAD/VMWRITE. Here the data lives in the cache
 * while the VMCS is current and is written to the region on VMCLEAR (or when another VMCS is made
 * current), in a private slot layout: launch state at offset 8, then 8 bytes per component.
 */
import type { PhysicalMemory } from "../core/physical-memory.js";
import {
  VMCS_FIELDS, VMCS_FIELD_RESERVED_MASK, WIDTH_16, WIDTH_64, fieldWidth, isHighAccess,
} from "./vmcs-fields.js";

const SLOT_OF = new Int16Array(0x8000).fill(-1);
VMCS_FIELDS.forEach(([, enc], i) => {
  SLOT_OF[enc] = i;
});
export const VMCS_SLOTS = VMCS_FIELDS.length;
/** Per slot: the bits a component holds below bit 32 (16-bit components keep 16; 32-bit and natural-width 32; 64-bit 32 in `lo`). */
const LO_MASK = new Int32Array(VMCS_SLOTS);
/** Per slot: 1 for 64-bit components (they have a high half). */
const IS_64 = new Uint8Array(VMCS_SLOTS);
VMCS_FIELDS.forEach(([, enc], i) => {
  const w = fieldWidth(enc);
  LO_MASK[i] = w === WIDTH_16 ? 0xffff : -1;
  IS_64[i] = w === WIDTH_64 ? 1 : 0;
});
/**
 * Per slot: the bits of the low and high halves that some VM-entry check reads (vm-entry.ts registers them
 * with markEntryChecked). A write that changes one of those bits invalidates the cached outcome of the checks
 * (VmcsCache.checksPassed), so the next entry runs them again; writes to other components or bits do not.
 */
const CHECK_LO = new Int32Array(VMCS_SLOTS);
const CHECK_HI = new Int32Array(VMCS_SLOTS);

/** Per slot: 1 for the controls VM entry decodes into VmxCpuState (vm-entry.ts registers them with markEntryDecoded). */
const DECODED = new Uint8Array(VMCS_SLOTS);

/** Declares that VM entry decodes component `encoding` into the processor's VMX state (loadGuestState). */
export function markEntryDecoded(encoding: number): void {
  const s = SLOT_OF[encoding & ~1]!;
  if (s < 0) throw new Error(`markEntryDecoded: no VMCS component 0x${encoding.toString(16)}`);
  DECODED[s] = 1;
}

/** True when VM entry decodes component `encoding` (for tests). */
export function isEntryDecoded(encoding: number): boolean {
  const s = SLOT_OF[encoding & ~1]!;
  return s >= 0 && DECODED[s] === 1;
}

/**
 * Declares that the VM-entry checks read component `encoding` (its bits `loMask`, and `hiMask` of a 64-bit
 * component's high half). Called once per checked component when vm-entry.ts loads.
 */
export function markEntryChecked(encoding: number, loMask = -1, hiMask = -1): void {
  const s = SLOT_OF[encoding & ~1]!;
  if (s < 0) throw new Error(`markEntryChecked: no VMCS component 0x${encoding.toString(16)}`);
  CHECK_LO[s] = CHECK_LO[s]! | loMask;
  if (IS_64[s]) CHECK_HI[s] = CHECK_HI[s]! | hiMask;
}

/** True when the VM-entry checks read some bit of component `encoding` (for tests). */
export function isEntryChecked(encoding: number): boolean {
  const s = SLOT_OF[encoding & ~1]!;
  return s >= 0 && (CHECK_LO[s] !== 0 || CHECK_HI[s] !== 0);
}

const OFFSET_ABORT = 4;
const OFFSET_LAUNCH_STATE = 8;
const OFFSET_DATA = 16;

/** Slots of components the processor has, for VmcsCache.storeSlots / loadSlots (throws for an unknown one). */
export function slotsOf(encodings: readonly number[]): Int16Array {
  return Int16Array.from(encodings, (e) => {
    const s = SLOT_OF[e]!;
    if (s < 0 || IS_64[s]) throw new Error(`slotsOf: 0x${e.toString(16)} is not a component of at most 32 bits`);
    return s;
  });
}

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

export class VmcsCache {
  /** The components' halves by slot. Write them only through the methods here, which keep `checksPassed` right. */
  readonly lo = new Uint32Array(VMCS_SLOTS);
  readonly hi = new Uint32Array(VMCS_SLOTS);
  /** The low halves again as signed 32-bit values (the same memory), for comparisons with the processor's Int32Array registers. Read-only by convention. */
  readonly loSigned = new Int32Array(this.lo.buffer);
  /** Launch state: false "clear", true "launched" (SDM vol. 3C §24.1). */
  launched = false;
  /**
   * The VM-entry checks on the controls, host state and guest state (SDM vol. 3C §26.2, §26.3.1) passed for
   * the current contents and no bit they read has changed since. The checks depend on nothing but these
   * components, so VM entry may skip them while this holds; any write that changes a checked bit clears it.
   */
  checksPassed = false;
  /**
   * The controls VM entry decodes (VmxCpuState.pin, proc, exceptionBitmap, ...) were decoded from the current
   * contents and none of them changed since, so the next entry may keep the decoded values.
   */
  controlsDecoded = false;

  /** Stores `value` in slot `s`'s low half, noting whether a checked bit changed. */
  private storeLo(s: number, value: number): void {
    const old = this.lo[s]!;
    if (old === value) return;
    this.lo[s] = value;
    if (((old ^ value) & CHECK_LO[s]!) !== 0) this.checksPassed = false;
    if (DECODED[s] !== 0) this.controlsDecoded = false;
  }

  private storeHi(s: number, value: number): void {
    const old = this.hi[s]!;
    if (old === value) return;
    this.hi[s] = value;
    if (((old ^ value) & CHECK_HI[s]!) !== 0) this.checksPassed = false;
    if (DECODED[s] !== 0) this.controlsDecoded = false;
  }

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
    if (IS_64[s]) {
      this.storeLo(s, value >>> 0);
      this.storeHi(s, value > 0xffffffff ? Math.floor(value / 0x100000000) >>> 0 : 0);
    } else {
      this.storeLo(s, (value & LO_MASK[s]!) >>> 0);
    }
  }

  set64(encoding: number, lo: number, hi: number): void {
    const s = SLOT_OF[encoding]!;
    this.storeLo(s, lo >>> 0);
    this.storeHi(s, hi >>> 0);
  }

  /** VMWRITE's store to slot `s` (see vmcsWriteComponent). */
  writeSlot(s: number, high: boolean, value: number): void {
    if (high) {
      this.storeHi(s, value >>> 0);
    } else if (IS_64[s]) {
      this.storeLo(s, value >>> 0);
      this.storeHi(s, 0);
    } else {
      this.storeLo(s, (value & LO_MASK[s]!) >>> 0);
    }
  }

  /**
   * Stores values[i] into slot slots[i] for every i, as set() would one by one (components of at most 32 bits:
   * the guest-state save of a VM exit, in one loop without a call per component).
   */
  storeSlots(slots: Int16Array, values: Int32Array): void {
    const lo = this.lo;
    let checked = 0, decoded = 0;
    for (let i = 0; i < slots.length; i++) {
      const s = slots[i]!;
      const value = (values[i]! & LO_MASK[s]!) >>> 0;
      const old = lo[s]!;
      if (old !== value) {
        lo[s] = value;
        checked |= (old ^ value) & CHECK_LO[s]!;
        decoded |= DECODED[s]!;
      }
    }
    if (checked !== 0) this.checksPassed = false;
    if (decoded !== 0) this.controlsDecoded = false;
  }

  /** values[i] = the low 32 bits of slot slots[i], for every i (state loading in one loop). */
  loadSlots(slots: Int16Array, values: Int32Array): void {
    const lo = this.lo;
    for (let i = 0; i < slots.length; i++) values[i] = lo[slots[i]!]!;
  }

  clear(): void {
    this.lo.fill(0);
    this.hi.fill(0);
    this.launched = false;
    this.checksPassed = false;
    this.controlsDecoded = false;
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
    // Another VMCS (or this one after software may have edited its region): the checks run again.
    this.checksPassed = false;
    this.controlsDecoded = false;
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
  cache.writeSlot(vmcsSlot(encoding), isHighAccess(encoding), value);
}
