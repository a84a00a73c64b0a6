/**
 * Events in VMX non-root operation (SDM vol. 3C §25.2): exceptions and NMIs that the exception bitmap
 * and pin-based controls turn into VM exits, triple faults, host interrupts, and the interrupt-window,
 * NMI-window and preemption-timer exits that happen at instruction boundaries.
 */
import type { Cpu } from "../cpu.js";
import { EXC_DB, EXC_PF, VM_EXIT } from "../core/exceptions.js";
import { FLAG_IF } from "../core/registers.js";
import {
  CPU_BASED_INTR_WINDOW_EXITING, CPU_BASED_NMI_WINDOW_EXITING, PIN_BASED_EXT_INTR_MASK, PIN_BASED_NMI_EXITING,
  PIN_BASED_VIRTUAL_NMIS, VM_EXIT_ACK_INTR_ON_EXIT,
} from "./capabilities.js";
import {
  EXIT_REASON_EXCEPTION_NMI, EXIT_REASON_EXTERNAL_INTERRUPT, EXIT_REASON_INIT_SIGNAL, EXIT_REASON_INTERRUPT_WINDOW,
  EXIT_REASON_MONITOR_TRAP_FLAG, EXIT_REASON_NMI_WINDOW, EXIT_REASON_PREEMPTION_TIMER, EXIT_REASON_SIPI_SIGNAL,
  EXIT_REASON_TRIPLE_FAULT,
} from "./exit-reasons.js";
import { vmExit } from "./vm-exit.js";

/** Event types as in the interruption-information field (duplicated from core/interrupts to avoid a cycle). */
const EVENT_EXTERNAL = 0;
const EVENT_NMI = 2;
const EVENT_HW_EXCEPTION = 3;
const EVENT_SOFT_EXCEPTION = 6;

/**
 * Called before an event is delivered in non-root operation. Exceptions selected by the exception
 * bitmap (#PF further filtered by PFEC_MASK/MATCH, SDM §25.2) and NMIs with "NMI exiting" cause a
 * VM exit with reason 0 instead of delivery. Injected events and software interrupts (INT n) never do.
 */
export function vmxOnEvent(cpu: Cpu, vector: number, errorCode: number, type: number): void {
  if (cpu.injecting) {
    cpu.injecting = false;
    return;
  }
  const vmx = cpu.vmx!;
  if (type === EVENT_NMI) {
    if ((vmx.pin & PIN_BASED_NMI_EXITING) === 0) return;
  } else if (type === EVENT_HW_EXCEPTION || type === EVENT_SOFT_EXCEPTION || type === 5) {
    if ((vmx.exceptionBitmap & (1 << vector)) === 0 && vector !== EXC_PF) return;
    if (vector === EXC_PF) {
      const match = (errorCode & vmx.pfecMask) === vmx.pfecMatch;
      const bit = (vmx.exceptionBitmap & (1 << EXC_PF)) !== 0;
      // With the bit set, #PF exits when the error code matches; with it clear, when it does not.
      if (bit !== match) return;
    }
  } else {
    return;
  }
  vmx.exitIntrInfo = (vector | (type << 8) | (errorCode >= 0 ? 1 << 11 : 0) | (1 << 31)) | 0;
  vmx.exitIntrError = errorCode >= 0 ? errorCode : 0;
  // Software exceptions (INT3, INTO) report their instruction length; they are trap-like.
  const soft = type === EVENT_SOFT_EXCEPTION || type === 5;
  vmx.exitInsnLen = soft ? (cpu.eip - cpu.insnStart) | 0 : 0;
  // #PF qualifies with the faulting linear address; #DB with the DR6-style bits (SDM §27.2.1).
  const qual = vector === EXC_PF ? cpu.cr2 : vector === EXC_DB ? cpu.dr[6]! & 0x600f : 0;
  // The event being delivered when this one arose (if any) is the IDT-vectoring information.
  // A fault met while delivering another event resumes at that delivery (its IDT-vectoring information is saved).
  vmExit(cpu, EXIT_REASON_EXCEPTION_NMI, qual, soft ? cpu.insnStart : cpu.deliveringInfo !== 0 ? cpu.deliveringRip : cpu.eip);
  throw VM_EXIT;
}

/** A triple fault in non-root operation is a VM exit (reason 2), not a shutdown of the processor. */
export function vmxOnTripleFault(cpu: Cpu): never {
  vmExit(cpu, EXIT_REASON_TRIPLE_FAULT, 0, cpu.eip);
  throw VM_EXIT;
}

/**
 * The platform asserts INIT at this processor. In VMX root operation INIT is blocked and stays latched;
 * in non-root operation it causes a VM exit (reason 3) at the next instruction boundary (SDM vol. 3C §25.2).
 */
