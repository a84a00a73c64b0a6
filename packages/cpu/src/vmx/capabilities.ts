/**
 * VMX capability MSRs (SDM vol. 3D appendix A). They describe exactly what this model implements:
 * a 32-bit processor (no IA-32e mode: "host address-space size" and "IA-32e mode guest" may not be set,
 * physical addresses limited to 32 bits) with EPT, VPID and unrestricted guest.
 */
import { VMCS_FIELDS, fieldIndex } from "./vmcs-fields.js";

export const MSR_IA32_FEATURE_CONTROL = 0x3a;
export const MSR_IA32_VMX_BASIC = 0x480;
export const MSR_IA32_VMX_PINBASED_CTLS = 0x481;
export const MSR_IA32_VMX_PROCBASED_CTLS = 0x482;
export const MSR_IA32_VMX_EXIT_CTLS = 0x483;
export const MSR_IA32_VMX_ENTRY_CTLS = 0x484;
export const MSR_IA32_VMX_MISC = 0x485;
export const MSR_IA32_VMX_CR0_FIXED0 = 0x486;
export const MSR_IA32_VMX_CR0_FIXED1 = 0x487;
export const MSR_IA32_VMX_CR4_FIXED0 = 0x488;
export const MSR_IA32_VMX_CR4_FIXED1 = 0x489;
export const MSR_IA32_VMX_VMCS_ENUM = 0x48a;
export const MSR_IA32_VMX_PROCBASED_CTLS2 = 0x48b;
export const MSR_IA32_VMX_EPT_VPID_CAP = 0x48c;
export const MSR_IA32_VMX_TRUE_PINBASED_CTLS = 0x48d;
export const MSR_IA32_VMX_TRUE_PROCBASED_CTLS = 0x48e;
export const MSR_IA32_VMX_TRUE_EXIT_CTLS = 0x48f;
export const MSR_IA32_VMX_TRUE_ENTRY_CTLS = 0x490;

/** IA32_FEATURE_CONTROL bits (SDM vol. 3C §23.7). */
export const FEATURE_CONTROL_LOCKED = 1 << 0;
export const FEATURE_CONTROL_VMXON_OUTSIDE_SMX = 1 << 2;

/** The VMCS revision identifier of this model ("virt" in ASCII; bit 31 must be 0). */
export const VMCS_REVISION_ID = 0x76697274;
export const VMCS_REGION_SIZE = 4096;

// Pin-based controls (SDM vol. 3C §24.6.1).
export const PIN_BASED_EXT_INTR_MASK = 1 << 0;
export const PIN_BASED_NMI_EXITING = 1 << 3;
export const PIN_BASED_VIRTUAL_NMIS = 1 << 5;
export const PIN_BASED_VMX_PREEMPTION_TIMER = 1 << 6;
export const PIN_BASED_POSTED_INTR = 1 << 7;

// Primary processor-based controls (SDM vol. 3C §24.6.2, table 24-6).
export const CPU_BASED_INTR_WINDOW_EXITING = 1 << 2;
export const CPU_BASED_USE_TSC_OFFSETTING = 1 << 3;
export const CPU_BASED_HLT_EXITING = 1 << 7;
export const CPU_BASED_INVLPG_EXITING = 1 << 9;
export const CPU_BASED_MWAIT_EXITING = 1 << 10;
export const CPU_BASED_RDPMC_EXITING = 1 << 11;
export const CPU_BASED_RDTSC_EXITING = 1 << 12;
export const CPU_BASED_CR3_LOAD_EXITING = 1 << 15;
export const CPU_BASED_CR3_STORE_EXITING = 1 << 16;
export const CPU_BASED_ACTIVATE_TERTIARY_CONTROLS = 1 << 17;
export const CPU_BASED_CR8_LOAD_EXITING = 1 << 19;
export const CPU_BASED_CR8_STORE_EXITING = 1 << 20;
export const CPU_BASED_TPR_SHADOW = 1 << 21;
export const CPU_BASED_NMI_WINDOW_EXITING = 1 << 22;
export const CPU_BASED_MOV_DR_EXITING = 1 << 23;
export const CPU_BASED_UNCOND_IO_EXITING = 1 << 24;
export const CPU_BASED_USE_IO_BITMAPS = 1 << 25;
export const CPU_BASED_MONITOR_TRAP_FLAG = 1 << 27;
export const CPU_BASED_USE_MSR_BITMAPS = 1 << 28;
export const CPU_BASED_MONITOR_EXITING = 1 << 29;
export const CPU_BASED_PAUSE_EXITING = 1 << 30;
export const CPU_BASED_ACTIVATE_SECONDARY_CONTROLS = 1 << 31;

