/**
 * VM entry (SDM vol. 3C chapter 26): checks on the controls and host state (§26.2, failures are
 * VMfailValid with error 7 or 8), checks on the guest state (§26.3.1, failures are VM exits with bit 31
 * set and reason 33), guest-state loading (§26.3.2), MSR loading (§26.4, failures reason 34) and event
 * injection (§26.6). Checks run in the manual's order; the first failure found is the one reported.
 */
import type { Cpu } from "../cpu.js";
import {
  AR_UNUSABLE, CR0_PE, CR0_PG, CR4_PAE, FLAG_IF, FLAG_VM, LDTR, SS, CS, TR,
} from "../core/registers.js";
import { loadPdptes } from "../mmu/paging.js";
import {
  CPU_BASED_ACTIVATE_SECONDARY_CONTROLS, CPU_BASED_INTR_WINDOW_EXITING, CPU_BASED_MONITOR_TRAP_FLAG,
  CPU_BASED_NMI_WINDOW_EXITING, CPU_BASED_TPR_SHADOW, CPU_BASED_USE_IO_BITMAPS, CPU_BASED_USE_MSR_BITMAPS, CPU_BASED_USE_TSC_OFFSETTING,
  CR0_FIXED0, CR0_FIXED1, CR3_TARGET_COUNT_MAX, CR4_FIXED0, CR4_FIXED1, PIN_BASED_NMI_EXITING, PIN_BASED_VIRTUAL_NMIS,
  PIN_BASED_VMX_PREEMPTION_TIMER, PREEMPTION_TIMER_SCALE, PROC2_CAPS, SECONDARY_EXEC_ENABLE_EPT,
  SECONDARY_EXEC_ENABLE_VPID, SECONDARY_EXEC_UNRESTRICTED_GUEST, TRUE_ENTRY_CAPS, TRUE_EXIT_CAPS, TRUE_PIN_CAPS,
  TRUE_PROC_CAPS, VM_ENTRY_LOAD_DEBUG_CONTROLS, VM_ENTRY_LOAD_IA32_EFER, VM_ENTRY_LOAD_IA32_PAT,
  VM_EXIT_LOAD_IA32_EFER, VM_EXIT_LOAD_IA32_PAT, VM_EXIT_SAVE_VMX_PREEMPTION_TIMER, controlsValid,
} from "./capabilities.js";
import {
  CPU_BASED_VM_EXEC_CONTROL, CR0_GUEST_HOST_MASK, CR0_READ_SHADOW, CR3_TARGET_COUNT, CR3_TARGET_VALUE0,
  CR4_GUEST_HOST_MASK, CR4_READ_SHADOW, EPT_POINTER, EXCEPTION_BITMAP, GUEST_ACTIVITY_STATE, GUEST_CR0,
  GUEST_CR4, GUEST_GDTR_LIMIT, GUEST_IA32_DEBUGCTL, GUEST_IA32_EFER, GUEST_IA32_PAT,
  GUEST_IDTR_LIMIT, GUEST_INTERRUPTIBILITY_INFO, GUEST_PDPTR0, GUEST_PENDING_DBG_EXCEPTIONS,
  GUEST_RFLAGS, GUEST_SEG_AR, GUEST_SEG_BASE, GUEST_SEG_LIMIT, GUEST_SEG_SELECTOR,
  HOST_CR0, HOST_CR4, HOST_CS_SELECTOR,
  HOST_DS_SELECTOR, HOST_ES_SELECTOR, HOST_FS_SELECTOR, HOST_GS_SELECTOR, HOST_IA32_EFER, HOST_IA32_PAT,
  HOST_SS_SELECTOR, HOST_TR_SELECTOR, IO_BITMAP_A, IO_BITMAP_B, MSR_BITMAP, PAGE_FAULT_ERROR_CODE_MASK,
  PAGE_FAULT_ERROR_CODE_MATCH, PIN_BASED_VM_EXEC_CONTROL, SECONDARY_VM_EXEC_CONTROL, TSC_OFFSET, VIRTUAL_PROCESSOR_ID,
  VMCS_LINK_POINTER, VMX_PREEMPTION_TIMER_VALUE, VM_ENTRY_CONTROLS, VM_ENTRY_EXCEPTION_ERROR_CODE,
  VM_ENTRY_INSTRUCTION_LEN, VM_ENTRY_INTR_INFO_FIELD, VM_ENTRY_MSR_LOAD_ADDR, VM_EXIT_CONTROLS,
  VM_EXIT_MSR_LOAD_ADDR, VM_EXIT_MSR_STORE_ADDR,
} from "./vmcs-fields.js";
import {
  ENTRY_FAIL_DEFAULT, ENTRY_FAIL_PDPTE, ENTRY_FAIL_VMCS_LINK_PTR, EXIT_REASON_INVALID_STATE, EXIT_REASON_MSR_LOAD_FAIL,
  VMXERR_ENTRY_INVALID_CONTROL_FIELD, VMXERR_ENTRY_INVALID_HOST_STATE_FIELD,
} from "./exit-reasons.js";
import type { VmxCpuState } from "./vmx-state.js";
import {
  GUEST_ACTIVITY_HLT, GUEST_ACTIVITY_SHUTDOWN, GUEST_ACTIVITY_WAIT_SIPI, GUEST_INTR_STATE_MOV_SS, GUEST_INTR_STATE_NMI,
  GUEST_INTR_STATE_SMI, GUEST_INTR_STATE_STI, vmEntryFailure,
} from "./vm-exit.js";
import { vmxEntryMsrLoad } from "./msr-lists.js";
import {
  GUEST_REG_ACTIVITY, GUEST_REG_AR, GUEST_REG_BASE, GUEST_REG_CR0, GUEST_REG_CR3, GUEST_REG_CR4, GUEST_REG_DR7,
  GUEST_REG_GDTR_BASE, GUEST_REG_GDTR_LIMIT, GUEST_REG_IDTR_BASE, GUEST_REG_IDTR_LIMIT, GUEST_REG_INTERRUPTIBILITY,
  GUEST_REG_LIMIT, GUEST_REG_RFLAGS, GUEST_REG_RIP, GUEST_REG_RSP, GUEST_REG_SEL, GUEST_REG_SYSENTER_CS,
  GUEST_REG_SYSENTER_EIP, GUEST_REG_SYSENTER_ESP, GUEST_REGISTER_SLOTS, GUEST_EAGER_SLOTS,
} from "./vm-exit.js";
import { markEntryChecked, markEntryDecoded } from "./vmcs.js";

