/**
 * MSR emulation for guests (kvm_get_msr_common / kvm_set_msr_common in arch/x86/kvm/x86.c): the MSRs
 * a guest may read and write through RDMSR/WRMSR exits, kept per vCPU. Anything else is #GP in the
 * guest, as KVM does when user-space MSR exits are not enabled.
 */
import type { KvmVcpu } from "./vcpu.js";

export const MSR_IA32_TSC = 0x10;
export const MSR_IA32_PLATFORM_ID = 0x17;
export const MSR_IA32_APICBASE = 0x1b;
export const MSR_IA32_FEATURE_CONTROL = 0x3a;
export const MSR_IA32_UCODE_REV = 0x8b;
export const MSR_MTRRcap = 0xfe;
export const MSR_IA32_SYSENTER_CS = 0x174;
export const MSR_IA32_SYSENTER_ESP = 0x175;
export const MSR_IA32_SYSENTER_EIP = 0x176;
export const MSR_IA32_MCG_CAP = 0x179;
export const MSR_IA32_MCG_STATUS = 0x17a;
export const MSR_IA32_MISC_ENABLE = 0x1a0;
export const MSR_IA32_CR_PAT = 0x277;
export const MSR_MTRRdefType = 0x2ff;
export const MSR_EFER = 0xc0000080;
export const MSR_IA32_TSC_DEADLINE = 0x6e0;

/** IA32_FEATURE_CONTROL lock bit (SDM Vol. 3C 23.7; arch/x86/include/asm/msr-index.h FEAT_CTL_LOCKED). */
export const FEAT_CTL_LOCKED = 1;
/**
 * The IA32_FEATURE_CONTROL bits a guest may set: only the lock, since the guest CPUID has no VMX, SGX or
 * LMCE (vmx_vcpu_create starts msr_ia32_feature_control_valid_bits at FEAT_CTL_LOCKED).
 */
const FEAT_CTL_VALID_BITS = FEAT_CTL_LOCKED;

/** MSRs KVM_GET_MSR_INDEX_LIST reports: the ones a VMM saves and restores. */
export const KVM_MSR_INDEX_LIST: readonly number[] = [
  MSR_IA32_SYSENTER_CS, MSR_IA32_SYSENTER_ESP, MSR_IA32_SYSENTER_EIP, MSR_IA32_TSC, MSR_IA32_APICBASE, MSR_IA32_CR_PAT,
  MSR_IA32_MISC_ENABLE, MSR_MTRRdefType, MSR_IA32_TSC_DEADLINE, MSR_IA32_MCG_STATUS, MSR_IA32_MCG_CAP, MSR_EFER,
  MSR_IA32_FEATURE_CONTROL,
];

/** Per-vCPU MSR state kept by kvm (not in the VMCS). */
export class KvmMsrState {
  apicBase = 0xfee00900;
  miscEnable = 1;
  mtrrDefType = 0;
  /** vmx->msr_ia32_feature_control: what the guest (or the VMM) last wrote; firmware locks it at boot. */
  featureControl = 0;
  readonly mtrr = new Map<number, [number, number]>();
  tscOffset = 0;
}

function state(vcpu: KvmVcpu): KvmMsrState {
  return vcpu.vm.msrState(vcpu);
}

/** The guest's time-stamp counter: the host's plus the vCPU's TSC offset (as the VMCS TSC_OFFSET applies it). */
export function guestTsc(vcpu: KvmVcpu): number {
  return vcpu.vm.host.now() + vcpu.tscOffset;
}

