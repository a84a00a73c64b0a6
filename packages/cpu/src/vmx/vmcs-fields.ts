/**
 * VMCS component encodings (SDM vol. 3D appendix B; names as Linux `enum vmcs_field` in
 * arch/x86/include/asm/vmx.h). An encoding packs: bit 0 access type (1 = high half of a 64-bit field),
 * bits 9:1 index, bits 11:10 type (0 control, 1 VM-exit information, 2 guest state, 3 host state),
 * bits 14:13 width (0 16-bit, 1 64-bit, 2 32-bit, 3 natural). Bits 31:15 and 12 are reserved.
 */
export const VMCS_FIELD_RESERVED_MASK = 0xffff9000 | 0;

export const WIDTH_16 = 0;
export const WIDTH_64 = 1;
export const WIDTH_32 = 2;
export const WIDTH_NATURAL = 3;
export const TYPE_CONTROL = 0;
export const TYPE_EXIT_INFO = 1;
export const TYPE_GUEST = 2;
export const TYPE_HOST = 3;

export function fieldWidth(encoding: number): number {
  return (encoding >>> 13) & 3;
}
export function fieldType(encoding: number): number {
  return (encoding >>> 10) & 3;
}
export function fieldIndex(encoding: number): number {
  return (encoding >>> 1) & 0x1ff;
}
export function isHighAccess(encoding: number): boolean {
  return (encoding & 1) !== 0;
}

