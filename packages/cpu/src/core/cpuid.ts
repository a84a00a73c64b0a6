/**
 * CPUID (SDM vol. 2A CPUID). The table holds entries in the shape of `struct kvm_cpuid_entry2` so the
 * layer above can replace it wholesale (KVM_SET_CPUID2). Lookup follows Intel's rules: a basic leaf
 * above the maximum returns the highest basic leaf's data.
 */
export interface CpuidEntry {
  function: number;
  index: number;
  /** Bit 0 KVM_CPUID_FLAG_SIGNIFCANT_INDEX: the entry applies only to this sub-leaf. */
  flags: number;
  eax: number;
  ebx: number;
  ecx: number;
  edx: number;
}

export const KVM_CPUID_FLAG_SIGNIFCANT_INDEX = 1;

// Leaf 1 EDX feature bits (SDM vol. 2A table 3-11).
export const CPUID_FPU = 1 << 0;
export const CPUID_VME = 1 << 1;
export const CPUID_DE = 1 << 2;
export const CPUID_PSE = 1 << 3;
export const CPUID_TSC = 1 << 4;
export const CPUID_MSR = 1 << 5;
export const CPUID_PAE = 1 << 6;
export const CPUID_MCE = 1 << 7;
export const CPUID_CX8 = 1 << 8;
export const CPUID_APIC = 1 << 9;
export const CPUID_SEP = 1 << 11;
export const CPUID_MTRR = 1 << 12;
export const CPUID_PGE = 1 << 13;
export const CPUID_CMOV = 1 << 15;
export const CPUID_PAT = 1 << 16;
export const CPUID_FXSR = 1 << 24;
// Leaf 1 ECX.
export const CPUID_EXT_VMX = 1 << 5;

/** Family 6, model 15, stepping 11 (a P6-family signature: the "686" class Linux requires). */
export const DEFAULT_SIGNATURE = (6 << 8) | (15 << 4) | 11;
export const BRAND_STRING = "virtkit i686 CPU with VMX";

function str4(s: string, at: number): number {
  let v = 0;
  for (let i = 0; i < 4; i++) v |= (s.charCodeAt(at + i) & 0xff) << (8 * i);
  return v;
}

export class CpuidTable {
  entries: CpuidEntry[];
  constructor(entries: CpuidEntry[]) {
    this.entries = entries;
  }

  /** EAX of leaf 1: the processor signature, also EDX after RESET. */
  get signature(): number {
    return this.find(1, 0)?.eax ?? DEFAULT_SIGNATURE;
  }

  /** Whether leaf 1 advertises VMX (the VMX capability MSRs exist only then). */
  get vmx(): boolean {
    return ((this.find(1, 0)?.ecx ?? 0) & CPUID_EXT_VMX) !== 0;
  }

  find(fn: number, index: number): CpuidEntry | undefined {
    for (const e of this.entries) {
      if (e.function === fn >>> 0 && ((e.flags & KVM_CPUID_FLAG_SIGNIFCANT_INDEX) === 0 || e.index === index >>> 0)) return e;
    }
    return undefined;
  }

  /** Executes CPUID for EAX=fn, ECX=index; writes [eax, ebx, ecx, edx] into `out`. */
  query(fn: number, index: number, out: Int32Array): void {
    fn >>>= 0;
    const maxBasic = this.find(0, 0)?.eax ?? 0;
    const maxExt = this.find(0x80000000, 0)?.eax ?? 0;
    let leaf = fn;
    if (fn < 0x80000000 ? fn > maxBasic : fn > maxExt >>> 0) leaf = maxBasic;
    const e = this.find(leaf, index);
    out[0] = e?.eax ?? 0;
    out[1] = e?.ebx ?? 0;
    out[2] = e?.ecx ?? 0;
    out[3] = e?.edx ?? 0;
  }
}

/**
 * What this processor implements: FPU, VME, DE, PSE, TSC, MSR, PAE, CX8, SEP, MTRR, PGE, CMOV, PAT,
 * FXSR; VMX in ECX. APIC is left to the platform (set it when a local APIC is present).
 */
export function defaultCpuid(): CpuidTable {
  const edx1 = CPUID_FPU | CPUID_VME | CPUID_DE | CPUID_PSE | CPUID_TSC | CPUID_MSR | CPUID_PAE | CPUID_CX8 | CPUID_SEP |
    CPUID_MTRR | CPUID_PGE | CPUID_CMOV | CPUID_PAT | CPUID_FXSR;
  const vendor = "GenuineIntel";
  const brand = BRAND_STRING.padEnd(48, "\0");
  const e = (fn: number, eax: number, ebx: number, ecx: number, edx: number): CpuidEntry => ({ function: fn, index: 0, flags: 0, eax, ebx, ecx, edx });
  return new CpuidTable([
    e(0, 2, str4(vendor, 0), str4(vendor, 8), str4(vendor, 4)),
    // EBX: CLFLUSH line size 8 (64 bytes) in bits 15:8, one logical processor.
    e(1, DEFAULT_SIGNATURE, (8 << 8) | (1 << 16), CPUID_EXT_VMX, edx1),
    // Leaf 2: cache/TLB descriptors; 0x01 in AL means "execute once"; descriptors are "none".
    e(2, 1, 0, 0, 0),
    e(0x80000000, 0x80000008, 0, 0, 0),
    e(0x80000001, 0, 0, 0, 0),
    e(0x80000002, str4(brand, 0), str4(brand, 4), str4(brand, 8), str4(brand, 12)),
    e(0x80000003, str4(brand, 16), str4(brand, 20), str4(brand, 24), str4(brand, 28)),
    e(0x80000004, str4(brand, 32), str4(brand, 36), str4(brand, 40), str4(brand, 44)),
    // Physical address size 36 bits (PAE), linear 32.
    e(0x80000008, 36 | (32 << 8), 0, 0, 0),
  ]);
}
