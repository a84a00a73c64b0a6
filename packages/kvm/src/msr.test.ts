/**
 * Guest MSR emulation (kvm_get_msr_common / vmx_set_msr): what a guest's RDMSR/WRMSR see, and what the VMM's
 * KVM_SET_MSRS may still change.
 */
import { describe, expect, it } from "vitest";
import { MSR_IA32_FEATURE_CONTROL } from "./msr.js";
import { describe as d, load, setVector, tinyVcpu, tinyVm } from "./testing/tiny-guest.js";

describe("IA32_FEATURE_CONTROL", () => {
  it("the guest can lock it once (Linux's init_ia32_feat_ctl writes FEAT_CTL_LOCKED); a write after the lock is #GP", () => {
    const t = tinyVm();
    // mov ecx,3Ah; rdmsr; out 80h,al; mov eax,1; xor edx,edx; wrmsr; rdmsr; out 80h,al; xor eax,eax; wrmsr; hlt
    load(t, 0x1000, [
      0x66, 0xb9, 0x3a, 0, 0, 0, 0x0f, 0x32, 0xe6, 0x80,
      0x66, 0xb8, 0x01, 0, 0, 0, 0x66, 0x31, 0xd2, 0x0f, 0x30, 0x0f, 0x32, 0xe6, 0x80,
      0x66, 0x31, 0xc0, 0x0f, 0x30, 0xf4,
    ]);
    // #GP handler: mov al,0Dh; out 81h,al; hlt
    load(t, 0x2000, [0xb0, 0x0d, 0xe6, 0x81, 0xf4]);
    setVector(t, 13, 0x2000);
    const vcpu = tinyVcpu(t);
    const seq = [d(vcpu.runExit()), d(vcpu.runExit()), d(vcpu.runExit()), d(vcpu.runExit())];
    expect(seq).toEqual(["io-out 80 0", "io-out 80 1", "io-out 81 d", "hlt"]);
    expect(vcpu.getMsrs([MSR_IA32_FEATURE_CONTROL])).toEqual([[MSR_IA32_FEATURE_CONTROL, 1]]);
  });

  it("KVM_SET_MSRS (host-initiated) rewrites a locked register, as QEMU does at reset; bits beyond the lock are refused", () => {
    const t = tinyVm();
    const vcpu = tinyVcpu(t);
    expect(vcpu.setMsrs([[MSR_IA32_FEATURE_CONTROL, 1]])).toBe(1);
    expect(vcpu.setMsrs([[MSR_IA32_FEATURE_CONTROL, 0]])).toBe(1);
    expect(vcpu.getMsrs([MSR_IA32_FEATURE_CONTROL])).toEqual([[MSR_IA32_FEATURE_CONTROL, 0]]);
    // VMXON outside SMX (bit 2) needs VMX in the guest CPUID, which it does not have.
    expect(vcpu.setMsrs([[MSR_IA32_FEATURE_CONTROL, 5]])).toBe(0);
  });
});
