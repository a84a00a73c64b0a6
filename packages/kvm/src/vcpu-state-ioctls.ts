/**
 * vCPU state ioctls beyond registers (arch/x86/kvm/x86.c kvm_arch_vcpu_ioctl): the local APIC page,
 * multiprocessing state, NMIs, pending events, debug registers and guest debugging, the FPU, the signal
 * mask and the TSC frequency — each with the kernel's validation and errno.
 */
import type { KvmVcpu } from "./vcpu.js";
import type { VcpuHandler } from "./vm.js";
import { userStruct, type IoctlArg } from "./uaccess.js";
import { EBUSY, EFAULT, EINVAL } from "./uapi/errno.js";
import {
  KVM_GUESTDBG_ENABLE, KVM_GUESTDBG_INJECT_BP, KVM_GUESTDBG_INJECT_DB, KVM_GUESTDBG_SINGLESTEP, KVM_GUESTDBG_USE_HW_BP,
  KVM_GUESTDBG_USE_SW_BP, KVM_GUESTDBG_VALID_MASK, KVM_MP_STATE_HALTED, KVM_MP_STATE_INIT_RECEIVED, KVM_MP_STATE_RUNNABLE,
  KVM_MP_STATE_SIPI_RECEIVED, KVM_MP_STATE_UNINITIALIZED, KVM_VCPUEVENT_VALID_NMI_PENDING, KVM_VCPUEVENT_VALID_PAYLOAD,
  KVM_VCPUEVENT_VALID_SHADOW, KVM_VCPUEVENT_VALID_SIPI_VECTOR, KVM_VCPUEVENT_VALID_SMM, KVM_VCPUEVENT_VALID_TRIPLE_FAULT,
  KVM_X86_SHADOW_INT_MOV_SS, KVM_X86_SHADOW_INT_STI,
} from "./uapi/constants.js";
import * as IOC from "./uapi/ioctl.js";
import {
  KVM_DEBUGREGS_SIZE, KVM_FPU_OFFSETS, KVM_FPU_SIZE, KVM_GUEST_DEBUG_SIZE, KVM_LAPIC_STATE_SIZE, KVM_SIGSET_SIZE,
  KVM_VCPU_EVENTS_OFFSETS as EV, KVM_VCPU_EVENTS_SIZE,
} from "./uapi/irqchip-abi.js";
import { KVM_MP_STATE_SIZE, StructView } from "./uapi/structs.js";
import { KVM_APIC_SIPI } from "./irqchip/lapic.js";
import { HOST_TSC_KHZ } from "./host/host-machine.js";

const EXC_DB = 1;
const EXC_BP = 3;
const EXC_NMI = 2;

// ------------------------------------------------------------------ local APIC

function getLapic(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_LAPIC_STATE_SIZE);
  if (!b) return -EFAULT;
  if (!vcpu.lapic) return -EINVAL;
  vcpu.lapic.getState(b);
  return 0;
}

function setLapic(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_LAPIC_STATE_SIZE);
  if (!b) return -EFAULT;
  if (!vcpu.lapic) return -EINVAL;
  vcpu.lapic.setState(b);
  return 0;
}

// ------------------------------------------------------------------ multiprocessing state

function getMpState(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_MP_STATE_SIZE);
  if (!b) return -EFAULT;
  // Pending INIT/SIPI are processed first, so the state reported is current (kvm_arch_vcpu_ioctl_get_mpstate).
  vcpu.acceptEvents();
  new StructView(b).setU32(0, vcpu.mpState);
  return 0;
}

function setMpState(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_MP_STATE_SIZE);
  if (!b) return -EFAULT;
  const st = new StructView(b).u32(0);
  // Without an in-kernel local APIC only RUNNABLE is valid (INIT/SIPI/HALTED belong to the kernel's APIC).
  if (!vcpu.lapic && st !== KVM_MP_STATE_RUNNABLE) return -EINVAL;
  switch (st) {
    case KVM_MP_STATE_RUNNABLE:
    case KVM_MP_STATE_UNINITIALIZED:
    case KVM_MP_STATE_INIT_RECEIVED:
    case KVM_MP_STATE_HALTED:
      vcpu.setMpState(st);
      return 0;
    case KVM_MP_STATE_SIPI_RECEIVED:
      // Restored as "waiting for SIPI, SIPI already latched" (kvm_arch_vcpu_ioctl_set_mpstate).
      vcpu.setMpState(KVM_MP_STATE_INIT_RECEIVED);
      vcpu.lapic!.pendingEvents |= KVM_APIC_SIPI;
      return 0;
    default:
      return -EINVAL;
  }
}

// ------------------------------------------------------------------ events

