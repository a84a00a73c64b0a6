/**
 * The VMX instructions as the host (root-mode software: our kvm module) executes them (SDM vol. 3C
 * chapter 30). Each returns its outcome the way the instruction reports it: VMsucceed, VMfailInvalid
 * (CF = 1) or VMfailValid (ZF = 1, number in VM_INSTRUCTION_ERROR), or a fault (#UD, #GP) it would raise.
 * RFLAGS is updated as the instruction does.
 */
import type { Cpu } from "../cpu.js";
import { STOP_BUDGET, STOP_HLT, STOP_INTERNAL_ERROR, STOP_VM_EXIT } from "../cpu.js";
import { CR0_PE, CR4_VMXE, FLAG_AF, FLAG_CF, FLAG_OF, FLAG_PF, FLAG_SF, FLAG_ZF } from "../core/registers.js";
import { PAGE_MASK } from "../core/physical-memory.js";
import { deliverWithNesting } from "../core/interrupts.js";
import { CPU_EXCEPTION, VM_EXIT } from "../core/exceptions.js";
import {
  CR0_FIXED0, CR0_FIXED1, CR4_FIXED0, CR4_FIXED1, FEATURE_CONTROL_LOCKED, FEATURE_CONTROL_VMXON_OUTSIDE_SMX,
  VMCS_REVISION_ID,
} from "./capabilities.js";
import { VMCS_POINTER_INVALID, VmxCpuState } from "./vmx-state.js";
import { clearRegionLaunchState, vmcsSlot } from "./vmcs.js";
import {
  TYPE_EXIT_INFO, VM_ENTRY_EXCEPTION_ERROR_CODE, VM_ENTRY_INSTRUCTION_LEN, VM_ENTRY_INTR_INFO_FIELD,
  VM_INSTRUCTION_ERROR, fieldType, isHighAccess,
} from "./vmcs-fields.js";
import {
  VMXERR_INVALID_OPERAND_TO_INVEPT_INVVPID, VMXERR_UNSUPPORTED_VMCS_COMPONENT, VMXERR_VMCLEAR_INVALID_ADDRESS,
  VMXERR_VMCLEAR_VMXON_POINTER, VMXERR_VMLAUNCH_NONCLEAR_VMCS, VMXERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID,
  VMXERR_VMPTRLD_INVALID_ADDRESS, VMXERR_VMPTRLD_VMXON_POINTER, VMXERR_VMRESUME_NONLAUNCHED_VMCS,
  VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT, VMXERR_VMXON_IN_VMX_ROOT_OPERATION, EXIT_REASON_EXTERNAL_INTERRUPT,
  EXIT_REASON_PREEMPTION_TIMER,
} from "./exit-reasons.js";
import {
  INTR_INFO_DELIVER_CODE_MASK, INTR_INFO_VALID_MASK, INTR_TYPE_NMI_INTR, INTR_TYPE_PRIV_SW_EXCEPTION, INTR_TYPE_SOFT_EXCEPTION,
  INTR_TYPE_SOFT_INTR, vmEntry,
} from "./vm-entry.js";
import { beforeDeferredWrite, completeDeferredExit, loadHostState, vmExit } from "./vm-exit.js";
import { vmxMonitorTrapExit } from "./vmx-events.js";
import { PIN_BASED_VIRTUAL_NMIS } from "./capabilities.js";

export const VMX_SUCCEED = 0;
export const VMX_FAIL_INVALID = 1;
export const VMX_FAIL_VALID = 2;
export const VMX_FAULT_UD = 3;
export const VMX_FAULT_GP = 4;
/** The model could not continue the guest (a bug, never a guest action); see cpu.internalError. */
export const VMX_INTERNAL_ERROR = 5;

export type VmxOutcome = typeof VMX_SUCCEED | typeof VMX_FAIL_INVALID | typeof VMX_FAIL_VALID | typeof VMX_FAULT_UD | typeof VMX_FAULT_GP | typeof VMX_INTERNAL_ERROR;

const STATUS_FLAGS = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;

