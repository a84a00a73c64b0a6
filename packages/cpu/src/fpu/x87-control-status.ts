// x87 FPU control word, status word and tag word encodings.
// Intel SDM vol. 1 §8.1.3 (status word, Figure 8-4), §8.1.5 (control word, Figure 8-6),
// §8.1.7 (tag word, Figure 8-7) and §10.5.1.1 (FXSAVE abridged tag byte).

/** Exception flag / mask bits, shared by FSW (flags) and FCW (masks) — SDM vol. 1 §8.1.3.1. */
export const FPU_EX_IE = 0x0001; // invalid operation
export const FPU_EX_DE = 0x0002; // denormal operand
export const FPU_EX_ZE = 0x0004; // zero divide
export const FPU_EX_OE = 0x0008; // overflow
export const FPU_EX_UE = 0x0010; // underflow
export const FPU_EX_PE = 0x0020; // precision (inexact)
export const FPU_EX_ALL = 0x003f;

/** Status word (FSW) bits — SDM vol. 1 Figure 8-4. */
export const FPU_SW_SF = 0x0040; // stack fault (with IE)
export const FPU_SW_ES = 0x0080; // exception summary: an unmasked exception is pending
export const FPU_SW_C0 = 0x0100;
export const FPU_SW_C1 = 0x0200;
export const FPU_SW_C2 = 0x0400;
export const FPU_SW_TOP_SHIFT = 11;
export const FPU_SW_TOP_MASK = 0x3800;
export const FPU_SW_C3 = 0x4000;
export const FPU_SW_B = 0x8000; // busy; mirrors ES on the 387 and later
export const FPU_SW_CC = FPU_SW_C0 | FPU_SW_C1 | FPU_SW_C2 | FPU_SW_C3;

/** Control word (FCW) fields — SDM vol. 1 §8.1.5. */
export const FPU_CW_PC_SHIFT = 8;
export const FPU_CW_PC_MASK = 0x0300;
export const FPU_CW_RC_SHIFT = 10;
export const FPU_CW_RC_MASK = 0x0c00;
export const FPU_CW_X = 0x1000; // infinity control: kept for 287 compatibility, no effect
/** Bit 6 reads as 1 and bits 13..15 as 0 on the 387 and later (measured: FLDCW 0 → FNSTCW 0x0040). */
export const FPU_CW_RESERVED_ONE = 0x0040;
export const FPU_CW_WRITABLE = 0x1f3f;
/** FNINIT value — SDM vol. 1 Table 8-5... (§8.1.5: all exceptions masked, 64-bit precision, nearest). */
export const FPU_CW_DEFAULT = 0x037f;

/** Precision control field values — SDM vol. 1 Table 8-2. */
export const FPU_PC_SINGLE = 0; // 24 bits
export const FPU_PC_RESERVED = 1;
export const FPU_PC_DOUBLE = 2; // 53 bits
export const FPU_PC_EXTENDED = 3; // 64 bits

/** Rounding control field values — SDM vol. 1 Table 4-8. */
export const FPU_RC_NEAREST = 0;
export const FPU_RC_DOWN = 1; // toward -infinity
export const FPU_RC_UP = 2; // toward +infinity
export const FPU_RC_CHOP = 3; // toward zero

/** Tag word encodings — SDM vol. 1 Figure 8-7. */
export const FPU_TAG_VALID = 0;
export const FPU_TAG_ZERO = 1;
export const FPU_TAG_SPECIAL = 2; // NaN, infinity, denormal, unsupported
export const FPU_TAG_EMPTY = 3;

/** Condition-code results of the compare instructions — SDM vol. 1 Table 8-6. */
export const FPU_CC_GREATER = 0;
export const FPU_CC_LESS = FPU_SW_C0;
export const FPU_CC_EQUAL = FPU_SW_C3;
export const FPU_CC_UNORDERED = FPU_SW_C3 | FPU_SW_C2 | FPU_SW_C0;