/** kvm_vcpu_ioctl_x86_get_vcpu_events. */
function getVcpuEvents(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_VCPU_EVENTS_SIZE);
  if (!b) return -EFAULT;
  vcpu.processNmi();
  b.fill(0);
  const v = new StructView(b);
  const vmx = vcpu.vendor;
  // An event still in the VM-entry field or being re-injected is "injected"; a queued exception reads as
  // injected too (exception payloads are not enabled).
  const entry = vcpu.reinject?.info ?? vmx.pendingEntryEvent();
  const entryValid = entry >>> 31 === 1;
  const entryType = (entry >>> 8) & 7;
  const exc = vcpu.pendingException;
  if (exc) {
    v.setU8(EV.exception_injected, 1);
    v.setU8(EV.exception_nr, exc.vector);
    v.setU8(EV.exception_has_error_code, exc.errorCode >= 0 ? 1 : 0);
    v.setU32(EV.exception_error_code, Math.max(0, exc.errorCode));
  } else if (entryValid && (entryType === 3 || entryType === 6)) {
    v.setU8(EV.exception_injected, 1);
    v.setU8(EV.exception_nr, entry & 0xff);
    v.setU8(EV.exception_has_error_code, (entry >>> 11) & 1);
    v.setU32(EV.exception_error_code, vcpu.reinject?.errorCode ?? 0);
  }
  if (entryValid && (entryType === 0 || entryType === 4)) {
    v.setU8(EV.interrupt_injected, 1);
    v.setU8(EV.interrupt_nr, entry & 0xff);
    v.setU8(EV.interrupt_soft, entryType === 4 ? 1 : 0);
  } else if (vcpu.pendingInterrupt >= 0) {
    v.setU8(EV.interrupt_injected, 1);
    v.setU8(EV.interrupt_nr, vcpu.pendingInterrupt);
  }
  const shadow = vmx.getInterruptShadow();
  v.setU8(EV.interrupt_shadow, (shadow & 1 ? KVM_X86_SHADOW_INT_STI : 0) | (shadow & 2 ? KVM_X86_SHADOW_INT_MOV_SS : 0));
  v.setU8(EV.nmi_injected, entryValid && entryType === 2 ? 1 : 0);
  v.setU8(EV.nmi_pending, vcpu.nmiPending > 0 ? 1 : 0);
  v.setU8(EV.nmi_masked, vmx.getNmiMask() ? 1 : 0);
  v.setU32(EV.sipi_vector, vcpu.lapic?.sipiVector ?? 0);
  v.setU32(EV.flags, KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SHADOW | KVM_VCPUEVENT_VALID_SMM);
  return 0;
}

/** kvm_vcpu_ioctl_x86_set_vcpu_events. */
function setVcpuEvents(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_VCPU_EVENTS_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  const flags = v.u32(EV.flags);
  const valid = KVM_VCPUEVENT_VALID_NMI_PENDING | KVM_VCPUEVENT_VALID_SIPI_VECTOR | KVM_VCPUEVENT_VALID_SHADOW |
    KVM_VCPUEVENT_VALID_SMM | KVM_VCPUEVENT_VALID_PAYLOAD | KVM_VCPUEVENT_VALID_TRIPLE_FAULT;
  if ((flags & ~valid) !== 0) return -EINVAL;
  // Exception payloads and triple-fault events are capabilities that were not enabled.
  if (flags & (KVM_VCPUEVENT_VALID_PAYLOAD | KVM_VCPUEVENT_VALID_TRIPLE_FAULT)) return -EINVAL;
  const excInjected = v.u8(EV.exception_injected) !== 0;
  const nr = v.u8(EV.exception_nr);
  if (excInjected && (nr > 31 || nr === EXC_NMI)) return -EINVAL;
  // No system-management mode on this processor.
  if (flags & KVM_VCPUEVENT_VALID_SMM && (v.u8(EV.smi_smm) || v.u8(EV.smi_pending) || v.u8(EV.smi_smm_inside_nmi))) return -EINVAL;
  const vmx = vcpu.vendor;
  vcpu.reinject = null;
  vmx.clearEntryEvent();
  vcpu.pendingException = excInjected ? { vector: nr, errorCode: v.u8(EV.exception_has_error_code) ? v.u32(EV.exception_error_code) : -1 } : null;
  vcpu.pendingInterrupt = v.u8(EV.interrupt_injected) ? v.u8(EV.interrupt_nr) : -1;
  if (flags & KVM_VCPUEVENT_VALID_SHADOW) {
    const sh = v.u8(EV.interrupt_shadow);
    vmx.setInterruptShadow((sh & KVM_X86_SHADOW_INT_STI ? 1 : 0) | (sh & KVM_X86_SHADOW_INT_MOV_SS ? 2 : 0));
  }
  if (v.u8(EV.nmi_injected)) vcpu.reinject = { info: (0x80000000 | (2 << 8) | 2) | 0, errorCode: 0, length: 0 };
  if (flags & KVM_VCPUEVENT_VALID_NMI_PENDING) {
    vcpu.nmiQueued = 0;
    vcpu.nmiPending = v.u8(EV.nmi_pending) ? 1 : 0;
  }
  vmx.setNmiMask(v.u8(EV.nmi_masked) !== 0);
  if (flags & KVM_VCPUEVENT_VALID_SIPI_VECTOR && vcpu.lapic) vcpu.lapic.sipiVector = v.u32(EV.sipi_vector) & 0xff;
  return 0;
}

