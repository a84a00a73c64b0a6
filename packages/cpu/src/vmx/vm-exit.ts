/**
 * VM exits (SDM vol. 3C chapter 27): record the exit information, save the guest state into the VMCS,
 * load the host state from it, and leave VMX non-root operation.
 */
import type { Cpu } from "../cpu.js";
import { CR0_PE, CR0_PG, CS, DS, ES, FLAG_FIXED1, FS, GS, LDTR, SS, TR, AR_UNUSABLE, CR4_PAE } from "../core/registers.js";
import {
  EXIT_QUALIFICATION, GUEST_ACTIVITY_STATE, GUEST_CR0, GUEST_CR3, GUEST_CR4, GUEST_DR7, GUEST_GDTR_BASE,
  GUEST_GDTR_LIMIT, GUEST_IA32_EFER, GUEST_IA32_PAT, GUEST_IDTR_BASE, GUEST_IDTR_LIMIT, GUEST_INTERRUPTIBILITY_INFO,
  GUEST_LINEAR_ADDRESS, GUEST_PDPTR0, GUEST_PENDING_DBG_EXCEPTIONS, GUEST_PHYSICAL_ADDRESS, GUEST_RFLAGS, GUEST_RIP,
  GUEST_RSP, GUEST_SEG_AR, GUEST_SEG_BASE, GUEST_SEG_LIMIT, GUEST_SEG_SELECTOR, GUEST_SYSENTER_CS, GUEST_SYSENTER_EIP,
  GUEST_SYSENTER_ESP, HOST_CR0, HOST_CR3, HOST_CR4, HOST_CS_SELECTOR, HOST_DS_SELECTOR, HOST_ES_SELECTOR,
  HOST_FS_BASE, HOST_FS_SELECTOR, HOST_GDTR_BASE, HOST_GS_BASE, HOST_GS_SELECTOR, HOST_IA32_EFER, HOST_IA32_PAT,
  HOST_IA32_SYSENTER_CS, HOST_IA32_SYSENTER_EIP, HOST_IA32_SYSENTER_ESP, HOST_IDTR_BASE, HOST_RIP, HOST_RSP,
  HOST_SS_SELECTOR, HOST_TR_BASE, HOST_TR_SELECTOR, IDT_VECTORING_ERROR_CODE, IDT_VECTORING_INFO_FIELD,
  TYPE_HOST, VMCS_FIELDS, VMX_INSTRUCTION_INFO, VMX_PREEMPTION_TIMER_VALUE, VM_ENTRY_CONTROLS, VM_EXIT_CONTROLS,
  VM_EXIT_INSTRUCTION_LEN, VM_EXIT_INTR_ERROR_CODE, VM_EXIT_INTR_INFO, VM_EXIT_MSR_LOAD_COUNT, VM_EXIT_REASON, fieldType,
} from "./vmcs-fields.js";
import {
  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, SECONDARY_EXEC_ENABLE_EPT, VM_ENTRY_LOAD_DEBUG_CONTROLS, VM_ENTRY_LOAD_IA32_EFER,
  VM_ENTRY_LOAD_IA32_PAT, VM_EXIT_LOAD_IA32_EFER, VM_EXIT_LOAD_IA32_PAT,
  VM_EXIT_SAVE_IA32_EFER, VM_EXIT_SAVE_IA32_PAT, VM_EXIT_SAVE_VMX_PREEMPTION_TIMER, PREEMPTION_TIMER_SCALE,
} from "./capabilities.js";
import type { VmxCpuState } from "./vmx-state.js";
import { VMX_EXIT_REASONS_FAILED_VMENTRY } from "./exit-reasons.js";
import { vmxMsrListLoad, vmxMsrListStore } from "./msr-lists.js";
import { VMCS_SLOTS, slotsOf, vmcsSlot } from "./vmcs.js";

/** Guest activity states (SDM vol. 3C §24.4.2). */
export const GUEST_ACTIVITY_ACTIVE = 0;
export const GUEST_ACTIVITY_HLT = 1;
export const GUEST_ACTIVITY_SHUTDOWN = 2;
export const GUEST_ACTIVITY_WAIT_SIPI = 3;

