; shifts: SHL SHR SAR SAL by 1, CL and imm8 with counts 0 1 N >=width >31, 8/16/32-bit
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
; ECX holds the count (CL); eflags in alternate CF/OF so "unchanged on count 0" is visible
counts:
  dd 20
%macro COUNTS 1
  ROW %1, 0, 0, 0, F_CF | F_OF | F_ZF
  ROW %1, 0, 1, 0, 0
  ROW %1, 0, 2, 0, F_CF
  ROW %1, 0, 7, 0, 0
  ROW %1, 0, 8, 0, F_CF
  ROW %1, 0, 9, 0, 0
  ROW %1, 0, 16, 0, F_CF
  ROW %1, 0, 17, 0, 0
  ROW %1, 0, 31, 0, F_CF
  ROW %1, 0, 33, 0, F_STATUS
%endmacro
  COUNTS 0x81818181
  COUNTS 0x40004002

; The SDM defines OF only for a count of 1 and leaves AF undefined after any non-zero shift;
; CF is undefined for SHL/SHR counts >= the operand width. The tables print with the strictest
; mask that covers every row: CF ZF SF PF (and OF in the count-1 rows below).
M_SH equ F_SF | F_ZF | F_PF
%macro SH3 2
  TABLE_TEST counts, R_AB | R_ECX, %2, %1 al, cl
  TABLE_TEST counts, R_AB | R_ECX, %2, %1 ax, cl
  TABLE_TEST counts, R_AB | R_ECX, %2, %1 eax, cl
%endmacro

ones:
  dd 6
  ROW 0x81818181, 0, 1, 0, 0
  ROW 0x40004002, 0, 1, 0, F_CF
  ROW 0xC000C0C0, 0, 1, 0, F_OF
  ROW 0x7FFF7F7F, 0, 1, 0, 0
  ROW 0x00000001, 0, 1, 0, F_STATUS
  ROW 0x80000000, 0, 1, 0, 0

pm:
  SH3 shl, M_SH
  SH3 shr, M_SH
  SH3 sar, M_SH | F_CF
  ; counts below the width: CF is defined for SHL/SHR too (a separate table keeps the mask exact)
  TABLE_TEST small, R_EAX | R_ECX, M_SH | F_CF, shl al, cl
  TABLE_TEST small, R_EAX | R_ECX, M_SH | F_CF, shr al, cl
  TABLE_TEST small, R_EAX | R_ECX, M_SH | F_CF, shl ax, cl
  TABLE_TEST small, R_EAX | R_ECX, M_SH | F_CF, shr eax, cl
  ; count 1 (D0/D1 forms): OF defined
  TABLE_TEST ones, R_EAX, M_SHIFT1, shl al, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, shr al, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, sar al, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, shl ax, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, shr ax, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, sar ax, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, shl eax, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, shr eax, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, sar eax, 1
  TABLE_TEST ones, R_EAX, M_SHIFT1, sal eax, 1
  ; imm8 forms (C0/C1), including counts masked to 5 bits
  TABLE_TEST ones, R_EAX, M_SHIFTN, shl eax, 4
  TABLE_TEST ones, R_EAX, M_SHIFTN, sar ax, 9
  TABLE_TEST ones, R_EAX, M_SH, shr al, 35
  TABLE_TEST ones, R_EAX, F_STATUS, shl eax, 32
  TABLE_TEST ones, R_EAX, F_STATUS, sar bl, 0
  ; memory operand
  mov dword [DATA_BASE], 0x80000001
  SETFLAGS 0
  shl dword [DATA_BASE], 1
  PFLAGS M_SHIFT1
  MEMDUMP DATA_BASE, 4
  mov cl, 3
  sar word [DATA_BASE + 2], cl
  PFLAGS M_SHIFTN
  MEMDUMP DATA_BASE, 4
  ROM_EXIT

small:
  dd 6
  ROW 0x81818181, 0, 2, 0, 0
  ROW 0x81818181, 0, 7, 0, F_CF
  ROW 0x40004002, 0, 3, 0, 0
  ROW 0x40004002, 0, 6, 0, F_CF
  ROW 0xFFFF00FF, 0, 5, 0, 0
  ROW 0x00010000, 0, 1, 0, 0