// Secondary processor-based controls (SDM vol. 3C §24.6.2, table 24-7).
export const SECONDARY_EXEC_VIRTUALIZE_APIC_ACCESSES = 1 << 0;
export const SECONDARY_EXEC_ENABLE_EPT = 1 << 1;
export const SECONDARY_EXEC_DESC = 1 << 2;
export const SECONDARY_EXEC_ENABLE_RDTSCP = 1 << 3;
export const SECONDARY_EXEC_VIRTUALIZE_X2APIC_MODE = 1 << 4;
export const SECONDARY_EXEC_ENABLE_VPID = 1 << 5;
export const SECONDARY_EXEC_WBINVD_EXITING = 1 << 6;
export const SECONDARY_EXEC_UNRESTRICTED_GUEST = 1 << 7;

// VM-exit controls (SDM vol. 3C §24.7.1).
export const VM_EXIT_SAVE_DEBUG_CONTROLS = 1 << 2;
export const VM_EXIT_HOST_ADDR_SPACE_SIZE = 1 << 9;
export const VM_EXIT_LOAD_IA32_PERF_GLOBAL_CTRL = 1 << 12;
export const VM_EXIT_ACK_INTR_ON_EXIT = 1 << 15;
export const VM_EXIT_SAVE_IA32_PAT = 1 << 18;
export const VM_EXIT_LOAD_IA32_PAT = 1 << 19;
export const VM_EXIT_SAVE_IA32_EFER = 1 << 20;
export const VM_EXIT_LOAD_IA32_EFER = 1 << 21;
export const VM_EXIT_SAVE_VMX_PREEMPTION_TIMER = 1 << 22;

// VM-entry controls (SDM vol. 3C §24.8.1).
export const VM_ENTRY_LOAD_DEBUG_CONTROLS = 1 << 2;
export const VM_ENTRY_IA32E_MODE = 1 << 9;
export const VM_ENTRY_SMM = 1 << 10;
export const VM_ENTRY_DEACT_DUAL_MONITOR = 1 << 11;
export const VM_ENTRY_LOAD_IA32_PERF_GLOBAL_CTRL = 1 << 13;
export const VM_ENTRY_LOAD_IA32_PAT = 1 << 14;
export const VM_ENTRY_LOAD_IA32_EFER = 1 << 15;

/** Allowed-0 ("must be 1") and allowed-1 ("may be 1") settings of each control word. */
export interface ControlCaps {
  readonly mustBe1: number;
  readonly mayBe1: number;
}

const PIN_DEFAULT1 = 0x00000016;
export const PIN_CAPS: ControlCaps = {
  mustBe1: PIN_DEFAULT1,
  mayBe1: PIN_DEFAULT1 | PIN_BASED_EXT_INTR_MASK | PIN_BASED_NMI_EXITING | PIN_BASED_VIRTUAL_NMIS | PIN_BASED_VMX_PREEMPTION_TIMER,
};
export const TRUE_PIN_CAPS: ControlCaps = PIN_CAPS;

const PROC_DEFAULT1 = 0x0401e172;
const TRUE_PROC_DEFAULT1 = 0x04006172;
const PROC_MAY_BE_1 = PROC_DEFAULT1 | CPU_BASED_INTR_WINDOW_EXITING | CPU_BASED_USE_TSC_OFFSETTING | CPU_BASED_HLT_EXITING |
  CPU_BASED_INVLPG_EXITING | CPU_BASED_MWAIT_EXITING | CPU_BASED_RDPMC_EXITING | CPU_BASED_RDTSC_EXITING |
  CPU_BASED_CR3_LOAD_EXITING | CPU_BASED_CR3_STORE_EXITING | CPU_BASED_NMI_WINDOW_EXITING | CPU_BASED_MOV_DR_EXITING |
  CPU_BASED_UNCOND_IO_EXITING | CPU_BASED_USE_IO_BITMAPS | CPU_BASED_MONITOR_TRAP_FLAG | CPU_BASED_USE_MSR_BITMAPS |
  CPU_BASED_MONITOR_EXITING | CPU_BASED_PAUSE_EXITING | CPU_BASED_ACTIVATE_SECONDARY_CONTROLS;
export const PROC_CAPS: ControlCaps = { mustBe1: PROC_DEFAULT1, mayBe1: PROC_MAY_BE_1 };
export const TRUE_PROC_CAPS: ControlCaps = { mustBe1: TRUE_PROC_DEFAULT1, mayBe1: PROC_MAY_BE_1 };