/** Interruptibility-state bits (SDM vol. 3C §24.4.2, table 24-3). */
export const GUEST_INTR_STATE_STI = 1 << 0;
export const GUEST_INTR_STATE_MOV_SS = 1 << 1;
export const GUEST_INTR_STATE_SMI = 1 << 2;
export const GUEST_INTR_STATE_NMI = 1 << 3;

/**
 * The guest RIP a fault-like exit saves: the instruction's own address, or — when the exit interrupts
 * event delivery — the point that delivery would resume at (the INT instruction for software events).
 */
export function faultExitRip(cpu: Cpu): number {
  return cpu.deliveringInfo !== 0 ? cpu.deliveringRip : cpu.insnStart;
}

/** Listener the layer above can install to observe each exit (tracing); cheap when null. */
export type VmExitObserver = (cpu: Cpu, reason: number, qualification: number) => void;

/**
 * Performs a VM exit with basic `reason` and `qualification`; `rip` is the guest RIP to save (the
 * instruction's address for fault-like exits, the next instruction's for trap-like ones).
 * Exit-information fields staged in `cpu.vmx` (interruption info, instruction length...) are written too.
 */
export function vmExit(cpu: Cpu, reason: number, qualification: number, rip: number): void {
  const vmx = cpu.vmx!;
  const v = vmx.vmcs;
  const x = exitInformation;
  x[EXIT_INFO_REASON] = reason;
  x[EXIT_INFO_QUALIFICATION] = qualification;
  x[EXIT_INFO_INTR_INFO] = vmx.exitIntrInfo;
  x[EXIT_INFO_INTR_ERROR_CODE] = vmx.exitIntrError;
  x[EXIT_INFO_INSTRUCTION_LEN] = cpu.deliveringInfo !== 0 && cpu.deliveringLen !== 0 ? cpu.deliveringLen : vmx.exitInsnLen;
  x[EXIT_INFO_INSTRUCTION_INFO] = vmx.exitInsnInfo;
  x[EXIT_INFO_GUEST_LINEAR] = vmx.exitGuestLinear;
  // An exit during event delivery records that event as IDT-vectoring information (SDM vol. 3C §27.2.4).
  x[EXIT_INFO_IDT_VECTORING] = cpu.deliveringInfo;
  x[EXIT_INFO_IDT_VECTORING_ERROR] = cpu.deliveringInfo !== 0 && cpu.deliveringError >= 0 ? cpu.deliveringError : 0;
  v.storeSlots(EXIT_INFORMATION_SLOTS, x);
  // (GUEST_PHYSICAL_ADDRESS is a 64-bit component: bits 63:32 are 0 with 32-bit physical addresses.)
  v.set64(GUEST_PHYSICAL_ADDRESS, vmx.exitGuestPhysical, 0);
  vmx.exitIntrInfo = vmx.exitIntrError = vmx.exitInsnLen = vmx.exitInsnInfo = 0;
  vmx.exitGuestLinear = vmx.exitGuestPhysical = 0;
  cpu.deliveringInfo = 0;
  cpu.delivering = -1;
  if (saveGuestState(cpu, vmx, rip)) {
    vmxMsrListStore(cpu, vmx);
    loadHostRegisters(cpu, vmx);
    vmx.hostStatePending = true;
    vmx.guestStateLive = true;
    vmx.deferredExits++;
  } else {
    vmxMsrListStore(cpu, vmx);
    loadHostState(cpu, vmx);
  }
  vmx.exits++;
  if (!vmxMsrListLoad(cpu, vmx)) {
    // A failure loading host MSRs is a VMX abort (SDM vol. 3C §27.7): the processor shuts down.
    cpu.shutdown = true;
    cpu.halted = true;
  }
  exitObserver?.(cpu, reason, qualification);
}

/**
 * The exit-information components every exit writes (SDM vol. 3C §27.2), in this order; EXIT_INFO_* index
 * them. GUEST_PHYSICAL_ADDRESS is listed by its low half (storeSlots takes components of at most 32 bits).
 */