/** Reads guest MSR `index` as [low, high]; undefined means #GP. */
export function kvmGetMsr(vcpu: KvmVcpu, index: number): [number, number] | undefined {
  const s = state(vcpu);
  const vmx = vcpu.vendor;
  switch (index) {
    case MSR_IA32_TSC: {
      const t = guestTsc(vcpu);
      return [t >>> 0, Math.floor(t / 0x100000000) | 0];
    }
    case MSR_IA32_FEATURE_CONTROL: return [s.featureControl, 0];
    case MSR_IA32_PLATFORM_ID:
    case MSR_IA32_UCODE_REV:
    case MSR_IA32_MCG_STATUS:
      return [0, 0];
    case MSR_IA32_MCG_CAP:
      return [0, 0];
    case MSR_IA32_APICBASE: return [vcpu.lapic ? vcpu.lapic.apicBase : s.apicBase, 0];
    case MSR_IA32_TSC_DEADLINE: {
      // Only with the in-kernel local APIC (kvm_get_msr_common: IA32_TSC_DEADLINE → kvm_get_lapic_tscdeadline_msr).
      if (!vcpu.lapic) return [0, 0];
      const d = vcpu.lapic.tscDeadline;
      return [d >>> 0, Math.floor(d / 0x100000000) | 0];
    }
    case MSR_IA32_MISC_ENABLE: return [s.miscEnable, 0];
    case MSR_MTRRcap: return [8 | (1 << 8) | (1 << 10), 0];
    case MSR_MTRRdefType: return [s.mtrrDefType, 0];
    case MSR_IA32_SYSENTER_CS: return [vmx.read(0x482a), 0];
    case MSR_IA32_SYSENTER_ESP: return [vmx.read(0x6824), 0];
    case MSR_IA32_SYSENTER_EIP: return [vmx.read(0x6826), 0];
    case MSR_IA32_CR_PAT: return [vmx.read(0x2804), vmx.read(0x2805)];
    case MSR_EFER: return [vmx.read(0x2806), 0];
    default:
      if ((index >= 0x200 && index < 0x210) || index === 0x250 || index === 0x258 || index === 0x259 || (index >= 0x268 && index <= 0x26f)) {
        return s.mtrr.get(index) ?? [0, 0];
      }
      return undefined;
  }
}

/**
 * Writes guest MSR `index`; false means #GP. `hostInitiated` is KVM_SET_MSRS from the VMM (msr_info->host_initiated),
 * which may rewrite MSRs the guest has locked.
 */
export function kvmSetMsr(vcpu: KvmVcpu, index: number, lo: number, hi: number, hostInitiated = false): boolean {
  const s = state(vcpu);
  const vmx = vcpu.vendor;
  switch (index) {
    case MSR_IA32_FEATURE_CONTROL:
      // is_vmx_feature_control_msr_valid: a locked register is read-only for the guest; unknown bits never stick.
      if (!hostInitiated && (s.featureControl & FEAT_CTL_LOCKED) !== 0) return false;
      if (hi !== 0 || (lo & ~FEAT_CTL_VALID_BITS) !== 0) return false;
      s.featureControl = lo;
      return true;
    case MSR_IA32_TSC: {
      const want = (hi >>> 0) * 0x100000000 + (lo >>> 0);
      s.tscOffset = want - vcpu.vm.host.now();
      return true;
    }
    case MSR_IA32_UCODE_REV:
    case MSR_IA32_MCG_STATUS:
      return true;
    case MSR_IA32_APICBASE:
      if (hi !== 0 || (lo & 0x6ff) !== 0) return false;
      s.apicBase = lo;
      vcpu.lapic?.setBase(lo);
      return true;
    case MSR_IA32_TSC_DEADLINE:
      vcpu.lapic?.setTscDeadline((hi >>> 0) * 0x100000000 + (lo >>> 0));
      return true;
    case MSR_IA32_MISC_ENABLE:
      s.miscEnable = lo;
      return true;
    case MSR_MTRRdefType:
      if (hi !== 0 || (lo & ~0xcff) !== 0) return false;
      s.mtrrDefType = lo;
      return true;
    case MSR_IA32_SYSENTER_CS: vmx.write(0x482a, lo & 0xffff); return true;
    case MSR_IA32_SYSENTER_ESP: vmx.write(0x6824, lo); return true;
    case MSR_IA32_SYSENTER_EIP: vmx.write(0x6826, lo); return true;
    case MSR_IA32_CR_PAT:
      for (let i = 0; i < 8; i++) {
        const t = ((i < 4 ? lo : hi) >>> ((i & 3) * 8)) & 0xff;
        if (t === 2 || t === 3 || t > 7) return false;
      }
      vmx.write(0x2804, lo);
      vmx.write(0x2805, hi);
      return true;
    case MSR_EFER:
      // The guest CPU has no EFER bits (no long mode, NX or SYSCALL to enable).
      return lo === 0 && hi === 0;
    default:
      if ((index >= 0x200 && index < 0x210) || index === 0x250 || index === 0x258 || index === 0x259 || (index >= 0x268 && index <= 0x26f)) {
        s.mtrr.set(index, [lo, hi]);
        return true;
      }
      return false;
  }
}
