/**
 * Model-specific registers the processor itself owns (SDM vol. 4, chapter 2, "Architectural MSRs").
 * Values travel as [low, high] dwords, as RDMSR/WRMSR move them through EDX:EAX. An index this model
 * does not implement makes RDMSR/WRMSR raise #GP(0), as on hardware.
 */
import type { Cpu } from "../cpu.js";
import { FEATURE_CONTROL_LOCKED, MSR_IA32_FEATURE_CONTROL, readVmxCapabilityMsr } from "../vmx/capabilities.js";

export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_PLATFORM_ID = 0x17;
export const MSR_IA32_APICBASE = 0x1b;
export const MSR_IA32_BIOS_SIGN_ID = 0x8b;
export const MSR_MTRRcap = 0xfe;
export const MSR_IA32_SYSENTER_CS = 0x174;
export const MSR_IA32_SYSENTER_ESP = 0x175;
export const MSR_IA32_SYSENTER_EIP = 0x176;
export const MSR_IA32_MISC_ENABLE = 0x1a0;
export const MSR_MTRRphysBase0 = 0x200;
export const MSR_MTRRfix64K_00000 = 0x250;
export const MSR_MTRRfix16K_80000 = 0x258;
export const MSR_MTRRfix16K_A0000 = 0x259;
export const MSR_MTRRfix4K_C0000 = 0x268;
export const MSR_MTRRfix4K_F8000 = 0x26f;
export const MSR_IA32_CR_PAT = 0x277;
export const MSR_MTRRdefType = 0x2ff;
export const MSR_EFER = 0xc0000080;

/** Variable-range MTRR pairs this model implements (IA32_MTRRCAP bits 7:0). */
export const MTRR_VARIABLE_COUNT = 8;

/** MTRR storage: 8 variable pairs (base, mask) then 11 fixed-range registers, each two dwords. */
export class MtrrState {
  readonly variable = new Int32Array(MTRR_VARIABLE_COUNT * 4);
  readonly fixed = new Int32Array(11 * 2);
  defType = [0, 0];
}

const FIXED_INDEX: Record<number, number> = { 0x250: 0, 0x258: 1, 0x259: 2 };
for (let i = 0; i < 8; i++) FIXED_INDEX[0x268 + i] = 3 + i;

const mtrrs = new WeakMap<Cpu, MtrrState>();
function mtrrOf(cpu: Cpu): MtrrState {
  let m = mtrrs.get(cpu);
  if (!m) {
    m = new MtrrState();
    mtrrs.set(cpu, m);
  }
  return m;
}

/** Reads MSR `index`; undefined means "not implemented" (#GP). */
export function readMsr(cpu: Cpu, index: number): readonly [number, number] | undefined {
  const host = cpu.host.readMsr?.(index);
  cpu.hostCalled();
  if (host !== undefined) {
    const b = BigInt.asUintN(64, BigInt(host));
    return [Number(b & 0xffffffffn) | 0, Number(b >> 32n) | 0];
  }
  index >>>= 0;
  switch (index) {
    case MSR_IA32_TSC: {
      const t = cpu.readTsc();
      return [t >>> 0, Math.floor(t / 0x100000000) | 0];
    }
    case MSR_IA32_PLATFORM_ID: return [0, 0];
    case MSR_IA32_APICBASE: return [cpu.apicBase, 0];
    case MSR_IA32_BIOS_SIGN_ID: return [0, 0];
    case MSR_IA32_FEATURE_CONTROL: return [cpu.featureControl, 0];
    case MSR_MTRRcap: return [MTRR_VARIABLE_COUNT | (1 << 8) /* fixed ranges */ | (1 << 10) /* WC */, 0];
    case MSR_IA32_SYSENTER_CS: return [cpu.sysenterCs, 0];
    case MSR_IA32_SYSENTER_ESP: return [cpu.sysenterEsp, 0];
    case MSR_IA32_SYSENTER_EIP: return [cpu.sysenterEip, 0];
    case MSR_IA32_MISC_ENABLE: return [cpu.miscEnable, 0];
    case MSR_IA32_CR_PAT: return [cpu.pat[0]!, cpu.pat[1]!];
    case MSR_MTRRdefType: {
      const m = mtrrOf(cpu);
      return [m.defType[0]!, m.defType[1]!];
    }
    case MSR_EFER: return [cpu.efer, 0];
    default:
      break;
  }
  if (index >= MSR_MTRRphysBase0 && index < MSR_MTRRphysBase0 + MTRR_VARIABLE_COUNT * 2) {
    const m = mtrrOf(cpu);
    const i = (index - MSR_MTRRphysBase0) * 2;
    return [m.variable[i]!, m.variable[i + 1]!];
  }
  const fixed = FIXED_INDEX[index];
  if (fixed !== undefined) {
    const m = mtrrOf(cpu);
    return [m.fixed[fixed * 2]!, m.fixed[fixed * 2 + 1]!];
  }
  if (cpu.cpuid.vmx) return readVmxCapabilityMsr(index);
  return undefined;
}