const EXIT_INFORMATION_SLOTS = slotsOf([
  VM_EXIT_REASON, EXIT_QUALIFICATION, VM_EXIT_INTR_INFO, VM_EXIT_INTR_ERROR_CODE, VM_EXIT_INSTRUCTION_LEN,
  VMX_INSTRUCTION_INFO, GUEST_LINEAR_ADDRESS, IDT_VECTORING_INFO_FIELD, IDT_VECTORING_ERROR_CODE,
]);
const EXIT_INFO_REASON = 0, EXIT_INFO_QUALIFICATION = 1, EXIT_INFO_INTR_INFO = 2, EXIT_INFO_INTR_ERROR_CODE = 3;
const EXIT_INFO_INSTRUCTION_LEN = 4, EXIT_INFO_INSTRUCTION_INFO = 5, EXIT_INFO_GUEST_LINEAR = 6;
const EXIT_INFO_IDT_VECTORING = 7, EXIT_INFO_IDT_VECTORING_ERROR = 8;
const exitInformation = new Int32Array(EXIT_INFORMATION_SLOTS.length);

let exitObserver: VmExitObserver | null = null;
/** Installs (or clears) the exit observer. */
export function setVmExitObserver(o: VmExitObserver | null): void {
  exitObserver = o;
}

/** A VM entry that failed its guest-state or MSR-load checks (SDM vol. 3C §26.8): no guest state is saved. */
export function vmEntryFailure(cpu: Cpu, reason: number, qualification: number): void {
  const vmx = cpu.vmx!;
  vmx.vmcs.set(VM_EXIT_REASON, (reason | VMX_EXIT_REASONS_FAILED_VMENTRY) >>> 0);
  vmx.vmcs.set(EXIT_QUALIFICATION, qualification);
  loadHostState(cpu, vmx);
  vmx.exits++;
  vmxMsrListLoad(cpu, vmx);
  exitObserver?.(cpu, (reason | VMX_EXIT_REASONS_FAILED_VMENTRY) >>> 0, qualification);
}

/**
 * The guest-state components every exit saves and every entry loads (SDM vol. 3C §27.3.1-27.3.4, §26.3.2),
 * in this order; GUEST_REG_* index them. Saved and loaded as one table (VmcsCache.storeSlots/loadSlots).
 */
export const GUEST_REGISTER_SLOTS = slotsOf([
  GUEST_CR0, GUEST_CR3, GUEST_CR4, GUEST_DR7, GUEST_RSP, GUEST_RIP, GUEST_RFLAGS,
  ...GUEST_SEG_SELECTOR, ...GUEST_SEG_BASE, ...GUEST_SEG_LIMIT, ...GUEST_SEG_AR,
  GUEST_GDTR_BASE, GUEST_GDTR_LIMIT, GUEST_IDTR_BASE, GUEST_IDTR_LIMIT, GUEST_SYSENTER_CS, GUEST_SYSENTER_ESP,
  GUEST_SYSENTER_EIP, GUEST_INTERRUPTIBILITY_INFO, GUEST_ACTIVITY_STATE, GUEST_PENDING_DBG_EXCEPTIONS,
]);
export const GUEST_REG_CR0 = 0, GUEST_REG_CR3 = 1, GUEST_REG_CR4 = 2, GUEST_REG_DR7 = 3, GUEST_REG_RSP = 4, GUEST_REG_RIP = 5;
export const GUEST_REG_RFLAGS = 6, GUEST_REG_SEL = 7, GUEST_REG_BASE = 15, GUEST_REG_LIMIT = 23, GUEST_REG_AR = 31;
export const GUEST_REG_GDTR_BASE = 39, GUEST_REG_GDTR_LIMIT = 40, GUEST_REG_IDTR_BASE = 41, GUEST_REG_IDTR_LIMIT = 42;
export const GUEST_REG_SYSENTER_CS = 43, GUEST_REG_SYSENTER_ESP = 44, GUEST_REG_SYSENTER_EIP = 45;
export const GUEST_REG_INTERRUPTIBILITY = 46, GUEST_REG_ACTIVITY = 47, GUEST_REG_PENDING_DBG = 48;
/** Scratch for one save or load (the processor model runs one VM exit or entry at a time per thread). */
const guestRegisters = new Int32Array(GUEST_REGISTER_SLOTS.length);