export const PROC2_CAPS: ControlCaps = {
  mustBe1: 0,
  mayBe1: SECONDARY_EXEC_ENABLE_EPT | SECONDARY_EXEC_DESC | SECONDARY_EXEC_ENABLE_VPID | SECONDARY_EXEC_WBINVD_EXITING |
    SECONDARY_EXEC_UNRESTRICTED_GUEST,
};

const EXIT_DEFAULT1 = 0x00036dff;
const TRUE_EXIT_DEFAULT1 = 0x00036dfb;
const EXIT_MAY_BE_1 = EXIT_DEFAULT1 | VM_EXIT_ACK_INTR_ON_EXIT | VM_EXIT_SAVE_IA32_PAT | VM_EXIT_LOAD_IA32_PAT |
  VM_EXIT_SAVE_IA32_EFER | VM_EXIT_LOAD_IA32_EFER | VM_EXIT_SAVE_VMX_PREEMPTION_TIMER;
export const EXIT_CAPS: ControlCaps = { mustBe1: EXIT_DEFAULT1, mayBe1: EXIT_MAY_BE_1 };
export const TRUE_EXIT_CAPS: ControlCaps = { mustBe1: TRUE_EXIT_DEFAULT1, mayBe1: EXIT_MAY_BE_1 };

const ENTRY_DEFAULT1 = 0x000011ff;
const TRUE_ENTRY_DEFAULT1 = 0x000011fb;
const ENTRY_MAY_BE_1 = ENTRY_DEFAULT1 | VM_ENTRY_LOAD_IA32_PAT | VM_ENTRY_LOAD_IA32_EFER;
export const ENTRY_CAPS: ControlCaps = { mustBe1: ENTRY_DEFAULT1, mayBe1: ENTRY_MAY_BE_1 };
export const TRUE_ENTRY_CAPS: ControlCaps = { mustBe1: TRUE_ENTRY_DEFAULT1, mayBe1: ENTRY_MAY_BE_1 };

/** CR0/CR4 bits fixed in VMX operation (SDM vol. 3D §A.7, A.8): PE, NE, PG must be 1; CR4.VMXE must be 1. */
export const CR0_FIXED0 = 0x80000021 | 0;
export const CR0_FIXED1 = 0xe005003f | 0;
export const CR4_FIXED0 = 0x00002000;
/** CR4 bits this processor implements: VME PVI TSD DE PSE PAE MCE PGE PCE OSFXSR OSXMMEXCPT VMXE. */
export const CR4_FIXED1 = 0x000027ff;

/** VMX-preemption timer rate: it counts down by 1 every 2^5 TSC ticks (IA32_VMX_MISC bits 4:0). */
export const PREEMPTION_TIMER_RATE = 5;
/** TSC ticks per VMX-preemption-timer tick (2^PREEMPTION_TIMER_RATE), as a constant for the entry and exit paths. */
export const PREEMPTION_TIMER_SCALE = 2 ** PREEMPTION_TIMER_RATE;
export const CR3_TARGET_COUNT_MAX = 4;
/** Activity states supported besides active (IA32_VMX_MISC bits 6-8): HLT, shutdown, wait-for-SIPI. */
const MISC_ACTIVITY_HLT = 1 << 6;
const MISC_ACTIVITY_SHUTDOWN = 1 << 7;
const MISC_ACTIVITY_WAIT_SIPI = 1 << 8;

// IA32_VMX_EPT_VPID_CAP bits (SDM vol. 3D §A.10).
export const VMX_EPT_EXECUTE_ONLY_BIT = 1 << 0;
export const VMX_EPT_PAGE_WALK_4_BIT = 1 << 6;
export const VMX_EPTP_UC_BIT = 1 << 8;
export const VMX_EPTP_WB_BIT = 1 << 14;
export const VMX_EPT_2MB_PAGE_BIT = 1 << 16;
export const VMX_EPT_1GB_PAGE_BIT = 1 << 17;
export const VMX_EPT_INVEPT_BIT = 1 << 20;
export const VMX_EPT_AD_BIT = 1 << 21;
export const VMX_EPT_EXTENT_CONTEXT_BIT = 1 << 25;
export const VMX_EPT_EXTENT_GLOBAL_BIT = 1 << 26;
/** High dword bits: 0 INVVPID, 8 individual-address, 9 single-context, 10 all-context, 11 single-context-retaining-globals. */
export const VMX_VPID_INVVPID_BIT = 1 << 0;
export const VMX_VPID_EXTENT_INDIVIDUAL_ADDR_BIT = 1 << 8;
export const VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT = 1 << 9;
export const VMX_VPID_EXTENT_ALL_CONTEXT_BIT = 1 << 10;
export const VMX_VPID_EXTENT_SINGLE_NON_GLOBAL_BIT = 1 << 11;