export function vmxSignalInit(cpu: Cpu): void {
  const vmx = cpu.vmx;
  if (!vmx) return;
  vmx.initPending = true;
  if (cpu.nonRoot) cpu.vmxWindowCheck = true;
}

/**
 * A start-up IPI arrives. Only a processor in the wait-for-SIPI activity state reacts: in non-root operation
 * with a VM exit (reason 4, the vector as exit qualification); otherwise the SIPI is discarded (SDM vol. 3A
 * §9.4.4, vol. 3C §25.2).
 */
export function vmxSignalSipi(cpu: Cpu, vector: number): void {
  const vmx = cpu.vmx;
  if (!vmx) return;
  if (!(cpu.nonRoot && vmx.waitForSipi)) return;
  vmx.sipiVector = vector & 0xff;
  cpu.vmxWindowCheck = true;
}

/** The MTF VM exit (reason 37): trap-like, after the instruction that just completed (SDM vol. 3C §26.5.2). */
export function vmxMonitorTrapExit(cpu: Cpu): void {
  vmExit(cpu, EXIT_REASON_MONITOR_TRAP_FLAG, 0, cpu.eip);
}

/**
 * At an instruction boundary in non-root operation, in the priority order of SDM vol. 3C §25.2 / §26.7.5:
 * INIT, SIPI (wait-for-SIPI only), preemption timer, NMI window, host external interrupt, interrupt window.
 * Throws VM_EXIT when one fires. In the wait-for-SIPI state nothing but INIT and SIPI is recognised, so the
 * processor stays idle (the caller sees it halted).
 */
export function vmxInterruptWindow(cpu: Cpu): boolean {
  const vmx = cpu.vmx!;
  if (vmx.initPending) {
    vmx.initPending = false;
    vmExit(cpu, EXIT_REASON_INIT_SIGNAL, 0, cpu.eip);
    throw VM_EXIT;
  }
  if (vmx.waitForSipi) {
    if (vmx.sipiVector >= 0) {
      const vector = vmx.sipiVector;
      vmx.sipiVector = -1;
      vmExit(cpu, EXIT_REASON_SIPI_SIGNAL, vector, cpu.eip);
      throw VM_EXIT;
    }
    return false;
  }
  if (vmx.preemptionDeadline >= 0 && cpu.instructionsRetired >= vmx.preemptionDeadline) {
    vmx.preemptionDeadline = -1;
    vmExit(cpu, EXIT_REASON_PREEMPTION_TIMER, 0, cpu.eip);
    throw VM_EXIT;
  }
  if (vmx.proc & CPU_BASED_NMI_WINDOW_EXITING && !vmx.virtualNmiBlocked && (cpu.interruptShadow & 2) === 0) {
    vmExit(cpu, EXIT_REASON_NMI_WINDOW, 0, cpu.eip);
    throw VM_EXIT;
  }
  if (cpu.intr && vmx.pin & PIN_BASED_EXT_INTR_MASK) {
    // The interrupt belongs to the host: exit regardless of the guest's RFLAGS.IF (SDM §25.2).
    if (vmx.exitCtls & VM_EXIT_ACK_INTR_ON_EXIT) {
      const vector = cpu.host.acknowledgeInterrupt();
      cpu.hostCalled();
      vmx.exitIntrInfo = ((vector & 0xff) | (EVENT_EXTERNAL << 8) | (1 << 31)) | 0;
    }
    vmExit(cpu, EXIT_REASON_EXTERNAL_INTERRUPT, 0, cpu.eip);
    throw VM_EXIT;
  }
  if (vmx.proc & CPU_BASED_INTR_WINDOW_EXITING && (cpu.getFlags() & FLAG_IF) !== 0 && cpu.interruptShadow === 0) {
    vmExit(cpu, EXIT_REASON_INTERRUPT_WINDOW, 0, cpu.eip);
    throw VM_EXIT;
  }
  return false;
}

/**
 * IRET ends NMI blocking (SDM vol. 3A §6.7.1). In VMX non-root operation with "virtual NMIs" it ends
 * virtual-NMI blocking instead, which is what opens the NMI window (SDM vol. 3C §25.3). Called by IRET
 * before it checks its operands: a fault in IRET leaves NMIs unblocked, the case VMX reports as "NMI
 * unblocking due to IRET".
 */
export function iretUnblocksNmi(cpu: Cpu): void {
  const vmx = cpu.vmx;
  if (cpu.nonRoot && vmx !== null && (vmx.pin & PIN_BASED_VIRTUAL_NMIS) !== 0) vmx.virtualNmiBlocked = false;
  else cpu.nmiBlocked = false;
}