/**
 * The guest registers a deferred state switch still saves and loads through the VMCS at every exit and entry
 * (the ones the kvm module reads or writes around nearly every exit): RSP, RIP, RFLAGS and the non-register
 * state. GUEST_REG_* ranges [GUEST_REG_RSP, GUEST_REG_RFLAGS] and [GUEST_REG_INTERRUPTIBILITY, GUEST_REG_PENDING_DBG].
 */
export const GUEST_EAGER_SLOTS = slotsOf([
  GUEST_RSP, GUEST_RIP, GUEST_RFLAGS, GUEST_INTERRUPTIBILITY_INFO, GUEST_ACTIVITY_STATE, GUEST_PENDING_DBG_EXCEPTIONS,
]);
const guestEager = new Int32Array(GUEST_EAGER_SLOTS.length);

/**
 * Saves the guest state (SDM vol. 3C §27.3). Returns true when the exit may defer the rest of the state
 * switch (VmxCpuState.deferStateSwitch): then only the eager registers were written, because every other
 * guest-state component already holds what the processor holds — the VMCS is exact either way.
 */
function saveGuestState(cpu: Cpu, vmx: VmxCpuState, rip: number): boolean {
  const v = vmx.vmcs;
  let intr = 0;
  if (cpu.interruptShadow === 1) intr |= GUEST_INTR_STATE_STI;
  else if (cpu.interruptShadow === 2) intr |= GUEST_INTR_STATE_MOV_SS;
  if (cpu.nmiBlocked || vmx.virtualNmiBlocked) intr |= GUEST_INTR_STATE_NMI;
  const activity = cpu.shutdown ? GUEST_ACTIVITY_SHUTDOWN : cpu.halted ? (vmx.waitForSipi ? GUEST_ACTIVITY_WAIT_SIPI : GUEST_ACTIVITY_HLT) : GUEST_ACTIVITY_ACTIVE;
  if (vmx.exitCtls & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER) {
    const left = vmx.preemptionDeadline < 0 ? 0 : Math.max(0, vmx.preemptionDeadline - cpu.instructionsRetired);
    v.set(VMX_PREEMPTION_TIMER_VALUE, Math.ceil(left / PREEMPTION_TIMER_SCALE));
  }
  const ept = (vmx.proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS) !== 0 && (vmx.proc2 & SECONDARY_EXEC_ENABLE_EPT) !== 0;
  const pdptes = ept && (cpu.cr0 & CR0_PG) !== 0 && (cpu.cr4 & CR4_PAE) !== 0;
  if (vmx.deferStateSwitch && deferrable(cpu, vmx, pdptes)) {
    const e = guestEager;
    e[0] = cpu.reg[4]!;
    e[1] = rip;
    e[2] = cpu.getFlags();
    e[3] = intr;
    e[4] = activity;
    e[5] = 0;
    v.storeSlots(GUEST_EAGER_SLOTS, e);
    return true;
  }
  const w = guestRegisters;
  w[GUEST_REG_CR0] = cpu.cr0;
  w[GUEST_REG_CR3] = cpu.cr3;
  w[GUEST_REG_CR4] = cpu.cr4;
  w[GUEST_REG_DR7] = cpu.dr[7]!;
  w[GUEST_REG_RSP] = cpu.reg[4]!;
  w[GUEST_REG_RIP] = rip;
  w[GUEST_REG_RFLAGS] = cpu.getFlags();
  for (let s = 0; s < 8; s++) {
    w[GUEST_REG_SEL + s] = cpu.segSel[s]!;
    w[GUEST_REG_BASE + s] = cpu.segBase[s]!;
    w[GUEST_REG_LIMIT + s] = cpu.segLimit[s]!;
    w[GUEST_REG_AR + s] = cpu.segAr[s]!;
  }
  w[GUEST_REG_GDTR_BASE] = cpu.gdtrBase;
  w[GUEST_REG_GDTR_LIMIT] = cpu.gdtrLimit;
  w[GUEST_REG_IDTR_BASE] = cpu.idtrBase;
  w[GUEST_REG_IDTR_LIMIT] = cpu.idtrLimit;
  w[GUEST_REG_SYSENTER_CS] = cpu.sysenterCs;
  w[GUEST_REG_SYSENTER_ESP] = cpu.sysenterEsp;
  w[GUEST_REG_SYSENTER_EIP] = cpu.sysenterEip;
  w[GUEST_REG_INTERRUPTIBILITY] = intr;
  w[GUEST_REG_ACTIVITY] = activity;
  w[GUEST_REG_PENDING_DBG] = 0;
  v.storeSlots(GUEST_REGISTER_SLOTS, w);
  if (vmx.exitCtls & VM_EXIT_SAVE_IA32_PAT) v.set64(GUEST_IA32_PAT, cpu.pat[0]!, cpu.pat[1]!);
  if (vmx.exitCtls & VM_EXIT_SAVE_IA32_EFER) v.set64(GUEST_IA32_EFER, cpu.efer, 0);
  // With EPT and PAE paging the PDPTE registers are part of the guest state (SDM vol. 3C §27.3.4).
  if (pdptes) {
    for (let i = 0; i < 4; i++) v.set64(GUEST_PDPTR0 + i * 2, cpu.pdpte[i * 2]!, cpu.pdpte[i * 2 + 1]!);
  }
  return false;
}

