; rotates: ROL ROR RCL RCR by 1, CL and imm8, counts 0 1 N >=width >31 (RCL/RCR mod 9/17), 8/16/32-bit
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
counts:
  dd 24
%macro COUNTS 1
  ROW %1, 0, 0, 0, F_CF | F_OF
  ROW %1, 0, 1, 0, 0
  ROW %1, 0, 1, 0, F_CF
  ROW %1, 0, 2, 0, F_CF
  ROW %1, 0, 7, 0, 0
  ROW %1, 0, 8, 0, F_CF
  ROW %1, 0, 9, 0, 0
  ROW %1, 0, 16, 0, F_CF
  ROW %1, 0, 17, 0, F_CF
  ROW %1, 0, 18, 0, 0
  ROW %1, 0, 31, 0, F_CF
  ROW %1, 0, 32, 0, F_CF | F_OF
%endmacro
  COUNTS 0x81C18143
  COUNTS 0x40008001

; Rotates write only CF and OF; OF is defined for a count of 1 only, so the CL tables compare CF
; plus the untouched SF ZF AF PF.
M_R equ F_CF | F_SF | F_ZF | F_AF | F_PF
%macro ROT3 1
  TABLE_TEST counts, R_EAX | R_ECX, M_R, %1 al, cl
  TABLE_TEST counts, R_EAX | R_ECX, M_R, %1 ax, cl
  TABLE_TEST counts, R_EAX | R_ECX, M_R, %1 eax, cl
%endmacro

ones:
  dd 6
  ROW 0x81818181, 0, 1, 0, 0
  ROW 0x81818181, 0, 1, 0, F_CF
  ROW 0x40004002, 0, 1, 0, F_STATUS
  ROW 0xC000C0C0, 0, 1, 0, F_OF
  ROW 0x7FFF7F7F, 0, 1, 0, F_CF
  ROW 0x00000001, 0, 1, 0, 0

pm:
  ROT3 rol
  ROT3 ror
  ROT3 rcl
  ROT3 rcr
  TABLE_TEST ones, R_EAX, F_STATUS, rol al, 1
  TABLE_TEST ones, R_EAX, F_STATUS, ror al, 1
  TABLE_TEST ones, R_EAX, F_STATUS, rcl al, 1
  TABLE_TEST ones, R_EAX, F_STATUS, rcr al, 1
  TABLE_TEST ones, R_EAX, F_STATUS, rol ax, 1
  TABLE_TEST ones, R_EAX, F_STATUS, rcr ax, 1
  TABLE_TEST ones, R_EAX, F_STATUS, ror eax, 1
  TABLE_TEST ones, R_EAX, F_STATUS, rcl eax, 1
  TABLE_TEST ones, R_EAX, M_R, rol eax, 13
  TABLE_TEST ones, R_EAX, M_R, rcr al, 10
  TABLE_TEST ones, R_EAX, M_R, rcl ax, 0x31
  mov dword [DATA_BASE], 0x80000001
  SETFLAGS 0
  rcl dword [DATA_BASE], 1
  PFLAGS M_ROT1
  MEMDUMP DATA_BASE, 4
  mov cl, 12
  ror word [DATA_BASE], cl
  PFLAGS M_ROTN
  MEMDUMP DATA_BASE, 4
  ROM_EXIT