function succeed(cpu: Cpu): VmxOutcome {
  // The host's status flags are usually clear already (every VMX instruction and VM exit leaves them so):
  // then there is nothing to write, and VMREAD/VMWRITE cost no EFLAGS update on the kvm module's paths.
  if (cpu.lazyMask === 0 && (cpu.flagsRaw & STATUS_FLAGS) === 0) return VMX_SUCCEED;
  cpu.setFlags(cpu.getFlags() & ~STATUS_FLAGS);
  return VMX_SUCCEED;
}

/** VMfail(error): VMfailValid when there is a current VMCS, else VMfailInvalid (SDM vol. 3C §30.2). */
function fail(cpu: Cpu, error: number): VmxOutcome {
  const vmx = cpu.vmx!;
  if (vmx.current === VMCS_POINTER_INVALID) {
    cpu.setFlags((cpu.getFlags() & ~STATUS_FLAGS) | FLAG_CF);
    return VMX_FAIL_INVALID;
  }
  vmx.vmcs.set(VM_INSTRUCTION_ERROR, error);
  cpu.setFlags((cpu.getFlags() & ~STATUS_FLAGS) | FLAG_ZF);
  return VMX_FAIL_VALID;
}

function failInvalid(cpu: Cpu): VmxOutcome {
  cpu.setFlags((cpu.getFlags() & ~STATUS_FLAGS) | FLAG_CF);
  return VMX_FAIL_INVALID;
}

/** Common #UD/#GP conditions of every VMX instruction other than VMXON in root operation. */
function rootChecks(cpu: Cpu): VmxOutcome | -1 {
  // After a deferred exit the processor still holds guest state, but the host's — loaded from host-state
  // fields the entry checked (§26.2.2-26.2.4: CR0.PE, CR4.VMXE, flat DPL-0 segments, RFLAGS.VM clear) — passes.
  if (cpu.vmx?.hostStatePending === true) return -1;
  if (cpu.vmx === null || (cpu.cr4 & CR4_VMXE) === 0 || (cpu.cr0 & CR0_PE) === 0 || cpu.v86) return VMX_FAULT_UD;
  if (cpu.cpl !== 0) return VMX_FAULT_GP;
  return -1;
}

/** A physical address operand is valid when 4 KiB aligned and within the 32-bit physical-address width. */
function validPhysical(addr: number): boolean {
  return addr >= 0 && addr <= 0xffffffff && (addr & PAGE_MASK) === 0;
}

/** VMXON (SDM vol. 3C §30.3 VMXON). */
export function vmxon(cpu: Cpu, region: number): VmxOutcome {
  if ((cpu.cr4 & CR4_VMXE) === 0 || (cpu.cr0 & CR0_PE) === 0 || cpu.v86) return VMX_FAULT_UD;
  if (cpu.vmx !== null) return cpu.cpl !== 0 ? VMX_FAULT_GP : fail(cpu, VMXERR_VMXON_IN_VMX_ROOT_OPERATION);
  if (cpu.cpl !== 0) return VMX_FAULT_GP;
  if ((cpu.cr0 & CR0_FIXED0) !== CR0_FIXED0 || (cpu.cr0 & ~CR0_FIXED1) !== 0) return VMX_FAULT_GP;
  if ((cpu.cr4 & CR4_FIXED0) !== CR4_FIXED0 || (cpu.cr4 & ~CR4_FIXED1) !== 0) return VMX_FAULT_GP;
  const fc = cpu.featureControl;
  if ((fc & FEATURE_CONTROL_LOCKED) === 0 || (fc & FEATURE_CONTROL_VMXON_OUTSIDE_SMX) === 0) return VMX_FAULT_GP;
  if (!validPhysical(region)) return failInvalid(cpu);
  if ((cpu.mem.read32(region) & 0x7fffffff) !== VMCS_REVISION_ID || (cpu.mem.read32(region) & 0x80000000) !== 0) return failInvalid(cpu);
  cpu.vmx = new VmxCpuState(region);
  return succeed(cpu);
}

/** VMXOFF. */
export function vmxoff(cpu: Cpu): VmxOutcome {
  const c = rootChecks(cpu);
  if (c !== -1) return c;
  completeDeferredExit(cpu);
  flushCurrent(cpu);
  cpu.vmx = null;
  cpu.setFlags(cpu.getFlags() & ~STATUS_FLAGS);
  return VMX_SUCCEED;
}