/** Slots of the components deferrable() compares (selectors are 16-bit components, the others 32-bit or natural-width). */
const S_CR0 = vmcsSlot(GUEST_CR0), S_CR3 = vmcsSlot(GUEST_CR3), S_CR4 = vmcsSlot(GUEST_CR4), S_DR7 = vmcsSlot(GUEST_DR7);
const S_GDTR_BASE = vmcsSlot(GUEST_GDTR_BASE), S_GDTR_LIMIT = vmcsSlot(GUEST_GDTR_LIMIT);
const S_IDTR_BASE = vmcsSlot(GUEST_IDTR_BASE), S_IDTR_LIMIT = vmcsSlot(GUEST_IDTR_LIMIT);
const S_SYSENTER_CS = vmcsSlot(GUEST_SYSENTER_CS), S_SYSENTER_ESP = vmcsSlot(GUEST_SYSENTER_ESP), S_SYSENTER_EIP = vmcsSlot(GUEST_SYSENTER_EIP);
const S_PAT = vmcsSlot(GUEST_IA32_PAT), S_EFER = vmcsSlot(GUEST_IA32_EFER);
const S_PDPTE = Int16Array.from([0, 1, 2, 3], (i) => vmcsSlot(GUEST_PDPTR0 + i * 2));
/**
 * The first slot of each segment-register component group. The VMCS cache lays each group out in
 * encoding order (ES, CS, SS, DS, FS, GS, LDTR, TR: consecutive encodings), so segment s is at first + s;
 * the check below asserts it once at load, and deferrable() then indexes without a table per component.
 */
const S_SEL0 = contiguousSlots(GUEST_SEG_SELECTOR), S_BASE0 = contiguousSlots(GUEST_SEG_BASE);
const S_LIMIT0 = contiguousSlots(GUEST_SEG_LIMIT), S_AR0 = contiguousSlots(GUEST_SEG_AR);

function contiguousSlots(encodings: readonly number[]): number {
  const first = vmcsSlot(encodings[0]!);
  encodings.forEach((e, i) => {
    if (vmcsSlot(e) !== first + i) throw new Error(`VMCS slot of field ${e.toString(16)}h is not ${first + i}`);
  });
  return first;
}

/**
 * Whether this exit may defer the state switch: the exit loads no MSRs (their loads would overwrite guest
 * MSRs the processor keeps), and every guest-state component other than the eager ones already holds what a
 * save would store, with the entry controls loading each of them back — so the next entry, if nothing
 * changes them in between, would load exactly what the processor holds now. Then neither the save nor the
 * host-state load nor the next entry's load of those components changes anything the guest can see.
 */