// 16-bit control
export const VIRTUAL_PROCESSOR_ID = 0x0000;
export const POSTED_INTR_NV = 0x0002;
export const EPTP_INDEX = 0x0004;
// 16-bit guest state
export const GUEST_ES_SELECTOR = 0x0800;
export const GUEST_CS_SELECTOR = 0x0802;
export const GUEST_SS_SELECTOR = 0x0804;
export const GUEST_DS_SELECTOR = 0x0806;
export const GUEST_FS_SELECTOR = 0x0808;
export const GUEST_GS_SELECTOR = 0x080a;
export const GUEST_LDTR_SELECTOR = 0x080c;
export const GUEST_TR_SELECTOR = 0x080e;
export const GUEST_INTR_STATUS = 0x0810;
export const GUEST_PML_INDEX = 0x0812;
// 16-bit host state
export const HOST_ES_SELECTOR = 0x0c00;
export const HOST_CS_SELECTOR = 0x0c02;
export const HOST_SS_SELECTOR = 0x0c04;
export const HOST_DS_SELECTOR = 0x0c06;
export const HOST_FS_SELECTOR = 0x0c08;
export const HOST_GS_SELECTOR = 0x0c0a;
export const HOST_TR_SELECTOR = 0x0c0c;
// 64-bit control
export const IO_BITMAP_A = 0x2000;
export const IO_BITMAP_B = 0x2002;
export const MSR_BITMAP = 0x2004;
export const VM_EXIT_MSR_STORE_ADDR = 0x2006;
export const VM_EXIT_MSR_LOAD_ADDR = 0x2008;
export const VM_ENTRY_MSR_LOAD_ADDR = 0x200a;
export const PML_ADDRESS = 0x200e;
export const TSC_OFFSET = 0x2010;
export const VIRTUAL_APIC_PAGE_ADDR = 0x2012;
export const APIC_ACCESS_ADDR = 0x2014;
export const POSTED_INTR_DESC_ADDR = 0x2016;
export const VM_FUNCTION_CONTROL = 0x2018;
export const EPT_POINTER = 0x201a;
export const EOI_EXIT_BITMAP0 = 0x201c;
export const EOI_EXIT_BITMAP1 = 0x201e;
export const EOI_EXIT_BITMAP2 = 0x2020;
export const EOI_EXIT_BITMAP3 = 0x2022;
export const EPTP_LIST_ADDRESS = 0x2024;
export const VMREAD_BITMAP = 0x2026;
export const VMWRITE_BITMAP = 0x2028;
export const XSS_EXIT_BITMAP = 0x202c;
export const TSC_MULTIPLIER = 0x2032;
export const TERTIARY_VM_EXEC_CONTROL = 0x2034;
// 64-bit read-only
export const GUEST_PHYSICAL_ADDRESS = 0x2400;
// 64-bit guest state
export const VMCS_LINK_POINTER = 0x2800;
export const GUEST_IA32_DEBUGCTL = 0x2802;
export const GUEST_IA32_PAT = 0x2804;
export const GUEST_IA32_EFER = 0x2806;
export const GUEST_IA32_PERF_GLOBAL_CTRL = 0x2808;
export const GUEST_PDPTR0 = 0x280a;
export const GUEST_PDPTR1 = 0x280c;
export const GUEST_PDPTR2 = 0x280e;
export const GUEST_PDPTR3 = 0x2810;
export const GUEST_BNDCFGS = 0x2812;
// 64-bit host state
export const HOST_IA32_PAT = 0x2c00;
export const HOST_IA32_EFER = 0x2c02;
export const HOST_IA32_PERF_GLOBAL_CTRL = 0x2c04;
// 32-bit control
export const PIN_BASED_VM_EXEC_CONTROL = 0x4000;
export const CPU_BASED_VM_EXEC_CONTROL = 0x4002;
export const EXCEPTION_BITMAP = 0x4004;
export const PAGE_FAULT_ERROR_CODE_MASK = 0x4006;
export const PAGE_FAULT_ERROR_CODE_MATCH = 0x4008;
export const CR3_TARGET_COUNT = 0x400a;
export const VM_EXIT_CONTROLS = 0x400c;
export const VM_EXIT_MSR_STORE_COUNT = 0x400e;
export const VM_EXIT_MSR_LOAD_COUNT = 0x4010;
export const VM_ENTRY_CONTROLS = 0x4012;
export const VM_ENTRY_MSR_LOAD_COUNT = 0x4014;
export const VM_ENTRY_INTR_INFO_FIELD = 0x4016;
export const VM_ENTRY_EXCEPTION_ERROR_CODE = 0x4018;
export const VM_ENTRY_INSTRUCTION_LEN = 0x401a;
export const TPR_THRESHOLD = 0x401c;
export const SECONDARY_VM_EXEC_CONTROL = 0x401e;
export const PLE_GAP = 0x4020;
export const PLE_WINDOW = 0x4022;
export const NOTIFY_WINDOW = 0x4024;
// 32-bit read-only
export const VM_INSTRUCTION_ERROR = 0x4400;
export const VM_EXIT_REASON = 0x4402;
export const VM_EXIT_INTR_INFO = 0x4404;
export const VM_EXIT_INTR_ERROR_CODE = 0x4406;
export const IDT_VECTORING_INFO_FIELD = 0x4408;
export const IDT_VECTORING_ERROR_CODE = 0x440a;
export const VM_EXIT_INSTRUCTION_LEN = 0x440c;
export const VMX_INSTRUCTION_INFO = 0x440e;
// 32-bit guest state
export const GUEST_ES_LIMIT = 0x4800;
export const GUEST_CS_LIMIT = 0x4802;
export const GUEST_SS_LIMIT = 0x4804;
export const GUEST_DS_LIMIT = 0x4806;
export const GUEST_FS_LIMIT = 0x4808;
export const GUEST_GS_LIMIT = 0x480a;
export const GUEST_LDTR_LIMIT = 0x480c;
export const GUEST_TR_LIMIT = 0x480e;
export const GUEST_GDTR_LIMIT = 0x4810;
export const GUEST_IDTR_LIMIT = 0x4812;
export const GUEST_ES_AR_BYTES = 0x4814;
export const GUEST_CS_AR_BYTES = 0x4816;
export const GUEST_SS_AR_BYTES = 0x4818;
export const GUEST_DS_AR_BYTES = 0x481a;
export const GUEST_FS_AR_BYTES = 0x481c;
export const GUEST_GS_AR_BYTES = 0x481e;
export const GUEST_LDTR_AR_BYTES = 0x4820;
export const GUEST_TR_AR_BYTES = 0x4822;
export const GUEST_INTERRUPTIBILITY_INFO = 0x4824;
export const GUEST_ACTIVITY_STATE = 0x4826;
export const GUEST_SMBASE = 0x4828;
export const GUEST_SYSENTER_CS = 0x482a;
export const VMX_PREEMPTION_TIMER_VALUE = 0x482e;
// 32-bit host state
export const HOST_IA32_SYSENTER_CS = 0x4c00;
// natural-width control
export const CR0_GUEST_HOST_MASK = 0x6000;
export const CR4_GUEST_HOST_MASK = 0x6002;
export const CR0_READ_SHADOW = 0x6004;
export const CR4_READ_SHADOW = 0x6006;
export const CR3_TARGET_VALUE0 = 0x6008;
export const CR3_TARGET_VALUE1 = 0x600a;
export const CR3_TARGET_VALUE2 = 0x600c;
export const CR3_TARGET_VALUE3 = 0x600e;
// natural-width read-only
export const EXIT_QUALIFICATION = 0x6400;
export const EXIT_IO_RCX = 0x6402;
export const EXIT_IO_RSI = 0x6404;
export const EXIT_IO_RDI = 0x6406;
export const EXIT_IO_RIP = 0x6408;
export const GUEST_LINEAR_ADDRESS = 0x640a;
// natural-width guest state
export const GUEST_CR0 = 0x6800;
export const GUEST_CR3 = 0x6802;
export const GUEST_CR4 = 0x6804;
export const GUEST_ES_BASE = 0x6806;
export const GUEST_CS_BASE = 0x6808;
export const GUEST_SS_BASE = 0x680a;
export const GUEST_DS_BASE = 0x680c;
export const GUEST_FS_BASE = 0x680e;
export const GUEST_GS_BASE = 0x6810;
export const GUEST_LDTR_BASE = 0x6812;
export const GUEST_TR_BASE = 0x6814;
export const GUEST_GDTR_BASE = 0x6816;
export const GUEST_IDTR_BASE = 0x6818;
export const GUEST_DR7 = 0x681a;
export const GUEST_RSP = 0x681c;
export const GUEST_RIP = 0x681e;
export const GUEST_RFLAGS = 0x6820;
export const GUEST_PENDING_DBG_EXCEPTIONS = 0x6822;
export const GUEST_SYSENTER_ESP = 0x6824;
export const GUEST_SYSENTER_EIP = 0x6826;
export const GUEST_S_CET = 0x6828;
export const GUEST_SSP = 0x682a;
// natural-width host state
export const HOST_CR0 = 0x6c00;
export const HOST_CR3 = 0x6c02;
export const HOST_CR4 = 0x6c04;
export const HOST_FS_BASE = 0x6c06;
export const HOST_GS_BASE = 0x6c08;
export const HOST_TR_BASE = 0x6c0a;
export const HOST_GDTR_BASE = 0x6c0c;
export const HOST_IDTR_BASE = 0x6c0e;
export const HOST_IA32_SYSENTER_ESP = 0x6c10;
export const HOST_IA32_SYSENTER_EIP = 0x6c12;
export const HOST_RSP = 0x6c14;
export const HOST_RIP = 0x6c16;

