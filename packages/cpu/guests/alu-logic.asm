; alu-logic: AND OR XOR TEST NOT on 8/16/32-bit registers (OF=CF=0, AF undefined)
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pairs:
  dd 8
  ROW 0x00000000, 0x00000000, 0, 0, F_STATUS
  ROW 0xFFFFFFFF, 0x0F0F0F0F, 0, 0, 0
  ROW 0x80008080, 0x80008080, 0, 0, F_CF | F_OF
  ROW 0x12345678, 0xFFFFFFFF, 0, 0, 0
  ROW 0xAAAAAAAA, 0x55555555, 0, 0, F_STATUS
  ROW 0x01030307, 0x00010103, 0, 0, 0
  ROW 0xFF00FF00, 0x00FF00FF, 0, 0, F_ZF
  ROW 0x7FFFFFFF, 0x80000000, 0, 0, F_SF

%macro LOGIC3 1
  TABLE_TEST pairs, R_AB, M_LOGIC, %1 al, bl
  TABLE_TEST pairs, R_AB, M_LOGIC, %1 ax, bx
  TABLE_TEST pairs, R_AB, M_LOGIC, %1 eax, ebx
%endmacro

pm:
  LOGIC3 and
  LOGIC3 or
  LOGIC3 xor
  LOGIC3 test
  TABLE_TEST pairs, R_EAX, F_STATUS, not al
  TABLE_TEST pairs, R_EAX, F_STATUS, not ax
  TABLE_TEST pairs, R_EAX, F_STATUS, not eax
  ; immediate and accumulator forms
  TABLE_TEST pairs, R_EAX, M_LOGIC, and al, 0x81
  TABLE_TEST pairs, R_EAX, M_LOGIC, or ax, 0x8001
  TABLE_TEST pairs, R_EAX, M_LOGIC, xor eax, -1
  TABLE_TEST pairs, R_EBX, M_LOGIC, test bl, 0x80
  ROM_EXIT