function deferrable(cpu: Cpu, vmx: VmxCpuState, pdptes: boolean): boolean {
  const v = vmx.vmcs;
  const lo = v.lo, hi = v.hi;
  if (v.get(VM_EXIT_MSR_LOAD_COUNT) !== 0) return false;
  const entry = vmx.entryCtls, exit = vmx.exitCtls;
  // DR7 is saved by every exit but loaded only with "load debug controls". PAT and EFER: what the exit
  // saves and what the entry loads must be what the processor holds, and a host value the exit loads must
  // be replaced by the entry's load.
  if ((entry & VM_ENTRY_LOAD_DEBUG_CONTROLS) === 0) return false;
  if ((exit & VM_EXIT_LOAD_IA32_PAT) !== 0 && (entry & VM_ENTRY_LOAD_IA32_PAT) === 0) return false;
  if ((exit & VM_EXIT_SAVE_IA32_PAT) !== 0 || (entry & VM_ENTRY_LOAD_IA32_PAT) !== 0) {
    if (lo[S_PAT] !== cpu.pat[0]! >>> 0 || hi[S_PAT] !== cpu.pat[1]! >>> 0) return false;
  }
  if ((exit & VM_EXIT_LOAD_IA32_EFER) !== 0 && (entry & VM_ENTRY_LOAD_IA32_EFER) === 0) return false;
  if ((exit & VM_EXIT_SAVE_IA32_EFER) !== 0 || (entry & VM_ENTRY_LOAD_IA32_EFER) !== 0) {
    if (lo[S_EFER] !== cpu.efer >>> 0 || hi[S_EFER] !== 0) return false;
  }
  if (pdptes) {
    for (let i = 0; i < 4; i++) {
      if (lo[S_PDPTE[i]!] !== cpu.pdpte[i * 2]! >>> 0 || hi[S_PDPTE[i]!] !== cpu.pdpte[i * 2 + 1]! >>> 0) return false;
    }
  }
  // The entry derives CPL from SS.DPL (0 in real mode, 3 in virtual-8086 mode): it must be what the processor has.
  const cpl = cpu.v86 ? 3 : (cpu.cr0 & CR0_PE) === 0 ? 0 : (cpu.segAr[SS]! >>> 5) & 3;
  if (cpu.cpl !== cpl) return false;
  // (Signed views on both sides: the 32-bit components compare as the Int32Array registers hold them.)
  const l = v.loSigned;
  if (l[S_CR0] !== (cpu.cr0 | 0) || l[S_CR3] !== (cpu.cr3 | 0) || l[S_CR4] !== (cpu.cr4 | 0) || l[S_DR7] !== cpu.dr[7]!) return false;
  if (l[S_GDTR_BASE] !== (cpu.gdtrBase | 0) || l[S_GDTR_LIMIT] !== (cpu.gdtrLimit | 0)) return false;
  if (l[S_IDTR_BASE] !== (cpu.idtrBase | 0) || l[S_IDTR_LIMIT] !== (cpu.idtrLimit | 0)) return false;
  if (l[S_SYSENTER_CS] !== (cpu.sysenterCs | 0) || l[S_SYSENTER_ESP] !== (cpu.sysenterEsp | 0) || l[S_SYSENTER_EIP] !== (cpu.sysenterEip | 0)) return false;
  const sel = cpu.segSel, base = cpu.segBase, limit = cpu.segLimit, ar = cpu.segAr;
  for (let s = 0; s < 8; s++) {
    if (l[S_SEL0 + s] !== sel[s]! || l[S_BASE0 + s] !== base[s]! || l[S_LIMIT0 + s] !== limit[s]! || l[S_AR0 + s] !== ar[s]!) return false;
  }
  return true;
}

/** The host-state components every exit loads (SDM vol. 3C §27.5), in this order; HOST_REG_* index them. */
const HOST_REGISTER_SLOTS = slotsOf([
  HOST_CR0, HOST_CR3, HOST_CR4, HOST_IA32_SYSENTER_CS, HOST_IA32_SYSENTER_ESP, HOST_IA32_SYSENTER_EIP,
  HOST_CS_SELECTOR, HOST_SS_SELECTOR, HOST_DS_SELECTOR, HOST_ES_SELECTOR, HOST_FS_SELECTOR, HOST_GS_SELECTOR,
  HOST_FS_BASE, HOST_GS_BASE, HOST_TR_SELECTOR, HOST_TR_BASE, HOST_GDTR_BASE, HOST_IDTR_BASE, HOST_RIP, HOST_RSP,
]);
const HOST_REG_CR0 = 0, HOST_REG_CR3 = 1, HOST_REG_CR4 = 2, HOST_REG_SYSENTER_CS = 3, HOST_REG_SYSENTER_ESP = 4;
const HOST_REG_SYSENTER_EIP = 5, HOST_REG_CS = 6, HOST_REG_SS = 7, HOST_REG_DS = 8, HOST_REG_ES = 9, HOST_REG_FS = 10;
const HOST_REG_GS = 11, HOST_REG_FS_BASE = 12, HOST_REG_GS_BASE = 13, HOST_REG_TR = 14, HOST_REG_TR_BASE = 15;
const HOST_REG_GDTR_BASE = 16, HOST_REG_IDTR_BASE = 17, HOST_REG_RIP = 18, HOST_REG_RSP = 19;
const hostRegisters = new Int32Array(HOST_REGISTER_SLOTS.length);

