; alu-arith: ADD ADC SUB SBB CMP NEG INC DEC on 8/16/32-bit registers, CF in 0 and 1
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
; pairs chosen so that the low byte, low word and full dword each hit carry, overflow, AF, zero
%macro PAIRS 1
  ROW 0x00000000, 0x00000000, 0, 0, %1
  ROW 0x00000001, 0x00000001, 0, 0, %1
  ROW 0xFFFFFFFF, 0x00000001, 0, 0, %1
  ROW 0x7FFFFFFF, 0x00000001, 0, 0, %1
  ROW 0x7F7F7F7F, 0x01010101, 0, 0, %1
  ROW 0x80008080, 0x80008080, 0, 0, %1
  ROW 0x0F0F0F0F, 0x01010101, 0, 0, %1
  ROW 0x12345678, 0x9ABCDEF0, 0, 0, %1
  ROW 0x80000000, 0xFFFFFFFF, 0, 0, %1
  ROW 0x00000000, 0xFFFFFFFF, 0, 0, %1
  ROW 0x7FFF7FFF, 0x80008000, 0, 0, %1
%endmacro
pairs:
  dd 22
  PAIRS 0
  PAIRS F_CF

%macro ALU3 1
  TABLE_TEST pairs, R_AB, M_ARITH, %1 al, bl
  TABLE_TEST pairs, R_AB, M_ARITH, %1 ax, bx
  TABLE_TEST pairs, R_AB, M_ARITH, %1 eax, ebx
%endmacro

pm:
  ALU3 add
  ALU3 adc
  ALU3 sub
  ALU3 sbb
  ALU3 cmp
  TABLE_TEST pairs, R_EAX, M_ARITH, neg al
  TABLE_TEST pairs, R_EAX, M_ARITH, neg ax
  TABLE_TEST pairs, R_EAX, M_ARITH, neg eax
  TABLE_TEST pairs, R_EAX, M_ARITH, inc al
  TABLE_TEST pairs, R_EAX, M_ARITH, inc ax
  TABLE_TEST pairs, R_EAX, M_ARITH, inc eax
  TABLE_TEST pairs, R_EAX, M_ARITH, dec bl
  TABLE_TEST pairs, R_EBX, M_ARITH, dec bx
  TABLE_TEST pairs, R_EBX, M_ARITH, dec ebx
  ROM_EXIT
