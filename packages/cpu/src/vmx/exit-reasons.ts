/**
 * Basic VM-exit reasons (SDM vol. 3D appendix C; names as Linux arch/x86/include/uapi/asm/vmx.h,
 * the SDM name where Linux has none).
 */
export const EXIT_REASON_EXCEPTION_NMI = 0;
export const EXIT_REASON_EXTERNAL_INTERRUPT = 1;
export const EXIT_REASON_TRIPLE_FAULT = 2;
export const EXIT_REASON_INIT_SIGNAL = 3;
export const EXIT_REASON_SIPI_SIGNAL = 4;
export const EXIT_REASON_INTERRUPT_WINDOW = 7;
export const EXIT_REASON_NMI_WINDOW = 8;
export const EXIT_REASON_TASK_SWITCH = 9;
export const EXIT_REASON_CPUID = 10;
export const EXIT_REASON_HLT = 12;
export const EXIT_REASON_INVD = 13;
export const EXIT_REASON_INVLPG = 14;
export const EXIT_REASON_RDPMC = 15;
export const EXIT_REASON_RDTSC = 16;
export const EXIT_REASON_VMCALL = 18;
export const EXIT_REASON_VMCLEAR = 19;
export const EXIT_REASON_VMLAUNCH = 20;
export const EXIT_REASON_VMPTRLD = 21;
export const EXIT_REASON_VMPTRST = 22;
export const EXIT_REASON_VMREAD = 23;
export const EXIT_REASON_VMRESUME = 24;
export const EXIT_REASON_VMWRITE = 25;
export const EXIT_REASON_VMOFF = 26;
export const EXIT_REASON_VMON = 27;
export const EXIT_REASON_CR_ACCESS = 28;
export const EXIT_REASON_DR_ACCESS = 29;
export const EXIT_REASON_IO_INSTRUCTION = 30;
export const EXIT_REASON_MSR_READ = 31;
export const EXIT_REASON_MSR_WRITE = 32;
export const EXIT_REASON_INVALID_STATE = 33;
export const EXIT_REASON_MSR_LOAD_FAIL = 34;
export const EXIT_REASON_MWAIT_INSTRUCTION = 36;
export const EXIT_REASON_MONITOR_TRAP_FLAG = 37;
export const EXIT_REASON_MONITOR_INSTRUCTION = 39;
export const EXIT_REASON_PAUSE_INSTRUCTION = 40;
export const EXIT_REASON_MCE_DURING_VMENTRY = 41;
export const EXIT_REASON_TPR_BELOW_THRESHOLD = 43;
export const EXIT_REASON_APIC_ACCESS = 44;
export const EXIT_REASON_EOI_INDUCED = 45;
export const EXIT_REASON_GDTR_IDTR = 46;
export const EXIT_REASON_LDTR_TR = 47;
export const EXIT_REASON_EPT_VIOLATION = 48;
export const EXIT_REASON_EPT_MISCONFIG = 49;
export const EXIT_REASON_INVEPT = 50;
export const EXIT_REASON_RDTSCP = 51;
export const EXIT_REASON_PREEMPTION_TIMER = 52;
export const EXIT_REASON_INVVPID = 53;
export const EXIT_REASON_WBINVD = 54;
export const EXIT_REASON_XSETBV = 55;
export const EXIT_REASON_APIC_WRITE = 56;
export const EXIT_REASON_RDRAND = 57;
export const EXIT_REASON_INVPCID = 58;
export const EXIT_REASON_VMFUNC = 59;
export const EXIT_REASON_ENCLS = 60;
export const EXIT_REASON_RDSEED = 61;
export const EXIT_REASON_PML_FULL = 62;
export const EXIT_REASON_XSAVES = 63;
export const EXIT_REASON_XRSTORS = 64;
export const EXIT_REASON_UMWAIT = 67;
export const EXIT_REASON_TPAUSE = 68;
export const EXIT_REASON_BUS_LOCK = 74;
export const EXIT_REASON_NOTIFY = 75;

/** Bit 31 of the exit-reason field: the exit is a VM-entry failure (SDM vol. 3C §27.8). */
export const VMX_EXIT_REASONS_FAILED_VMENTRY = 0x80000000 | 0;