function loadFlatHostSegment(cpu: Cpu, s: number, sel: number, type: number, nullUnusable: boolean): void {
  cpu.segSel[s] = sel;
  cpu.segBase[s] = 0;
  cpu.segLimit[s] = -1;
  cpu.segAr[s] = nullUnusable && sel === 0 ? AR_UNUSABLE : type | 0x10 | 0x80 | 0x4000 | 0x8000;
}

/**
 * The part of the host-state load (SDM vol. 3C §27.5) every exit performs at once, deferred or not: RIP,
 * RSP, RFLAGS and leaving non-root operation.
 */
function loadHostRegisters(cpu: Cpu, vmx: VmxCpuState): void {
  const v = vmx.vmcs;
  cpu.nonRoot = false;
  cpu.halted = false;
  cpu.shutdown = false;
  cpu.interruptShadow = 0;
  cpu.nmiBlocked = false;
  cpu.eip = v.get(HOST_RIP) | 0;
  cpu.reg[4] = v.get(HOST_RSP) | 0;
  cpu.setFlags(FLAG_FIXED1);
}

/**
 * Completes a deferred state switch (VmxCpuState.hostStatePending): loads the rest of the host state now.
 * Called before anything can observe the host's state other than through VMREAD/VMWRITE (VMCLEAR,
 * VMPTRLD, VMXOFF, a VMWRITE to a host-state field). The guest state it leaves behind is in the VMCS.
 */
export function completeDeferredExit(cpu: Cpu): void {
  const vmx = cpu.vmx;
  if (vmx?.hostStatePending !== true) return;
  const eip = cpu.eip, rsp = cpu.reg[4]!, flags = cpu.getFlags();
  loadHostState(cpu, vmx);
  // RIP, RSP and RFLAGS were loaded at the exit and may have moved on since (flags from VMX instructions).
  cpu.eip = eip;
  cpu.reg[4] = rsp;
  cpu.setFlags(flags);
}

/**
 * What a VMWRITE to a slot means for a deferred state switch: 1 for the guest components the processor may
 * still hold (and the controls that say how they load), 2 for host-state components the deferred part of the
 * host load still has to read.
 */
const WRITE_DEFERRED_GUEST = 1, WRITE_HOST = 2;
const DEFERRED_WRITE = new Uint8Array(VMCS_SLOTS);
GUEST_REGISTER_SLOTS.forEach((s, i) => {
  if (i < GUEST_REG_RSP || (i > GUEST_REG_RFLAGS && i < GUEST_REG_INTERRUPTIBILITY)) DEFERRED_WRITE[s] = WRITE_DEFERRED_GUEST;
});
for (const f of [GUEST_IA32_PAT, GUEST_IA32_EFER, GUEST_PDPTR0, GUEST_PDPTR0 + 2, GUEST_PDPTR0 + 4, GUEST_PDPTR0 + 6, VM_ENTRY_CONTROLS, VM_EXIT_CONTROLS]) {
  DEFERRED_WRITE[vmcsSlot(f)] = WRITE_DEFERRED_GUEST;
}
for (const [, enc] of VMCS_FIELDS) if (fieldType(enc) === TYPE_HOST) DEFERRED_WRITE[vmcsSlot(enc)] = WRITE_HOST;