/**
 * Every component this processor's VMCS holds, by name. VMREAD/VMWRITE of an encoding not listed
 * here (or of the high half of a field that is not 64 bits wide) fails with VM-instruction error 12.
 * Components for features this processor does not have (posted interrupts, PML, CET, ...) are still
 * present, as on hardware that lists them in IA32_VMX_VMCS_ENUM, so software that saves and restores
 * a whole VMCS works; the features themselves stay disabled by the capability MSRs.
 */
export const VMCS_FIELDS: readonly (readonly [string, number])[] = Object.entries({
  VIRTUAL_PROCESSOR_ID, POSTED_INTR_NV, EPTP_INDEX,
  GUEST_ES_SELECTOR, GUEST_CS_SELECTOR, GUEST_SS_SELECTOR, GUEST_DS_SELECTOR, GUEST_FS_SELECTOR, GUEST_GS_SELECTOR,
  GUEST_LDTR_SELECTOR, GUEST_TR_SELECTOR, GUEST_INTR_STATUS, GUEST_PML_INDEX,
  HOST_ES_SELECTOR, HOST_CS_SELECTOR, HOST_SS_SELECTOR, HOST_DS_SELECTOR, HOST_FS_SELECTOR, HOST_GS_SELECTOR,
  HOST_TR_SELECTOR,
  IO_BITMAP_A, IO_BITMAP_B, MSR_BITMAP, VM_EXIT_MSR_STORE_ADDR, VM_EXIT_MSR_LOAD_ADDR, VM_ENTRY_MSR_LOAD_ADDR,
  PML_ADDRESS, TSC_OFFSET, VIRTUAL_APIC_PAGE_ADDR, APIC_ACCESS_ADDR, POSTED_INTR_DESC_ADDR, VM_FUNCTION_CONTROL,
  EPT_POINTER, EOI_EXIT_BITMAP0, EOI_EXIT_BITMAP1, EOI_EXIT_BITMAP2, EOI_EXIT_BITMAP3, EPTP_LIST_ADDRESS,
  VMREAD_BITMAP, VMWRITE_BITMAP, XSS_EXIT_BITMAP, TSC_MULTIPLIER, TERTIARY_VM_EXEC_CONTROL,
  GUEST_PHYSICAL_ADDRESS,
  VMCS_LINK_POINTER, GUEST_IA32_DEBUGCTL, GUEST_IA32_PAT, GUEST_IA32_EFER, GUEST_IA32_PERF_GLOBAL_CTRL,
  GUEST_PDPTR0, GUEST_PDPTR1, GUEST_PDPTR2, GUEST_PDPTR3, GUEST_BNDCFGS,
  HOST_IA32_PAT, HOST_IA32_EFER, HOST_IA32_PERF_GLOBAL_CTRL,
  PIN_BASED_VM_EXEC_CONTROL, CPU_BASED_VM_EXEC_CONTROL, EXCEPTION_BITMAP, PAGE_FAULT_ERROR_CODE_MASK,
  PAGE_FAULT_ERROR_CODE_MATCH, CR3_TARGET_COUNT, VM_EXIT_CONTROLS, VM_EXIT_MSR_STORE_COUNT, VM_EXIT_MSR_LOAD_COUNT,
  VM_ENTRY_CONTROLS, VM_ENTRY_MSR_LOAD_COUNT, VM_ENTRY_INTR_INFO_FIELD, VM_ENTRY_EXCEPTION_ERROR_CODE,
  VM_ENTRY_INSTRUCTION_LEN, TPR_THRESHOLD, SECONDARY_VM_EXEC_CONTROL, PLE_GAP, PLE_WINDOW, NOTIFY_WINDOW,
  VM_INSTRUCTION_ERROR, VM_EXIT_REASON, VM_EXIT_INTR_INFO, VM_EXIT_INTR_ERROR_CODE, IDT_VECTORING_INFO_FIELD,
  IDT_VECTORING_ERROR_CODE, VM_EXIT_INSTRUCTION_LEN, VMX_INSTRUCTION_INFO,
  GUEST_ES_LIMIT, GUEST_CS_LIMIT, GUEST_SS_LIMIT, GUEST_DS_LIMIT, GUEST_FS_LIMIT, GUEST_GS_LIMIT, GUEST_LDTR_LIMIT,
  GUEST_TR_LIMIT, GUEST_GDTR_LIMIT, GUEST_IDTR_LIMIT, GUEST_ES_AR_BYTES, GUEST_CS_AR_BYTES, GUEST_SS_AR_BYTES,
  GUEST_DS_AR_BYTES, GUEST_FS_AR_BYTES, GUEST_GS_AR_BYTES, GUEST_LDTR_AR_BYTES, GUEST_TR_AR_BYTES,
  GUEST_INTERRUPTIBILITY_INFO, GUEST_ACTIVITY_STATE, GUEST_SMBASE, GUEST_SYSENTER_CS, VMX_PREEMPTION_TIMER_VALUE,
  HOST_IA32_SYSENTER_CS,
  CR0_GUEST_HOST_MASK, CR4_GUEST_HOST_MASK, CR0_READ_SHADOW, CR4_READ_SHADOW, CR3_TARGET_VALUE0, CR3_TARGET_VALUE1,
  CR3_TARGET_VALUE2, CR3_TARGET_VALUE3,
  EXIT_QUALIFICATION, EXIT_IO_RCX, EXIT_IO_RSI, EXIT_IO_RDI, EXIT_IO_RIP, GUEST_LINEAR_ADDRESS,
  GUEST_CR0, GUEST_CR3, GUEST_CR4, GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE, GUEST_DS_BASE, GUEST_FS_BASE,
  GUEST_GS_BASE, GUEST_LDTR_BASE, GUEST_TR_BASE, GUEST_GDTR_BASE, GUEST_IDTR_BASE, GUEST_DR7, GUEST_RSP, GUEST_RIP,
  GUEST_RFLAGS, GUEST_PENDING_DBG_EXCEPTIONS, GUEST_SYSENTER_ESP, GUEST_SYSENTER_EIP, GUEST_S_CET, GUEST_SSP,
  HOST_CR0, HOST_CR3, HOST_CR4, HOST_FS_BASE, HOST_GS_BASE, HOST_TR_BASE, HOST_GDTR_BASE, HOST_IDTR_BASE,
  HOST_IA32_SYSENTER_ESP, HOST_IA32_SYSENTER_EIP, HOST_RSP, HOST_RIP,
});