// ------------------------------------------------------------------ debug registers and guest debugging

function getDebugRegs(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_DEBUGREGS_SIZE);
  if (!b) return -EFAULT;
  b.fill(0);
  const v = new StructView(b);
  const d = vcpu.vm.debugRegs(vcpu);
  for (let i = 0; i < 4; i++) v.setU64(i * 8, d[i]! >>> 0);
  v.setU64(32, d[6]! >>> 0);
  v.setU64(40, vcpu.dr7 >>> 0);
  return 0;
}

function setDebugRegs(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_DEBUGREGS_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  // flags must be 0; DR6 and DR7 have no bits above 31 (kvm_dr6_valid / kvm_dr7_valid).
  if (v.u32(48) !== 0 || v.u32(36) !== 0 || v.u32(44) !== 0) return -EINVAL;
  const d = vcpu.vm.debugRegs(vcpu);
  for (let i = 0; i < 4; i++) d[i] = v.u32(i * 8) | 0;
  d[6] = ((v.u32(32) | 0xffff0ff0) & ~0x1000) | 0;
  vcpu.dr7 = ((v.u32(40) | 0x400) & ~0xd800) | 0;
  vcpu.updateDr7();
  return 0;
}

/**
 * kvm_arch_vcpu_ioctl_set_guest_debug. Single-stepping uses the VMX monitor trap flag (the guest's RFLAGS.TF
 * stays its own); software breakpoints intercept #BP and hardware breakpoints #DB through the exception
 * bitmap, with the debugger's DR0-DR3/DR7 loaded for the guest's run.
 */
function setGuestDebug(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_GUEST_DEBUG_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  // x86 ignores unknown control bits (only arm64 rejects them); KVM_CAP_SET_GUEST_DEBUG2 reports the valid ones.
  let control = v.u32(0) & KVM_GUESTDBG_VALID_MASK;
  if (control & (KVM_GUESTDBG_INJECT_DB | KVM_GUESTDBG_INJECT_BP)) {
    if (vcpu.pendingException || (vcpu.vendor.pendingEntryEvent() >>> 31 === 1)) return -EBUSY;
    vcpu.queueException(control & KVM_GUESTDBG_INJECT_DB ? EXC_DB : EXC_BP, -1);
  }
  if ((control & KVM_GUESTDBG_ENABLE) === 0) control = 0;
  vcpu.guestDebug = control;
  if (control & KVM_GUESTDBG_USE_HW_BP) {
    for (let i = 0; i < 4; i++) vcpu.debuggerDb[i] = v.u32(8 + i * 8) | 0;
    vcpu.debuggerDr7 = ((v.u32(8 + 7 * 8) | 0x400) & ~0xd800) | 0;
  }
  vcpu.updateDr7();
  const vmx = vcpu.vendor;
  vmx.setMonitorTrap((control & KVM_GUESTDBG_SINGLESTEP) !== 0);
  vmx.extraExceptions = (control & KVM_GUESTDBG_USE_SW_BP ? 1 << EXC_BP : 0) |
    (control & (KVM_GUESTDBG_USE_HW_BP | KVM_GUESTDBG_SINGLESTEP) ? 1 << EXC_DB : 0);
  vmx.updateExceptionBitmap();
  return 0;
}

// ------------------------------------------------------------------ FPU

function getFpu(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_FPU_SIZE);
  if (!b) return -EFAULT;
  const fx = vcpu.fpuImage();
  const src = new DataView(fx.buffer, fx.byteOffset);
  b.fill(0);
  const v = new StructView(b);
  const o = KVM_FPU_OFFSETS;
  for (let i = 0; i < 8; i++) b.set(fx.subarray(32 + i * 16, 32 + i * 16 + 16), o.fpr + i * 16);
  v.setU16(o.fcw, src.getUint16(0, true));
  v.setU16(o.fsw, src.getUint16(2, true));
  v.setU8(o.ftwx, src.getUint8(4));
  v.setU16(o.last_opcode, src.getUint16(6, true));
  v.setU64(o.last_ip, src.getUint32(8, true));
  v.setU64(o.last_dp, src.getUint32(16, true));
  for (let i = 0; i < 16; i++) b.set(fx.subarray(160 + i * 16, 160 + i * 16 + 16), o.xmm + i * 16);
  v.setU32(o.mxcsr, src.getUint32(24, true));
  return 0;
}

