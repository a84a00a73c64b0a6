/**
 * @virtkit/cpu — an x86 processor model with Intel VMX.
 *
 * The interpreter runs standalone as an emulator core (give it physical memory and a host for ports
 * and interrupts) or as the "hardware" under VMX non-root operation, driven by a hypervisor through
 * the VMX instructions (vmxon, vmptrld, vmwrite, vmlaunch ...).
 */
export * from "./cpu.js";
export * from "./core/registers.js";
export * from "./core/exceptions.js";
export * from "./core/physical-memory.js";
export * from "./core/cpuid.js";
export * from "./core/msr.js";
export { X87Coprocessor } from "./core/x87-coprocessor.js";
export { TASK_FROM_CALL, TASK_FROM_IRET, TASK_FROM_JUMP, TASK_FROM_INT, taskThroughGate } from "./core/task-switch.js";
export { DR6_BS, DR6_BD, DR6_BT, DR7_GD } from "./core/debug.js";
export { deliverWithNesting, EVENT_EXTERNAL, EVENT_NMI, EVENT_HW_EXCEPTION, EVENT_SOFT_INT, EVENT_SOFT_EXCEPTION, EVENT_PRIV_SOFT_EXCEPTION } from "./core/interrupts.js";
export { writeCr0, writeCr3, writeCr4 } from "./ops/system.js";
export * as vmcsFields from "./vmx/vmcs-fields.js";
export * from "./vmx/vmcs-fields.js";
export * from "./vmx/exit-reasons.js";
export * from "./vmx/capabilities.js";
export * from "./vmx/vmx-instructions.js";
export { VmxCpuState, VMCS_POINTER_INVALID } from "./vmx/vmx-state.js";
export { vmxSignalInit, vmxSignalSipi } from "./vmx/vmx-events.js";
export { setVmExitObserver, GUEST_ACTIVITY_ACTIVE, GUEST_ACTIVITY_HLT, GUEST_ACTIVITY_SHUTDOWN, GUEST_ACTIVITY_WAIT_SIPI, GUEST_INTR_STATE_STI, GUEST_INTR_STATE_MOV_SS, GUEST_INTR_STATE_NMI } from "./vmx/vm-exit.js";
export * from "./vmx/ept.js";
export { IO_QUAL_IN, IO_QUAL_STRING, IO_QUAL_REP, IO_QUAL_IMMEDIATE, CR_ACCESS_MOV_TO_CR, CR_ACCESS_MOV_FROM_CR, CR_ACCESS_CLTS, CR_ACCESS_LMSW } from "./vmx/intercepts.js";
export { INTR_INFO_VALID_MASK, INTR_INFO_DELIVER_CODE_MASK, INTR_TYPE_EXT_INTR, INTR_TYPE_NMI_INTR, INTR_TYPE_HARD_EXCEPTION, INTR_TYPE_SOFT_INTR, INTR_TYPE_PRIV_SW_EXCEPTION, INTR_TYPE_SOFT_EXCEPTION } from "./vmx/vm-entry.js";
export { VmcsCache, vmcsSlot } from "./vmx/vmcs.js";
export { describeExitQualification } from "./vmx/exit-qualification.js";
export { setJitSourceListener } from "./jit/codegen.js";