/** Interruption-information bits (SDM vol. 3C §24.8.3). */
export const INTR_INFO_VECTOR_MASK = 0xff;
export const INTR_INFO_INTR_TYPE_SHIFT = 8;
export const INTR_INFO_DELIVER_CODE_MASK = 1 << 11;
export const INTR_INFO_UNBLOCK_NMI = 1 << 12;
export const INTR_INFO_VALID_MASK = 1 << 31;
export const INTR_TYPE_EXT_INTR = 0;
export const INTR_TYPE_NMI_INTR = 2;
export const INTR_TYPE_HARD_EXCEPTION = 3;
export const INTR_TYPE_SOFT_INTR = 4;
export const INTR_TYPE_PRIV_SW_EXCEPTION = 5;
export const INTR_TYPE_SOFT_EXCEPTION = 6;
export const INTR_TYPE_OTHER_EVENT = 7;

/**
 * Every component checkControlsAndHostState and checkGuestState read (keep this list in step with them):
 * the VMCS cache skips the checks at the next entry while none of these bits changes (VmcsCache.checksPassed).
 * Of RFLAGS only the reserved bits, bit 1, VM and IF are checked, so arithmetic flags changing in the guest
 * do not make every entry re-run the checks.
 */
const ENTRY_CHECKED: readonly number[] = [
  PIN_BASED_VM_EXEC_CONTROL, CPU_BASED_VM_EXEC_CONTROL, SECONDARY_VM_EXEC_CONTROL, CR3_TARGET_COUNT, IO_BITMAP_A, IO_BITMAP_B,
  MSR_BITMAP, VIRTUAL_PROCESSOR_ID, EPT_POINTER, VM_EXIT_CONTROLS, VM_EXIT_MSR_STORE_ADDR, VM_EXIT_MSR_LOAD_ADDR,
  VM_ENTRY_CONTROLS, VM_ENTRY_MSR_LOAD_ADDR, VM_ENTRY_INTR_INFO_FIELD, VM_ENTRY_EXCEPTION_ERROR_CODE, VM_ENTRY_INSTRUCTION_LEN,
  HOST_CR0, HOST_CR4, HOST_IA32_PAT, HOST_IA32_EFER, HOST_ES_SELECTOR, HOST_CS_SELECTOR, HOST_SS_SELECTOR, HOST_DS_SELECTOR,
  HOST_FS_SELECTOR, HOST_GS_SELECTOR, HOST_TR_SELECTOR,
  GUEST_CR0, GUEST_CR4, GUEST_IA32_DEBUGCTL, GUEST_IA32_PAT, GUEST_IA32_EFER, ...GUEST_SEG_SELECTOR, ...GUEST_SEG_BASE,
  ...GUEST_SEG_LIMIT, ...GUEST_SEG_AR, GUEST_GDTR_LIMIT, GUEST_IDTR_LIMIT, GUEST_ACTIVITY_STATE, GUEST_INTERRUPTIBILITY_INFO,
  GUEST_PENDING_DBG_EXCEPTIONS, VMCS_LINK_POINTER, GUEST_PDPTR0, GUEST_PDPTR0 + 2, GUEST_PDPTR0 + 4, GUEST_PDPTR0 + 6,
];
for (const f of ENTRY_CHECKED) markEntryChecked(f);
markEntryChecked(GUEST_RFLAGS, 0xffc08028 | 2 | FLAG_VM | FLAG_IF);