/** Writes MSR `index`; false means #GP(0) (unknown index or reserved bits set). */
export function writeMsr(cpu: Cpu, index: number, lo: number, hi: number): boolean {
  const claimed = cpu.host.writeMsr?.(index, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)) === true;
  cpu.hostCalled();
  if (claimed) return true;
  index >>>= 0;
  switch (index) {
    case MSR_IA32_TSC:
      cpu.tscOffset = (hi >>> 0) * 0x100000000 + (lo >>> 0) - (cpu.readTsc() - cpu.tscOffset);
      return true;
    case MSR_IA32_APICBASE:
      if (hi !== 0 || (lo & 0x6ff) !== 0) return false;
      cpu.apicBase = lo;
      return true;
    case MSR_IA32_BIOS_SIGN_ID:
      return true;
    case MSR_IA32_FEATURE_CONTROL:
      // Once locked, writes fault until reset (SDM vol. 3C §23.7).
      if (cpu.featureControl & FEATURE_CONTROL_LOCKED) return false;
      if (hi !== 0 || (lo & ~0x7) !== 0) return false;
      cpu.featureControl = lo;
      return true;
    case MSR_IA32_SYSENTER_CS: cpu.sysenterCs = lo & 0xffff; return true;
    case MSR_IA32_SYSENTER_ESP: cpu.sysenterEsp = lo; return true;
    case MSR_IA32_SYSENTER_EIP: cpu.sysenterEip = lo; return true;
    case MSR_IA32_MISC_ENABLE: cpu.miscEnable = lo; return true;
    case MSR_IA32_CR_PAT: {
      // Each PAT entry must hold a valid memory type: 0, 1, 4, 5, 6 or 7 (SDM vol. 3A §11.12.2).
      for (let i = 0; i < 8; i++) {
        const t = ((i < 4 ? lo : hi) >>> ((i & 3) * 8)) & 0xff;
        if (t === 2 || t === 3 || t > 7) return false;
      }
      cpu.pat[0] = lo;
      cpu.pat[1] = hi;
      return true;
    }
    case MSR_MTRRdefType: {
      if (hi !== 0 || (lo & ~0xcff) !== 0) return false;
      mtrrOf(cpu).defType = [lo, hi];
      return true;
    }
    case MSR_EFER:
      // No IA-32e mode, NX or SYSCALL on this processor: every EFER bit is reserved.
      if (lo !== 0 || hi !== 0) return false;
      cpu.efer = 0;
      return true;
    default:
      break;
  }
  if (index >= MSR_MTRRphysBase0 && index < MSR_MTRRphysBase0 + MTRR_VARIABLE_COUNT * 2) {
    if ((hi & ~0xf) !== 0) return false;
    const m = mtrrOf(cpu);
    const i = (index - MSR_MTRRphysBase0) * 2;
    m.variable[i] = lo;
    m.variable[i + 1] = hi;
    return true;
  }
  const fixed = FIXED_INDEX[index];
  if (fixed !== undefined) {
    const m = mtrrOf(cpu);
    m.fixed[fixed * 2] = lo;
    m.fixed[fixed * 2 + 1] = hi;
    return true;
  }
  return false;
}
