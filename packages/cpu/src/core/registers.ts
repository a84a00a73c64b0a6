/**
 * Register numbering. General registers use the ModRM `reg` encoding (SDM vol. 2A, table 2-1),
 * which is also the order of the VMX I/O and CR-access exit qualifications' GPR field. This is
 * NOT the order of `struct kvm_regs` (rax, rbx, rcx, rdx, ...); the kvm layer maps between them.
 */
export const EAX = 0;
export const ECX = 1;
export const EDX = 2;
export const EBX = 3;
export const ESP = 4;
export const EBP = 5;
export const ESI = 6;
export const EDI = 7;
export const GPR_NAMES = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi"] as const;

/**
 * Segment registers in the `sreg` encoding of MOV Sreg (SDM vol. 2A, table 3-? "Segment register field"),
 * which is also the order of the VMCS guest-selector fields (ES 0x800, CS 0x802, SS, DS, FS, GS, LDTR, TR).
 */
export const ES = 0;
export const CS = 1;
export const SS = 2;
export const DS = 3;
export const FS = 4;
export const GS = 5;
export const LDTR = 6;
export const TR = 7;
export const SEG_NAMES = ["es", "cs", "ss", "ds", "fs", "gs", "ldtr", "tr"] as const;

/** EFLAGS bits (SDM vol. 1 §3.4.3). */
export const FLAG_CF = 1 << 0;
export const FLAG_FIXED1 = 1 << 1;
export const FLAG_PF = 1 << 2;
export const FLAG_AF = 1 << 4;
export const FLAG_ZF = 1 << 6;
export const FLAG_SF = 1 << 7;
export const FLAG_TF = 1 << 8;
export const FLAG_IF = 1 << 9;
export const FLAG_DF = 1 << 10;
export const FLAG_OF = 1 << 11;
export const FLAG_IOPL = 3 << 12;
export const FLAG_NT = 1 << 14;
export const FLAG_RF = 1 << 16;
export const FLAG_VM = 1 << 17;
export const FLAG_AC = 1 << 18;
export const FLAG_VIF = 1 << 19;
export const FLAG_VIP = 1 << 20;
export const FLAG_ID = 1 << 21;
/** The six status flags computed by arithmetic, kept lazily. */
export const FLAGS_ARITH = FLAG_CF | FLAG_PF | FLAG_AF | FLAG_ZF | FLAG_SF | FLAG_OF;
/** Bits software can ever set on this (i686 + VME + ID) processor. */
export const FLAGS_WRITABLE =
  FLAGS_ARITH | FLAG_TF | FLAG_IF | FLAG_DF | FLAG_IOPL | FLAG_NT | FLAG_RF | FLAG_VM | FLAG_AC | FLAG_VIF | FLAG_VIP | FLAG_ID;

/** CR0 bits (SDM vol. 3A §2.5). */
export const CR0_PE = 1 << 0;
export const CR0_MP = 1 << 1;
export const CR0_EM = 1 << 2;
export const CR0_TS = 1 << 3;
export const CR0_ET = 1 << 4;
export const CR0_NE = 1 << 5;
export const CR0_WP = 1 << 16;
export const CR0_AM = 1 << 18;
export const CR0_NW = 1 << 29;
export const CR0_CD = 1 << 30;
export const CR0_PG = 1 << 31;

/** CR4 bits (SDM vol. 3A §2.5). */
export const CR4_VME = 1 << 0;
export const CR4_PVI = 1 << 1;
export const CR4_TSD = 1 << 2;
export const CR4_DE = 1 << 3;
export const CR4_PSE = 1 << 4;
export const CR4_PAE = 1 << 5;
export const CR4_MCE = 1 << 6;
export const CR4_PGE = 1 << 7;
export const CR4_PCE = 1 << 8;
export const CR4_OSFXSR = 1 << 9;
export const CR4_OSXMMEXCPT = 1 << 10;
export const CR4_VMXE = 1 << 13;

/**
 * Segment access rights in the VMCS "access rights" format (SDM vol. 3C §24.4.1, table 24-2):
 * bits 3:0 type, 4 S, 6:5 DPL, 7 P, 12 AVL, 13 L, 14 D/B, 15 G, 16 unusable. The CPU keeps its
 * hidden segment attributes in this format so VM entry/exit move them without conversion.
 */
export const AR_TYPE_MASK = 0xf;
export const AR_S = 1 << 4;
export const AR_DPL_SHIFT = 5;
export const AR_P = 1 << 7;
export const AR_AVL = 1 << 12;
export const AR_L = 1 << 13;
export const AR_DB = 1 << 14;
export const AR_G = 1 << 15;
export const AR_UNUSABLE = 1 << 16;
/** Type bits for code/data descriptors (S = 1): bit 3 code, bit 2 conforming/expand-down, bit 1 R/W, bit 0 accessed. */
export const SEG_TYPE_ACCESSED = 1;
export const SEG_TYPE_RW = 2;
export const SEG_TYPE_EXPDOWN_CONFORMING = 4;
export const SEG_TYPE_CODE = 8;

/** Converts descriptor bytes 5-6 (type..G) to the VMCS AR format: the same bits, already in place. */
export function descriptorToAr(high: number): number {
  return (high >>> 8) & 0xf0ff;
}

/** Attributes a real-mode segment load leaves for a writable 16-bit data segment, present, accessed. */
export const AR_REAL_DATA = 0x93;
/** CS after reset: present, code, readable, accessed (SDM vol. 3A §9.1.1, table 9-1). */
export const AR_REAL_CODE = 0x9b;