/** Every control loadGuestState decodes into VmxCpuState (keep in step with decodeControls). */
const ENTRY_DECODED: readonly number[] = [
  PIN_BASED_VM_EXEC_CONTROL, CPU_BASED_VM_EXEC_CONTROL, SECONDARY_VM_EXEC_CONTROL, VM_EXIT_CONTROLS, VM_ENTRY_CONTROLS,
  EXCEPTION_BITMAP, PAGE_FAULT_ERROR_CODE_MASK, PAGE_FAULT_ERROR_CODE_MATCH, IO_BITMAP_A, IO_BITMAP_B, MSR_BITMAP,
  CR0_GUEST_HOST_MASK, CR0_READ_SHADOW, CR4_GUEST_HOST_MASK, CR4_READ_SHADOW, CR3_TARGET_COUNT, CR3_TARGET_VALUE0,
  CR3_TARGET_VALUE0 + 2, CR3_TARGET_VALUE0 + 4, CR3_TARGET_VALUE0 + 6, TSC_OFFSET, EPT_POINTER, VIRTUAL_PROCESSOR_ID,
];
for (const f of ENTRY_DECODED) markEntryDecoded(f);

/** Result of the checks before guest state is touched: 0, or a VM-instruction error number. */
export function checkControlsAndHostState(vmx: VmxCpuState): number {
  const v = vmx.vmcs;
  // §26.2.1.1 VM-execution control fields (IA32_VMX_BASIC[55] = 1: the TRUE_ capability MSRs apply).
  const pin = v.get(PIN_BASED_VM_EXEC_CONTROL);
  const proc = v.get(CPU_BASED_VM_EXEC_CONTROL);
  const proc2 = proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS ? v.get(SECONDARY_VM_EXEC_CONTROL) : 0;
  if (!controlsValid(pin, TRUE_PIN_CAPS)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (!controlsValid(proc, TRUE_PROC_CAPS)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (!controlsValid(proc2, PROC2_CAPS)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (v.get(CR3_TARGET_COUNT) > CR3_TARGET_COUNT_MAX) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (proc & CPU_BASED_USE_IO_BITMAPS) {
    if (!pageAligned32(v, IO_BITMAP_A) || !pageAligned32(v, IO_BITMAP_B)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  }
  if (proc & CPU_BASED_USE_MSR_BITMAPS && !pageAligned32(v, MSR_BITMAP)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (proc & CPU_BASED_TPR_SHADOW) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if ((pin & PIN_BASED_NMI_EXITING) === 0 && (pin & PIN_BASED_VIRTUAL_NMIS) !== 0) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if ((pin & PIN_BASED_VIRTUAL_NMIS) === 0 && (proc & CPU_BASED_NMI_WINDOW_EXITING) !== 0) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (proc2 & SECONDARY_EXEC_ENABLE_VPID && v.get(VIRTUAL_PROCESSOR_ID) === 0) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (proc2 & SECONDARY_EXEC_ENABLE_EPT && !eptPointerValid(v.get(EPT_POINTER), v.getHigh(EPT_POINTER))) {
    return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  }
  if (proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST && (proc2 & SECONDARY_EXEC_ENABLE_EPT) === 0) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  // §26.2.1.2 VM-exit control fields.
  const exitCtls = v.get(VM_EXIT_CONTROLS);
  if (!controlsValid(exitCtls, TRUE_EXIT_CAPS)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if ((pin & PIN_BASED_VMX_PREEMPTION_TIMER) === 0 && (exitCtls & VM_EXIT_SAVE_VMX_PREEMPTION_TIMER) !== 0) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (!msrAreaAligned(v, VM_EXIT_MSR_STORE_ADDR) || !msrAreaAligned(v, VM_EXIT_MSR_LOAD_ADDR)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  // §26.2.1.3 VM-entry control fields, including the event-injection field.
  const entryCtls = v.get(VM_ENTRY_CONTROLS);
  if (!controlsValid(entryCtls, TRUE_ENTRY_CAPS)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  if (!msrAreaAligned(v, VM_ENTRY_MSR_LOAD_ADDR)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
  const info = v.get(VM_ENTRY_INTR_INFO_FIELD);
  if (info & INTR_INFO_VALID_MASK) {
    const type = (info >>> INTR_INFO_INTR_TYPE_SHIFT) & 7;
    const vector = info & INTR_INFO_VECTOR_MASK;
    if (type === 1) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    if (type === INTR_TYPE_OTHER_EVENT && ((proc & CPU_BASED_MONITOR_TRAP_FLAG) === 0 || vector !== 0)) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    if (type === INTR_TYPE_NMI_INTR && vector !== 2) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    if (type === INTR_TYPE_HARD_EXCEPTION && vector > 31) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    const unrestricted = (proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST) !== 0;
    const pe = (v.get(GUEST_CR0) & CR0_PE) !== 0;
    const wantsCode = type === INTR_TYPE_HARD_EXCEPTION && (unrestricted ? pe : true) &&
      (vector === 8 || (vector >= 10 && vector <= 14) || vector === 17);
    if (((info & INTR_INFO_DELIVER_CODE_MASK) !== 0) !== wantsCode) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    if ((info & 0x7ffff000) !== 0) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    if (info & INTR_INFO_DELIVER_CODE_MASK && (v.get(VM_ENTRY_EXCEPTION_ERROR_CODE) & 0xffff8000) !== 0) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    if (type === INTR_TYPE_SOFT_INTR || type === INTR_TYPE_PRIV_SW_EXCEPTION || type === INTR_TYPE_SOFT_EXCEPTION) {
      const len = v.get(VM_ENTRY_INSTRUCTION_LEN);
      if (len < 1 || len > 15) return VMXERR_ENTRY_INVALID_CONTROL_FIELD;
    }
  }
  // §26.2.2 host control registers and MSRs.
  const hcr0 = v.get(HOST_CR0) | 0;
  const hcr4 = v.get(HOST_CR4) | 0;
  if ((hcr0 & CR0_FIXED0) !== CR0_FIXED0 || (hcr0 & ~CR0_FIXED1) !== 0) return VMXERR_ENTRY_INVALID_HOST_STATE_FIELD;
  if ((hcr4 & CR4_FIXED0) !== CR4_FIXED0 || (hcr4 & ~CR4_FIXED1) !== 0) return VMXERR_ENTRY_INVALID_HOST_STATE_FIELD;
  if (exitCtls & VM_EXIT_LOAD_IA32_PAT && !patValid(v.get(HOST_IA32_PAT), v.getHigh(HOST_IA32_PAT))) return VMXERR_ENTRY_INVALID_HOST_STATE_FIELD;
  if (exitCtls & VM_EXIT_LOAD_IA32_EFER && (v.get(HOST_IA32_EFER) !== 0 || v.getHigh(HOST_IA32_EFER) !== 0)) return VMXERR_ENTRY_INVALID_HOST_STATE_FIELD;
  // §26.2.3 host segment selectors: RPL and TI zero; CS, SS (32-bit host) and TR non-null.
  for (const f of [HOST_ES_SELECTOR, HOST_CS_SELECTOR, HOST_SS_SELECTOR, HOST_DS_SELECTOR, HOST_FS_SELECTOR, HOST_GS_SELECTOR, HOST_TR_SELECTOR]) {
    if ((v.get(f) & 7) !== 0) return VMXERR_ENTRY_INVALID_HOST_STATE_FIELD;
  }
  if (v.get(HOST_CS_SELECTOR) === 0 || v.get(HOST_TR_SELECTOR) === 0 || v.get(HOST_SS_SELECTOR) === 0) return VMXERR_ENTRY_INVALID_HOST_STATE_FIELD;
  return 0;
}

function pageAligned32(v: VmxCpuState["vmcs"], f: number): boolean {
  return (v.get(f) & 0xfff) === 0 && v.getHigh(f) === 0;
}

function msrAreaAligned(v: VmxCpuState["vmcs"], f: number): boolean {
  return (v.get(f) & 0xf) === 0 && v.getHigh(f) === 0;
}

/** EPTP: memory type UC (0) or WB (6), 4-level walk, no A/D flags (not supported), reserved bits clear (SDM §26.2.1.1). */
export function eptPointerValid(lo: number, hi: number): boolean {
  const mt = lo & 7;
  if (mt !== 0 && mt !== 6) return false;
  if (((lo >>> 3) & 7) !== 3) return false;
  if ((lo & 0xfc0) !== 0) return false;
  return hi === 0;
}

function patValid(lo: number, hi: number): boolean {
  for (let i = 0; i < 8; i++) {
    const t = ((i < 4 ? lo : hi) >>> ((i & 3) * 8)) & 0xff;
    if (t === 2 || t === 3 || t > 7) return false;
  }
  return true;
}

/** Limit/G consistency for a usable segment (SDM §26.3.1.2). */
function granularityOk(limit: number, ar: number): boolean {
  const g = (ar & 0x8000) !== 0;
  if ((limit & 0xfff) !== 0xfff && g) return false;
  if ((limit >>> 20) !== 0 && !g) return false;
  return true;
}

/** Guest-state checks (SDM vol. 3C §26.3.1). Returns -1 when valid, else the exit qualification. */
export function checkGuestState(vmx: VmxCpuState): number {
  const v = vmx.vmcs;
  const proc = v.get(CPU_BASED_VM_EXEC_CONTROL);
  const proc2 = proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS ? v.get(SECONDARY_VM_EXEC_CONTROL) : 0;
  const unrestricted = (proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST) !== 0;
  const entryCtls = v.get(VM_ENTRY_CONTROLS);
  const pin = v.get(PIN_BASED_VM_EXEC_CONTROL);
  const F = ENTRY_FAIL_DEFAULT;
  // §26.3.1.1 control registers, debug registers and MSRs.
  const cr0 = v.get(GUEST_CR0) | 0;
  const cr4 = v.get(GUEST_CR4) | 0;
  const fixed0 = unrestricted ? CR0_FIXED0 & ~(CR0_PE | CR0_PG) : CR0_FIXED0;
  if ((cr0 & fixed0) !== fixed0 || (cr0 & ~CR0_FIXED1) !== 0) return F;
  if (cr0 & CR0_PG && (cr0 & CR0_PE) === 0) return F;
  if ((cr4 & CR4_FIXED0) !== CR4_FIXED0 || (cr4 & ~CR4_FIXED1) !== 0) return F;
  if (entryCtls & VM_ENTRY_LOAD_DEBUG_CONTROLS && (v.get(GUEST_IA32_DEBUGCTL) & ~0x3) !== 0) return F;
  if (entryCtls & VM_ENTRY_LOAD_IA32_PAT && !patValid(v.get(GUEST_IA32_PAT), v.getHigh(GUEST_IA32_PAT))) return F;
  if (entryCtls & VM_ENTRY_LOAD_IA32_EFER && (v.get(GUEST_IA32_EFER) !== 0 || v.getHigh(GUEST_IA32_EFER) !== 0)) return F;
  // §26.3.1.4 (RFLAGS first: the V86 segment rules depend on it) reserved bits 63:22, 15, 5, 3 clear, bit 1 set.
  const rflags = v.get(GUEST_RFLAGS) | 0;
  if ((rflags & 0xffc08028) !== 0 || (rflags & 2) === 0) return F;
  const v86 = (rflags & FLAG_VM) !== 0;
  if (v86 && (cr0 & CR0_PE) === 0) return F;
  // §26.3.1.2 segment registers.
  const sel = (s: number): number => v.get(GUEST_SEG_SELECTOR[s]!);
  const base = (s: number): number => v.get(GUEST_SEG_BASE[s]!);
  const lim = (s: number): number => v.get(GUEST_SEG_LIMIT[s]!);
  const ar = (s: number): number => v.get(GUEST_SEG_AR[s]!);
  if (sel(TR) & 4) return F;
  if ((ar(LDTR) & AR_UNUSABLE) === 0 && (sel(LDTR) & 4) !== 0) return F;
  if (!v86 && !unrestricted && (sel(SS) & 3) !== (sel(CS) & 3)) return F;
  if (v86) {
    for (let s = 0; s < 6; s++) {
      if (base(s) !== (sel(s) << 4) >>> 0 || lim(s) !== 0xffff || ar(s) !== 0xf3) return F;
    }
  } else {
    const csAr = ar(CS);
    const csType = csAr & 0xf;
    if (!(csType === 9 || csType === 11 || csType === 13 || csType === 15 || (unrestricted && csType === 3))) return F;
    const ssAr = ar(SS);
    const ssUsable = (ssAr & AR_UNUSABLE) === 0;
    if (ssUsable && (ssAr & 0xf) !== 3 && (ssAr & 0xf) !== 7) return F;
    for (const s of [0, 3, 4, 5]) {
      const a = ar(s);
      if (a & AR_UNUSABLE) continue;
      if ((a & 1) === 0 || ((a & 8) !== 0 && (a & 2) === 0)) return F;
    }
    // S = 1 for CS and usable data segments; P = 1; reserved bits 11:8 and 31:17 clear; G vs limit.
    for (let s = 0; s < 6; s++) {
      const a = ar(s);
      if (s !== CS && a & AR_UNUSABLE) continue;
      if ((a & 0x10) === 0 || (a & 0x80) === 0) return F;
      if ((a & 0xfffe0f00) !== 0) return F;
      if (!granularityOk(lim(s), a)) return F;
    }
    const csDpl = (csAr >>> 5) & 3;
    const ssDpl = (ssAr >>> 5) & 3;
    if (csType === 3 && csDpl !== 0) return F;
    if ((csType === 9 || csType === 11) && csDpl !== ssDpl) return F;
    if ((csType === 13 || csType === 15) && csDpl > ssDpl) return F;
    if (!unrestricted && ssDpl !== (sel(SS) & 3)) return F;
    if ((csType === 3 || (cr0 & CR0_PE) === 0) && ssDpl !== 0) return F;
    if (!unrestricted) {
      for (const s of [0, 3, 4, 5]) {
        const a = ar(s);
        if (a & AR_UNUSABLE) continue;
        if ((a & 0xf) <= 11 && ((a >>> 5) & 3) < (sel(s) & 3)) return F;
      }
    }
  }
  // TR: busy 16- or 32-bit TSS, system segment, present, usable.
  const trAr = ar(TR);
  if (((trAr & 0xf) !== 3 && (trAr & 0xf) !== 11) || (trAr & 0x10) !== 0 || (trAr & 0x80) === 0) return F;
  if ((trAr & 0xfffe0f00) !== 0 || (trAr & AR_UNUSABLE) !== 0 || !granularityOk(lim(TR), trAr)) return F;
  const ldtrAr = ar(LDTR);
  if ((ldtrAr & AR_UNUSABLE) === 0) {
    if ((ldtrAr & 0xf) !== 2 || (ldtrAr & 0x10) !== 0 || (ldtrAr & 0x80) === 0) return F;
    if ((ldtrAr & 0xfffe0f00) !== 0 || !granularityOk(lim(LDTR), ldtrAr)) return F;
  }
  // §26.3.1.3 descriptor-table registers: limits fit in 16 bits.
  if ((v.get(GUEST_GDTR_LIMIT) & 0xffff0000) !== 0 || (v.get(GUEST_IDTR_LIMIT) & 0xffff0000) !== 0) return F;
  // §26.3.1.4 RFLAGS.IF must be set to inject an external interrupt.
  const info = v.get(VM_ENTRY_INTR_INFO_FIELD);
  const injecting = (info & INTR_INFO_VALID_MASK) !== 0;
  const injType = (info >>> 8) & 7;
  if (injecting && injType === INTR_TYPE_EXT_INTR && (rflags & FLAG_IF) === 0) return F;
  // §26.3.1.5 non-register state.
  const activity = v.get(GUEST_ACTIVITY_STATE);
  if (activity > GUEST_ACTIVITY_WAIT_SIPI) return F;
  if (activity === GUEST_ACTIVITY_HLT && ((ar(SS) >>> 5) & 3) !== 0) return F;
  const intr = v.get(GUEST_INTERRUPTIBILITY_INFO);
  if ((intr & 0xffffffe0) !== 0) return F;
  if (intr & GUEST_INTR_STATE_STI && intr & GUEST_INTR_STATE_MOV_SS) return F;
  if (intr & GUEST_INTR_STATE_STI && (rflags & FLAG_IF) === 0) return F;
  if (injecting && injType === INTR_TYPE_EXT_INTR && (intr & (GUEST_INTR_STATE_STI | GUEST_INTR_STATE_MOV_SS)) !== 0) return F;
  if (injecting && injType === INTR_TYPE_NMI_INTR && (intr & GUEST_INTR_STATE_MOV_SS) !== 0) return F;
  if (intr & GUEST_INTR_STATE_SMI) return F;
  if (injecting && injType === INTR_TYPE_NMI_INTR && pin & PIN_BASED_VIRTUAL_NMIS && intr & GUEST_INTR_STATE_NMI) return F;
  if (activity === GUEST_ACTIVITY_SHUTDOWN && injecting && injType !== INTR_TYPE_NMI_INTR) return F;
  if ((v.get(GUEST_PENDING_DBG_EXCEPTIONS) & 0xfffeaff0) !== 0) return F;
  // VMCS shadowing is not supported, so the link pointer must be FFFFFFFF_FFFFFFFFH.
  if (v.get(VMCS_LINK_POINTER) !== 0xffffffff || v.getHigh(VMCS_LINK_POINTER) !== 0xffffffff) return ENTRY_FAIL_VMCS_LINK_PTR;
  // §26.3.1.6 PDPTEs for PAE paging with EPT come from the VMCS and are checked here.
  if (cr0 & CR0_PG && cr4 & CR4_PAE && proc2 & SECONDARY_EXEC_ENABLE_EPT) {
    for (let i = 0; i < 4; i++) {
      const lo = v.get(GUEST_PDPTR0 + i * 2), hi = v.getHigh(GUEST_PDPTR0 + i * 2);
      if (lo & 1 && ((lo & 0x1e6) !== 0 || (hi & 0xfffffff0) !== 0)) return ENTRY_FAIL_PDPTE;
    }
  }
  return -1;
}

/** Scratch for loading the guest registers (one VM entry at a time per thread). */
const guestRegisters = new Int32Array(GUEST_REGISTER_SLOTS.length);
const guestEager = new Int32Array(GUEST_EAGER_SLOTS.length);

/** Loads guest state (SDM vol. 3C §26.3.2) and decodes the controls for non-root operation. */
export function loadGuestState(cpu: Cpu, vmx: VmxCpuState): boolean {
  const v = vmx.vmcs;
  // Decoded again only when one of them changed since (VmcsCache.controlsDecoded).
  if (!v.controlsDecoded) decodeControls(vmx);
  // After a deferred exit the processor may still hold the guest's other components, equal to the VMCS's
  // (VmxCpuState.guestStateLive): then loading them would store the values they have.
  if (vmx.guestStateLive) {
    loadGuestEagerRegisters(cpu, vmx);
    vmx.liveEntries++;
  } else {
    loadGuestRegisters(cpu, vmx);
  }
  vmx.hostStatePending = false;
  vmx.guestStateLive = false;
  return loadGuestMemoryState(cpu, vmx);
}

/** The controls of the VMCS in use, decoded for fast intercept checks in non-root operation. */
function decodeControls(vmx: VmxCpuState): void {
  const v = vmx.vmcs;
  vmx.pin = v.get(PIN_BASED_VM_EXEC_CONTROL);
  vmx.proc = v.get(CPU_BASED_VM_EXEC_CONTROL);
  vmx.proc2 = vmx.proc & CPU_BASED_ACTIVATE_SECONDARY_CONTROLS ? v.get(SECONDARY_VM_EXEC_CONTROL) : 0;
  vmx.exitCtls = v.get(VM_EXIT_CONTROLS);
  vmx.entryCtls = v.get(VM_ENTRY_CONTROLS);
  vmx.exceptionBitmap = v.get(EXCEPTION_BITMAP);
  vmx.pfecMask = v.get(PAGE_FAULT_ERROR_CODE_MASK);
  vmx.pfecMatch = v.get(PAGE_FAULT_ERROR_CODE_MATCH);
  vmx.ioBitmapA = v.get(IO_BITMAP_A);
  vmx.ioBitmapB = v.get(IO_BITMAP_B);
  vmx.msrBitmap = v.get(MSR_BITMAP);
  vmx.cr0Mask = v.get(CR0_GUEST_HOST_MASK) | 0;
  vmx.cr0Shadow = v.get(CR0_READ_SHADOW) | 0;
  vmx.cr4Mask = v.get(CR4_GUEST_HOST_MASK) | 0;
  vmx.cr4Shadow = v.get(CR4_READ_SHADOW) | 0;
  vmx.cr3TargetCount = v.get(CR3_TARGET_COUNT);
  for (let i = 0; i < 4; i++) vmx.cr3Targets[i] = v.get(CR3_TARGET_VALUE0 + i * 2) | 0;
  vmx.tscOffsetLo = vmx.proc & CPU_BASED_USE_TSC_OFFSETTING ? v.get(TSC_OFFSET) : 0;
  vmx.tscOffsetHi = vmx.proc & CPU_BASED_USE_TSC_OFFSETTING ? v.getHigh(TSC_OFFSET) | 0 : 0;
  vmx.eptActive = (vmx.proc2 & SECONDARY_EXEC_ENABLE_EPT) !== 0;
  vmx.eptRoot = v.get(EPT_POINTER) & 0xfffff000;
  vmx.unrestricted = (vmx.proc2 & SECONDARY_EXEC_UNRESTRICTED_GUEST) !== 0;
  vmx.vpid = vmx.proc2 & SECONDARY_EXEC_ENABLE_VPID ? v.get(VIRTUAL_PROCESSOR_ID) : 0;
  v.controlsDecoded = true;
}

/** Registers, segments, descriptor tables and the non-register state from the guest-state area (SDM §26.3.2.1-26.3.2.3). */
function loadGuestRegisters(cpu: Cpu, vmx: VmxCpuState): void {
  const v = vmx.vmcs;
  const r = guestRegisters;
  v.loadSlots(GUEST_REGISTER_SLOTS, r);
  cpu.cr0 = r[GUEST_REG_CR0]!;
  cpu.cr3 = r[GUEST_REG_CR3]!;
  cpu.cr4 = r[GUEST_REG_CR4]!;
  if (vmx.entryCtls & VM_ENTRY_LOAD_DEBUG_CONTROLS) cpu.dr[7] = r[GUEST_REG_DR7]!;
  cpu.sysenterCs = r[GUEST_REG_SYSENTER_CS]! >>> 0;
  cpu.sysenterEsp = r[GUEST_REG_SYSENTER_ESP]!;
  cpu.sysenterEip = r[GUEST_REG_SYSENTER_EIP]!;
  if (vmx.entryCtls & VM_ENTRY_LOAD_IA32_PAT) {
    cpu.pat[0] = v.get(GUEST_IA32_PAT) | 0;
    cpu.pat[1] = v.getHigh(GUEST_IA32_PAT) | 0;
  }
  if (vmx.entryCtls & VM_ENTRY_LOAD_IA32_EFER) cpu.efer = v.get(GUEST_IA32_EFER) | 0;
  for (let s = 0; s < 8; s++) {
    cpu.segSel[s] = r[GUEST_REG_SEL + s]!;
    cpu.segBase[s] = r[GUEST_REG_BASE + s]!;
    cpu.segLimit[s] = r[GUEST_REG_LIMIT + s]!;
    cpu.segAr[s] = r[GUEST_REG_AR + s]!;
  }
  cpu.gdtrBase = r[GUEST_REG_GDTR_BASE]!;
  cpu.gdtrLimit = r[GUEST_REG_GDTR_LIMIT]! >>> 0;
  cpu.idtrBase = r[GUEST_REG_IDTR_BASE]!;
  cpu.idtrLimit = r[GUEST_REG_IDTR_LIMIT]! >>> 0;
  cpu.reg[4] = r[GUEST_REG_RSP]!;
  cpu.eip = r[GUEST_REG_RIP]!;
  cpu.setFlags(r[GUEST_REG_RFLAGS]!);
  // CPL is SS.DPL (SDM §26.3.2.2); real and V86 mode force 0 and 3.
  cpu.cpl = (cpu.segAr[SS]! >>> 5) & 3;
  loadNonRegisterState(cpu, vmx, r[GUEST_REG_INTERRUPTIBILITY]!, r[GUEST_REG_ACTIVITY]!);
  cpu.onModeChange();
  if ((cpu.cr0 & CR0_PE) === 0 && !cpu.v86) cpu.cpl = 0;
  cpu.updatePrivilegeMasks();
}

/** The registers every entry loads from the VMCS, deferred or not (GUEST_EAGER_SLOTS): RSP, RIP, RFLAGS and the non-register state. */
function loadGuestEagerRegisters(cpu: Cpu, vmx: VmxCpuState): void {
  const r = guestEager;
  vmx.vmcs.loadSlots(GUEST_EAGER_SLOTS, r);
  cpu.reg[4] = r[0]!;
  cpu.eip = r[1]!;
  // (From the host's RFLAGS: a change of VM or AC brings the mode-dependent state back to the guest's.)
  cpu.setFlags(r[2]!);
  loadNonRegisterState(cpu, vmx, r[3]!, r[4]!);
}

/** Interruptibility and activity state (SDM vol. 3C §26.3.2.5) and entering non-root operation. */
function loadNonRegisterState(cpu: Cpu, vmx: VmxCpuState, intr: number, activity: number): void {
  cpu.interruptShadow = intr & GUEST_INTR_STATE_STI ? 1 : intr & GUEST_INTR_STATE_MOV_SS ? 2 : 0;
  cpu.shadowAge = cpu.interruptShadow !== 0 ? 2 : 0;
  vmx.virtualNmiBlocked = (vmx.pin & PIN_BASED_VIRTUAL_NMIS) !== 0 && (intr & GUEST_INTR_STATE_NMI) !== 0;
  cpu.nmiBlocked = (vmx.pin & PIN_BASED_VIRTUAL_NMIS) === 0 && (intr & GUEST_INTR_STATE_NMI) !== 0;
  cpu.halted = activity === GUEST_ACTIVITY_HLT || activity === GUEST_ACTIVITY_SHUTDOWN || activity === GUEST_ACTIVITY_WAIT_SIPI;
  cpu.shutdown = activity === GUEST_ACTIVITY_SHUTDOWN;
  vmx.waitForSipi = activity === GUEST_ACTIVITY_WAIT_SIPI;
  vmx.mtf = (vmx.proc & CPU_BASED_MONITOR_TRAP_FLAG) !== 0;
  cpu.nonRoot = true;
}

/** TLB, PDPTEs and the timers of the entry (SDM §26.3.2.4, §26.5). False when PDPTEs from memory are invalid. */
function loadGuestMemoryState(cpu: Cpu, vmx: VmxCpuState): boolean {
  const v = vmx.vmcs;
  // TLB: linear and combined mappings survive only for the same non-zero VPID and EPT root (SDM §28.3.3.3).
  if (vmx.vpid === 0 || vmx.vpid !== vmx.tlbVpid || vmx.eptRoot !== vmx.tlbEptRoot) cpu.flushTlb(true);
  vmx.tlbVpid = vmx.vpid;
  vmx.tlbEptRoot = vmx.eptActive ? vmx.eptRoot : -1;
  cpu.resetFetch();
  // PDPTEs: from the VMCS with EPT, from guest memory through CR3 otherwise (SDM §26.3.2.4).
  if (cpu.cr0 & CR0_PG && cpu.cr4 & CR4_PAE) {
    if (vmx.eptActive) {
      for (let i = 0; i < 4; i++) {
        cpu.pdpte[i * 2] = v.get(GUEST_PDPTR0 + i * 2) | 0;
        cpu.pdpte[i * 2 + 1] = v.getHigh(GUEST_PDPTR0 + i * 2) | 0;
      }
    } else if (!loadPdptes(cpu, cpu.cr3)) {
      return false;
    }
  }
  vmx.preemptionDeadline = vmx.pin & PIN_BASED_VMX_PREEMPTION_TIMER
    ? cpu.instructionsRetired + v.get(VMX_PREEMPTION_TIMER_VALUE) * PREEMPTION_TIMER_SCALE
    : -1;
  // The VMX-preemption timer needs no boundary check: runGuest ends each run() exactly at its deadline
  // and takes the exit there (instructionsRetired does not move inside a run, so a check at every
  // boundary could never fire — it only ended every block chain and JIT region, which KVM keeps armed).
  cpu.vmxWindowCheck = (vmx.proc & (CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_NMI_WINDOW_EXITING)) !== 0 ||
    vmx.initPending || vmx.waitForSipi;
  cpu.deliveringInfo = 0;
  cpu.delivering = -1;
  return true;
}

/**
 * The part of VMLAUNCH/VMRESUME after the instruction-level checks. Returns 0 when the guest was
 * entered (or a VM-entry failure exit was taken), else the VM-instruction error for VMfailValid.
 */
export function vmEntry(cpu: Cpu, vmx: VmxCpuState): number {
  // The checks read only VMCS components; when they passed and none of what they read changed since, they
  // would pass again (VmcsCache.checksPassed).
  if (!vmx.vmcs.checksPassed) {
    vmx.entryChecksRun++;
    const err = checkControlsAndHostState(vmx);
    if (err !== 0) return err;
    const qual = checkGuestState(vmx);
    if (qual >= 0) {
      vmEntryFailure(cpu, EXIT_REASON_INVALID_STATE, qual);
      return 0;
    }
    vmx.vmcs.checksPassed = true;
  }
  // Keep the host's view of state that guest loading overwrites but host-state loading does not restore.
  if (!loadGuestState(cpu, vmx)) {
    vmEntryFailure(cpu, EXIT_REASON_INVALID_STATE, ENTRY_FAIL_PDPTE);
    return 0;
  }
  const failed = vmxEntryMsrLoad(cpu, vmx);
  if (failed !== 0) {
    vmEntryFailure(cpu, EXIT_REASON_MSR_LOAD_FAIL, failed);
    return 0;
  }
  vmx.vmcs.launched = true;
  vmx.entries++;
  return 0;
}