const NAME_BY_ENCODING = new Map<number, string>(VMCS_FIELDS.map(([n, e]) => [e, n]));
export function vmcsFieldName(encoding: number): string | undefined {
  return NAME_BY_ENCODING.get(encoding & ~1) !== undefined && (encoding & 1) === 1
    ? `${NAME_BY_ENCODING.get(encoding & ~1)!}_HIGH`
    : NAME_BY_ENCODING.get(encoding);
}

/** The guest segment fields, indexed by the CPU's segment numbering (ES, CS, SS, DS, FS, GS, LDTR, TR). */
export const GUEST_SEG_SELECTOR = [GUEST_ES_SELECTOR, GUEST_CS_SELECTOR, GUEST_SS_SELECTOR, GUEST_DS_SELECTOR, GUEST_FS_SELECTOR, GUEST_GS_SELECTOR, GUEST_LDTR_SELECTOR, GUEST_TR_SELECTOR] as const;
export const GUEST_SEG_BASE = [GUEST_ES_BASE, GUEST_CS_BASE, GUEST_SS_BASE, GUEST_DS_BASE, GUEST_FS_BASE, GUEST_GS_BASE, GUEST_LDTR_BASE, GUEST_TR_BASE] as const;
export const GUEST_SEG_LIMIT = [GUEST_ES_LIMIT, GUEST_CS_LIMIT, GUEST_SS_LIMIT, GUEST_DS_LIMIT, GUEST_FS_LIMIT, GUEST_GS_LIMIT, GUEST_LDTR_LIMIT, GUEST_TR_LIMIT] as const;
export const GUEST_SEG_AR = [GUEST_ES_AR_BYTES, GUEST_CS_AR_BYTES, GUEST_SS_AR_BYTES, GUEST_DS_AR_BYTES, GUEST_FS_AR_BYTES, GUEST_GS_AR_BYTES, GUEST_LDTR_AR_BYTES, GUEST_TR_AR_BYTES] as const;