function flushCurrent(cpu: Cpu): void {
  const vmx = cpu.vmx!;
  if (vmx.current !== VMCS_POINTER_INVALID) vmx.vmcs.flushTo(cpu.mem, vmx.current);
}

/** VMCLEAR: writes the VMCS back to memory, sets its launch state to clear, and un-currents it. */
export function vmclear(cpu: Cpu, addr: number): VmxOutcome {
  const c = rootChecks(cpu);
  if (c !== -1) return c;
  completeDeferredExit(cpu);
  const vmx = cpu.vmx!;
  if (!validPhysical(addr)) return fail(cpu, VMXERR_VMCLEAR_INVALID_ADDRESS);
  if (addr === vmx.vmxonPointer) return fail(cpu, VMXERR_VMCLEAR_VMXON_POINTER);
  if (addr === vmx.current) {
    vmx.vmcs.launched = false;
    vmx.vmcs.flushTo(cpu.mem, addr);
    vmx.current = VMCS_POINTER_INVALID;
  } else {
    clearRegionLaunchState(cpu.mem, addr);
  }
  return succeed(cpu);
}

/** VMPTRLD: makes the VMCS at `addr` current, checking its revision identifier. */
export function vmptrld(cpu: Cpu, addr: number): VmxOutcome {
  const c = rootChecks(cpu);
  if (c !== -1) return c;
  completeDeferredExit(cpu);
  const vmx = cpu.vmx!;
  if (!validPhysical(addr)) return fail(cpu, VMXERR_VMPTRLD_INVALID_ADDRESS);
  if (addr === vmx.vmxonPointer) return fail(cpu, VMXERR_VMPTRLD_VMXON_POINTER);
  // Bit 31 set would ask for a shadow VMCS, which this processor does not support.
  if (cpu.mem.read32(addr) !== VMCS_REVISION_ID) return fail(cpu, VMXERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID);
  if (vmx.current !== addr) {
    flushCurrent(cpu);
    vmx.vmcs.loadFrom(cpu.mem, addr);
    vmx.current = addr;
  }
  return succeed(cpu);
}

/** VMPTRST: the current-VMCS pointer (-1 for FFFFFFFF_FFFFFFFFH). */
export function vmptrst(cpu: Cpu): number {
  return cpu.vmx?.current ?? VMCS_POINTER_INVALID;
}

/** Value read by the last successful `vmread`. */
export let vmreadValue = 0;