export const EXIT_REASON_NAMES: Readonly<Record<number, string>> = {
  0: "EXCEPTION_NMI", 1: "EXTERNAL_INTERRUPT", 2: "TRIPLE_FAULT", 3: "INIT_SIGNAL", 4: "SIPI_SIGNAL",
  7: "INTERRUPT_WINDOW", 8: "NMI_WINDOW", 9: "TASK_SWITCH", 10: "CPUID", 12: "HLT", 13: "INVD", 14: "INVLPG",
  15: "RDPMC", 16: "RDTSC", 18: "VMCALL", 19: "VMCLEAR", 20: "VMLAUNCH", 21: "VMPTRLD", 22: "VMPTRST", 23: "VMREAD",
  24: "VMRESUME", 25: "VMWRITE", 26: "VMOFF", 27: "VMON", 28: "CR_ACCESS", 29: "DR_ACCESS", 30: "IO_INSTRUCTION",
  31: "MSR_READ", 32: "MSR_WRITE", 33: "INVALID_STATE", 34: "MSR_LOAD_FAIL", 36: "MWAIT_INSTRUCTION",
  37: "MONITOR_TRAP_FLAG", 39: "MONITOR_INSTRUCTION", 40: "PAUSE_INSTRUCTION", 41: "MCE_DURING_VMENTRY",
  43: "TPR_BELOW_THRESHOLD", 44: "APIC_ACCESS", 45: "EOI_INDUCED", 46: "GDTR_IDTR", 47: "LDTR_TR",
  48: "EPT_VIOLATION", 49: "EPT_MISCONFIG", 50: "INVEPT", 51: "RDTSCP", 52: "PREEMPTION_TIMER", 53: "INVVPID",
  54: "WBINVD", 55: "XSETBV", 56: "APIC_WRITE", 57: "RDRAND", 58: "INVPCID", 59: "VMFUNC", 60: "ENCLS",
  61: "RDSEED", 62: "PML_FULL", 63: "XSAVES", 64: "XRSTORS", 67: "UMWAIT", 68: "TPAUSE", 74: "BUS_LOCK",
  75: "NOTIFY",
};

/** VM-instruction error numbers (SDM vol. 3C §30.4, table 30-1; Linux `enum vm_instruction_error_number`). */
export const VMXERR_VMCALL_IN_VMX_ROOT_OPERATION = 1;
export const VMXERR_VMCLEAR_INVALID_ADDRESS = 2;
export const VMXERR_VMCLEAR_VMXON_POINTER = 3;
export const VMXERR_VMLAUNCH_NONCLEAR_VMCS = 4;
export const VMXERR_VMRESUME_NONLAUNCHED_VMCS = 5;
export const VMXERR_VMRESUME_AFTER_VMXOFF = 6;
export const VMXERR_ENTRY_INVALID_CONTROL_FIELD = 7;
export const VMXERR_ENTRY_INVALID_HOST_STATE_FIELD = 8;
export const VMXERR_VMPTRLD_INVALID_ADDRESS = 9;
export const VMXERR_VMPTRLD_VMXON_POINTER = 10;
export const VMXERR_VMPTRLD_INCORRECT_VMCS_REVISION_ID = 11;
export const VMXERR_UNSUPPORTED_VMCS_COMPONENT = 12;
export const VMXERR_VMWRITE_READ_ONLY_VMCS_COMPONENT = 13;
export const VMXERR_VMXON_IN_VMX_ROOT_OPERATION = 15;
export const VMXERR_ENTRY_EVENTS_BLOCKED_BY_MOV_SS = 26;
export const VMXERR_INVALID_OPERAND_TO_INVEPT_INVVPID = 28;

/** Exit qualifications of an entry failure for invalid guest state (Linux `enum vm_entry_failure_code`). */
export const ENTRY_FAIL_DEFAULT = 0;
export const ENTRY_FAIL_PDPTE = 2;
export const ENTRY_FAIL_NMI = 3;
export const ENTRY_FAIL_VMCS_LINK_PTR = 4;