function controlMsr(c: ControlCaps): readonly [number, number] {
  return [c.mustBe1 | 0, c.mayBe1 | 0];
}

const highestIndex = Math.max(...VMCS_FIELDS.map(([, e]) => fieldIndex(e)));

/**
 * Reads a VMX capability MSR as [low dword, high dword], or undefined for an index that is not one.
 * Bit layouts per SDM vol. 3D appendix A.
 */
export function readVmxCapabilityMsr(index: number): readonly [number, number] | undefined {
  switch (index) {
    case MSR_IA32_VMX_BASIC:
      // 44:32 region size, 48 32-bit physical addresses, 53:50 WB memory type, 54 INS/OUTS info, 55 TRUE MSRs.
      return [VMCS_REVISION_ID, (VMCS_REGION_SIZE | (1 << 16) | (6 << 18) | (1 << 22) | (1 << 23)) | 0];
    case MSR_IA32_VMX_PINBASED_CTLS: return controlMsr(PIN_CAPS);
    case MSR_IA32_VMX_TRUE_PINBASED_CTLS: return controlMsr(TRUE_PIN_CAPS);
    case MSR_IA32_VMX_PROCBASED_CTLS: return controlMsr(PROC_CAPS);
    case MSR_IA32_VMX_TRUE_PROCBASED_CTLS: return controlMsr(TRUE_PROC_CAPS);
    case MSR_IA32_VMX_PROCBASED_CTLS2: return controlMsr(PROC2_CAPS);
    case MSR_IA32_VMX_EXIT_CTLS: return controlMsr(EXIT_CAPS);
    case MSR_IA32_VMX_TRUE_EXIT_CTLS: return controlMsr(TRUE_EXIT_CAPS);
    case MSR_IA32_VMX_ENTRY_CTLS: return controlMsr(ENTRY_CAPS);
    case MSR_IA32_VMX_TRUE_ENTRY_CTLS: return controlMsr(TRUE_ENTRY_CAPS);
    case MSR_IA32_VMX_MISC:
      // 27:25 = 0: up to 512 MSRs per list.
      return [PREEMPTION_TIMER_RATE | MISC_ACTIVITY_HLT | MISC_ACTIVITY_SHUTDOWN | MISC_ACTIVITY_WAIT_SIPI | (CR3_TARGET_COUNT_MAX << 16), 0];
    case MSR_IA32_VMX_CR0_FIXED0: return [CR0_FIXED0, 0];
    case MSR_IA32_VMX_CR0_FIXED1: return [CR0_FIXED1, 0];
    case MSR_IA32_VMX_CR4_FIXED0: return [CR4_FIXED0, 0];
    case MSR_IA32_VMX_CR4_FIXED1: return [CR4_FIXED1, 0];
    case MSR_IA32_VMX_VMCS_ENUM: return [highestIndex << 1, 0];
    case MSR_IA32_VMX_EPT_VPID_CAP:
      return [
        VMX_EPT_EXECUTE_ONLY_BIT | VMX_EPT_PAGE_WALK_4_BIT | VMX_EPTP_UC_BIT | VMX_EPTP_WB_BIT | VMX_EPT_2MB_PAGE_BIT |
          VMX_EPT_1GB_PAGE_BIT | VMX_EPT_INVEPT_BIT | VMX_EPT_EXTENT_CONTEXT_BIT | VMX_EPT_EXTENT_GLOBAL_BIT,
        VMX_VPID_INVVPID_BIT | VMX_VPID_EXTENT_INDIVIDUAL_ADDR_BIT | VMX_VPID_EXTENT_SINGLE_CONTEXT_BIT |
          VMX_VPID_EXTENT_ALL_CONTEXT_BIT | VMX_VPID_EXTENT_SINGLE_NON_GLOBAL_BIT,
      ];
    default:
      return undefined;
  }
}

/** True when `value` respects a control capability: every must-be-1 bit set, no bit outside may-be-1. */
export function controlsValid(value: number, caps: ControlCaps): boolean {
  return (value & caps.mustBe1) === caps.mustBe1 && (value & ~caps.mayBe1) === 0;
}
