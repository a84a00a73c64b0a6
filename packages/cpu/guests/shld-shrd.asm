; shld-shrd: SHLD SHRD by imm8 and CL, 16/32-bit, register and memory destinations
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
counts32:
  dd 10
  ROW 0x12345678, 0x9ABCDEF0, 0, 0, F_CF | F_OF
  ROW 0x12345678, 0x9ABCDEF0, 1, 0, 0
  ROW 0x92345678, 0x9ABCDEF0, 1, 0, F_CF
  ROW 0x12345678, 0x9ABCDEF0, 4, 0, 0
  ROW 0x80000001, 0xFFFFFFFF, 8, 0, 0
  ROW 0x12345678, 0x9ABCDEF0, 16, 0, F_CF
  ROW 0x12345678, 0x9ABCDEF0, 31, 0, 0
  ROW 0x12345678, 0x9ABCDEF0, 32, 0, F_STATUS
  ROW 0x00000001, 0x00000000, 33, 0, 0
  ROW 0x00000000, 0x00000000, 5, 0, 0
; 16-bit counts up to 16 (above the width the result is undefined)
counts16:
  dd 7
  ROW 0x1234F678, 0x9ABCDEF0, 0, 0, F_CF
  ROW 0x12345678, 0x9ABC8EF0, 1, 0, 0
  ROW 0x1234C678, 0x9ABCDEF0, 1, 0, 0
  ROW 0x12345678, 0x9ABCDEF0, 4, 0, 0
  ROW 0x12348001, 0x9ABCFFFF, 15, 0, 0
  ROW 0x12345678, 0x9ABCDEF0, 16, 0, F_CF
  ROW 0x12340000, 0x9ABC0000, 7, 0, 0

M_SD equ F_CF | F_SF | F_ZF | F_PF

pm:
  TABLE_TEST counts32, R_ABC, M_SD, shld eax, ebx, cl
  TABLE_TEST counts32, R_ABC, M_SD, shrd eax, ebx, cl
  TABLE_TEST counts16, R_ABC, M_SD, shld ax, bx, cl
  TABLE_TEST counts16, R_ABC, M_SD, shrd ax, bx, cl
  TABLE_TEST counts32, R_AB, M_SHIFT1, shld eax, ebx, 1
  TABLE_TEST counts32, R_AB, M_SHIFT1, shrd eax, ebx, 1
  TABLE_TEST counts16, R_AB, M_SHIFT1, shrd ax, bx, 1
  TABLE_TEST counts32, R_AB, M_SHIFTN, shld eax, ebx, 12
  TABLE_TEST counts16, R_AB, M_SHIFTN, shrd ax, bx, 9
  TABLE_TEST counts32, R_AB, F_STATUS, shrd eax, ebx, 32
  mov dword [DATA_BASE], 0x11223344
  mov ebx, 0xAABBCCDD
  mov cl, 8
  shld [DATA_BASE], ebx, cl
  PFLAGS M_SD
  MEMDUMP DATA_BASE, 4
  shrd word [DATA_BASE + 2], bx, 4
  PFLAGS M_SD
  MEMDUMP DATA_BASE, 4
  ROM_EXIT