/**
 * VMWRITE is about to store into slot `s` while a state switch is deferred: a guest component the processor
 * holds is no longer what the next entry must load (it loads them all), and a host-state component is read
 * by the host load the exit deferred, which therefore happens first (with the values the exit would have seen).
 */
export function beforeDeferredWrite(cpu: Cpu, vmx: VmxCpuState, s: number): void {
  const kind = DEFERRED_WRITE[s]!;
  if (kind === WRITE_DEFERRED_GUEST) vmx.guestStateLive = false;
  else if (kind === WRITE_HOST && vmx.hostStatePending) completeDeferredExit(cpu);
}

/** Loads the host-state area (SDM vol. 3C §27.5) and leaves non-root operation. */
export function loadHostState(cpu: Cpu, vmx: VmxCpuState): void {
  const v = vmx.vmcs;
  const h = hostRegisters;
  vmx.hostStatePending = false;
  vmx.guestStateLive = false;
  v.loadSlots(HOST_REGISTER_SLOTS, h);
  cpu.nonRoot = false;
  cpu.halted = false;
  cpu.shutdown = false;
  cpu.interruptShadow = 0;
  cpu.cr0 = h[HOST_REG_CR0]!;
  cpu.cr3 = h[HOST_REG_CR3]!;
  cpu.cr4 = h[HOST_REG_CR4]!;
  cpu.dr[7] = 0x400;
  cpu.sysenterCs = h[HOST_REG_SYSENTER_CS]! >>> 0;
  cpu.sysenterEsp = h[HOST_REG_SYSENTER_ESP]!;
  cpu.sysenterEip = h[HOST_REG_SYSENTER_EIP]!;
  if (vmx.exitCtls & VM_EXIT_LOAD_IA32_PAT) {
    cpu.pat[0] = v.get(HOST_IA32_PAT) | 0;
    cpu.pat[1] = v.getHigh(HOST_IA32_PAT) | 0;
  }
  if (vmx.exitCtls & VM_EXIT_LOAD_IA32_EFER) cpu.efer = v.get(HOST_IA32_EFER) | 0;
  // Flat 32-bit host segments: CS execute/read accessed, data read/write accessed, 4 GiB, DPL 0 (§27.5.2);
  // a null data selector leaves its segment unusable.
  loadFlatHostSegment(cpu, CS, h[HOST_REG_CS]!, 0xb, false);
  loadFlatHostSegment(cpu, SS, h[HOST_REG_SS]!, 0x3, false);
  loadFlatHostSegment(cpu, DS, h[HOST_REG_DS]!, 0x3, true);
  loadFlatHostSegment(cpu, ES, h[HOST_REG_ES]!, 0x3, true);
  loadFlatHostSegment(cpu, FS, h[HOST_REG_FS]!, 0x3, true);
  loadFlatHostSegment(cpu, GS, h[HOST_REG_GS]!, 0x3, true);
  cpu.segBase[FS] = h[HOST_REG_FS_BASE]!;
  cpu.segBase[GS] = h[HOST_REG_GS_BASE]!;
  cpu.segSel[TR] = h[HOST_REG_TR]!;
  cpu.segBase[TR] = h[HOST_REG_TR_BASE]!;
  cpu.segLimit[TR] = 0x67;
  cpu.segAr[TR] = 0x8b;
  cpu.segSel[LDTR] = 0;
  cpu.segBase[LDTR] = 0;
  cpu.segLimit[LDTR] = 0;
  cpu.segAr[LDTR] = AR_UNUSABLE;
  cpu.gdtrBase = h[HOST_REG_GDTR_BASE]!;
  cpu.gdtrLimit = 0xffff;
  cpu.idtrBase = h[HOST_REG_IDTR_BASE]!;
  cpu.idtrLimit = 0xffff;
  cpu.eip = h[HOST_REG_RIP]!;
  cpu.reg[4] = h[HOST_REG_RSP]!;
  cpu.setFlags(FLAG_FIXED1);
  cpu.cpl = 0;
  cpu.nmiBlocked = false;
  cpu.onModeChange();
  // Linear mappings of VPID 0 are invalidated when VPIDs are off; tagged guest entries may stay (§28.3.3.3).
  if (vmx.vpid === 0) cpu.flushTlb(true);
  cpu.resetFetch();
}