function setFpu(vcpu: KvmVcpu, arg: IoctlArg): number {
  const b = userStruct(vcpu.vm.host, arg, KVM_FPU_SIZE);
  if (!b) return -EFAULT;
  const v = new StructView(b);
  const o = KVM_FPU_OFFSETS;
  const fx = new Uint8Array(512);
  const d = new DataView(fx.buffer);
  for (let i = 0; i < 8; i++) fx.set(b.subarray(o.fpr + i * 16, o.fpr + i * 16 + 16), 32 + i * 16);
  d.setUint16(0, v.u16(o.fcw), true);
  d.setUint16(2, v.u16(o.fsw), true);
  d.setUint8(4, v.u8(o.ftwx));
  d.setUint16(6, v.u16(o.last_opcode), true);
  d.setUint32(8, v.u32(o.last_ip), true);
  d.setUint32(16, v.u32(o.last_dp), true);
  d.setUint32(24, v.u32(o.mxcsr), true);
  d.setUint32(28, 0xffff, true);
  for (let i = 0; i < 16; i++) fx.set(b.subarray(o.xmm + i * 16, o.xmm + i * 16 + 16), 160 + i * 16);
  vcpu.setFpuImage(fx);
  return 0;
}

// ------------------------------------------------------------------ signal mask, TSC

function setSignalMask(vcpu: KvmVcpu, arg: IoctlArg): number {
  // A null pointer (0) restores the thread's own mask for KVM_RUN.
  if (arg === 0 || arg === undefined) {
    vcpu.sigmask = null;
    return 0;
  }
  const head = userStruct(vcpu.vm.host, arg, 4);
  if (!head) return -EFAULT;
  if (new StructView(head).u32(0) !== KVM_SIGSET_SIZE) return -EINVAL;
  const b = userStruct(vcpu.vm.host, arg, 4 + KVM_SIGSET_SIZE);
  if (!b) return -EFAULT;
  vcpu.sigmask = b.slice(4, 4 + KVM_SIGSET_SIZE);
  return 0;
}

/** kvm_set_tsc_khz without TSC scaling: the host rate (within 250 ppm) as is, a faster rate by catch-up, a slower one refused. */
function setTscKhz(vcpu: KvmVcpu, arg: IoctlArg): number {
  if (typeof arg !== "number" || arg < 0 || arg > 0xffffffff) return -EINVAL;
  const khz = arg === 0 ? HOST_TSC_KHZ : arg;
  const thresh = (HOST_TSC_KHZ * 250) / 1e6;
  if (Math.abs(khz - HOST_TSC_KHZ) <= thresh) {
    vcpu.tscKhz = khz;
    vcpu.tscCatchup = false;
    return 0;
  }
  // "user requested TSC rate below hardware speed": kvm_set_tsc_khz fails and the ioctl says EINVAL.
  if (khz < HOST_TSC_KHZ) return -EINVAL;
  vcpu.tscKhz = khz;
  vcpu.tscCatchup = true;
  vcpu.startCatchup();
  return 0;
}

export const VCPU_STATE_IOCTLS = new Map<number, VcpuHandler>([
  [IOC.KVM_GET_LAPIC, getLapic],
  [IOC.KVM_SET_LAPIC, setLapic],
  [IOC.KVM_GET_MP_STATE, getMpState],
  [IOC.KVM_SET_MP_STATE, setMpState],
  [IOC.KVM_NMI, (vcpu) => {
    vcpu.nmiQueued++;
    return 0;
  }],
  [IOC.KVM_GET_VCPU_EVENTS, getVcpuEvents],
  [IOC.KVM_SET_VCPU_EVENTS, setVcpuEvents],
  [IOC.KVM_GET_DEBUGREGS, getDebugRegs],
  [IOC.KVM_SET_DEBUGREGS, setDebugRegs],
  [IOC.KVM_SET_GUEST_DEBUG, setGuestDebug],
  [IOC.KVM_GET_FPU, getFpu],
  [IOC.KVM_SET_FPU, setFpu],
  [IOC.KVM_SET_SIGNAL_MASK, setSignalMask],
  [IOC.KVM_SET_TSC_KHZ, setTscKhz],
  [IOC.KVM_GET_TSC_KHZ, (vcpu) => vcpu.tscKhz],
]);