/** VMREAD of `encoding`; the value is left in `vmreadValue`. */
export function vmread(cpu: Cpu, encoding: number): VmxOutcome {
  const c = rootChecks(cpu);
  if (c !== -1) return c;
  const vmx = cpu.vmx!;
  if (vmx.current === VMCS_POINTER_INVALID) return failInvalid(cpu);
  const s = vmcsSlot(encoding);
  if (s < 0) return fail(cpu, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
  vmreadValue = isHighAccess(encoding) ? vmx.vmcs.hi[s]! : vmx.vmcs.lo[s]!;
  return succeed(cpu);
}

/** VMWRITE of a 32-bit operand (a 64-bit component's high half goes through its "high" encoding). */
export function vmwrite(cpu: Cpu, encoding: number, value: number): VmxOutcome {
  const c = rootChecks(cpu);
  if (c !== -1) return c;
  const vmx = cpu.vmx!;
  if (vmx.current === VMCS_POINTER_INVALID) return failInvalid(cpu);
  const s = vmcsSlot(encoding);
  if (s < 0) return fail(cpu, VMXERR_UNSUPPORTED_VMCS_COMPONENT);
  // IA32_VMX_MISC[29] = 0: VM-exit information fields are read-only.
  if (fieldType(encoding) === TYPE_EXIT_INFO) return fail(cpu, VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT);
  if (vmx.hostStatePending || vmx.guestStateLive) beforeDeferredWrite(cpu, vmx, s);
  vmx.vmcs.writeSlot(s, isHighAccess(encoding), value);
  return succeed(cpu);
}

/** How the host regains control of a guest that never exits by itself: its timer interrupt. */
export interface HostInterrupts {
  /** Instructions the guest may run before the host's timer interrupt arrives. */
  tickInstructions: number;
  /** The vector the host's interrupt controller delivers for that interrupt (Linux: LOCAL_TIMER_VECTOR 0xEC). */
  vector: number;
  /**
   * Signals other agents sent this processor while it ran (INIT, SIPI from another thread): called when the
   * guest idles or a slice of the run budget ends, before the host's timer interrupt is taken. Return true
   * when something was delivered (the guest then keeps running so the signal is recognised).
   */
  poll?: (cpu: Cpu) => boolean;
}

export const DEFAULT_HOST_INTERRUPTS: HostInterrupts = { tickInstructions: 1_000_000, vector: 0xec };

/**
 * VMLAUNCH / VMRESUME. On success the guest runs in VMX non-root operation until a VM exit, and the
 * call returns VMX_SUCCEED with the CPU back in root operation at HOST_RIP (check VM_EXIT_REASON,
 * bit 31 for an entry failure). VMfailValid/VMfailInvalid mean the guest never ran.
 */
export function vmlaunch(cpu: Cpu, resume: boolean, host: HostInterrupts = DEFAULT_HOST_INTERRUPTS): VmxOutcome {
  const c = rootChecks(cpu);
  if (c !== -1) return c;
  const vmx = cpu.vmx!;
  if (vmx.current === VMCS_POINTER_INVALID) return failInvalid(cpu);
  if (cpu.interruptShadow === 2) return fail(cpu, 26);
  if (!resume && vmx.vmcs.launched) return fail(cpu, VMXERR_VMLAUNCH_NONCLEAR_VMCS);
  if (resume && !vmx.vmcs.launched) return fail(cpu, VMXERR_VMRESUME_NONLAUNCHED_VMCS);
  const err = vmEntry(cpu, vmx);
  if (err !== 0) return fail(cpu, err);
  if (!cpu.nonRoot) return VMX_SUCCEED; // VM-entry failure exit: already back at HOST_RIP.
  let injected: boolean;
  try {
    injected = injectEvent(cpu);
  } catch (e) {
    if (e === VM_EXIT) return VMX_SUCCEED;
    throw e;
  }
  // With the monitor trap flag, a VM entry that injected an event exits right after its delivery, before the
  // handler's first instruction (SDM vol. 3C §26.6.2).
  if (injected && vmx.mtf) {
    vmxMonitorTrapExit(cpu);
    return VMX_SUCCEED;
  }
  return runGuest(cpu, host);
}

/** Delivers the event in the VM-entry interruption-information field (SDM vol. 3C §26.6). Returns whether there was one. */
function injectEvent(cpu: Cpu): boolean {
  const vmx = cpu.vmx!;
  const v = vmx.vmcs;
  const info = v.get(VM_ENTRY_INTR_INFO_FIELD);
  if ((info & INTR_INFO_VALID_MASK) === 0) return false;
  // The valid bit is cleared on every VM exit (SDM §27.2.5); clear it now since the event is consumed.
  v.set(VM_ENTRY_INTR_INFO_FIELD, info & ~INTR_INFO_VALID_MASK);
  const type = (info >>> 8) & 7;
  const vector = info & 0xff;
  const err = info & INTR_INFO_DELIVER_CODE_MASK ? v.get(VM_ENTRY_EXCEPTION_ERROR_CODE) : -1;
  cpu.insnStart = cpu.eip;
  if (type === INTR_TYPE_SOFT_INTR || type === INTR_TYPE_SOFT_EXCEPTION || type === INTR_TYPE_PRIV_SW_EXCEPTION) {
    // The event behaves as if the instruction of that length at RIP raised it: pushes RIP + length.
    cpu.eip = (cpu.eip + v.get(VM_ENTRY_INSTRUCTION_LEN)) | 0;
  }
  // An injected NMI blocks further NMIs: virtual-NMI blocking with "virtual NMIs", else NMI blocking (SDM §26.6.1.2).
  if (type === INTR_TYPE_NMI_INTR) {
    if (vmx.pin & PIN_BASED_VIRTUAL_NMIS) vmx.virtualNmiBlocked = true;
    else cpu.nmiBlocked = true;
  }
  cpu.injecting = true;
  try {
    deliverWithNesting(cpu, vector, err, type);
  } catch (e) {
    if (e === CPU_EXCEPTION) return true;
    throw e;
  } finally {
    cpu.injecting = false;
  }
  return true;
}

/**
 * Runs the guest until a VM exit; the host timer forces an external-interrupt exit now and then. The run
 * budget ends exactly where the VMX-preemption timer reaches zero, so its exit is taken at that instruction
 * boundary; with the monitor trap flag the guest runs one instruction at a time and each is followed by an
 * MTF VM exit.
 */
function runGuest(cpu: Cpu, host: HostInterrupts): VmxOutcome {
  const vmx = cpu.vmx!;
  let tick = host.tickInstructions;
  for (;;) {
    let budget = tick;
    const timer = vmx.preemptionDeadline >= 0;
    if (timer) budget = Math.max(0, Math.min(budget, vmx.preemptionDeadline - cpu.instructionsRetired));
    if (vmx.mtf) budget = Math.min(budget, 1);
    const before = cpu.instructionsRetired;
    const r = budget === 0 ? STOP_BUDGET : cpu.run(budget);
    tick -= cpu.instructionsRetired - before;
    if (r === STOP_VM_EXIT || !cpu.nonRoot) return VMX_SUCCEED;
    if (timer && vmx.preemptionDeadline >= 0 && cpu.instructionsRetired >= vmx.preemptionDeadline && (r === STOP_BUDGET || r === STOP_HLT)) {
      // The timer counted down to zero: exit at this boundary (SDM vol. 3C §26.5.1), ahead of the host's tick.
      vmx.preemptionDeadline = -1;
      vmExit(cpu, EXIT_REASON_PREEMPTION_TIMER, 0, cpu.eip);
      return VMX_SUCCEED;
    }
    if (vmx.mtf && (r === STOP_BUDGET || r === STOP_HLT) && cpu.instructionsRetired > before) {
      vmxMonitorTrapExit(cpu);
      return VMX_SUCCEED;
    }
    if ((r === STOP_BUDGET && tick <= 0) || r === STOP_HLT) {
      if (host.poll?.(cpu) === true) continue;
      // The host's timer interrupt arrives. With "external-interrupt exiting" (KVM always sets it) it
      // causes a VM exit; the guest never sees it.
      if (vmx.pin & 1) {
        vmx.exitIntrInfo = vmx.exitCtls & (1 << 15) ? (host.vector | INTR_INFO_VALID_MASK) | 0 : 0;
        vmExit(cpu, EXIT_REASON_EXTERNAL_INTERRUPT, 0, cpu.eip);
        return VMX_SUCCEED;
      }
      tick = host.tickInstructions;
      continue;
    }
    if (r === STOP_BUDGET) continue;
    if (r === STOP_INTERNAL_ERROR) {
      loadHostState(cpu, vmx);
      return VMX_INTERNAL_ERROR;
    }
    // STOP_REQUESTED and anything else: keep running the guest (the host has nothing to do in between).
  }
}

/** INVEPT (SDM vol. 3C §30.3): type 1 single-context, 2 global. Our TLB holds combined mappings only. */
export function invept(cpu: Cpu, type: number, eptp: number): VmxOutcome {
  const c = rootChecks(cpu);
  if (c !== -1) return c;
  if (type !== 1 && type !== 2) return fail(cpu, VMXERR_INVALID_OPERAND_TO_INVEPT_INVVPID);
  const vmx = cpu.vmx!;
  if (type === 2 || (eptp & 0xfffff000) === vmx.tlbEptRoot) {
    cpu.flushTlb(true);
    vmx.tlbEptRoot = -1;
  }
  return succeed(cpu);
}

/** INVVPID: type 0 individual address, 1 single context, 2 all contexts, 3 single context except globals. */
export function invvpid(cpu: Cpu, type: number, vpid: number, linear: number): VmxOutcome {
  const c = rootChecks(cpu);
  if (c !== -1) return c;
  if (type > 3 || (type !== 2 && vpid === 0)) return fail(cpu, VMXERR_INVALID_OPERAND_TO_INVEPT_INVVPID);
  const vmx = cpu.vmx!;
  if (type === 2 || vpid === vmx.tlbVpid) {
    if (type === 0) cpu.invalidatePage(linear);
    else cpu.flushTlb(type !== 3);
  }
  return succeed(cpu);
}
