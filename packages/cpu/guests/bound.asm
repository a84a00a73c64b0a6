; bound: BOUND in range, below, above (#BR, a fault), 16- and 32-bit, signed bounds; the register form is #UD
%include "lib/rom.inc"

TEXT16
main:
  ; real mode: BOUND ax, [bounds16]
  mov word [0x600], 10
  mov word [0x602], 20
  mov ax, 15
  EXPECT bound ax, [0x600]
  mov ax, 21
  EXPECT bound ax, [0x600]
  GO_PM32 pm

TEXT32
%macro B32 3    ; lower, upper, value
  mov dword [DATA_BASE], %1
  mov dword [DATA_BASE + 4], %2
  mov eax, %3
  PUTS "bound ", %str(%3), " in [", %str(%1), ", ", %str(%2), "]: "
  EXPECT bound eax, [DATA_BASE]
%endmacro
%macro B16 3
  mov word [DATA_BASE], %1
  mov word [DATA_BASE + 2], %2
  mov eax, 0xFFFF0000 | (%3 & 0xFFFF)
  PUTS "bound16 ", %str(%3), " in [", %str(%1), ", ", %str(%2), "]: "
  EXPECT bound ax, [DATA_BASE]
%endmacro

pm:
  B32 0, 100, 0
  B32 0, 100, 100
  B32 0, 100, 101
  B32 0, 100, -1
  B32 -50, 50, -50
  B32 -50, 50, -51
  B32 0x80000000, 0x7FFFFFFF, 0x12345678
  B32 10, 5, 7
  B16 0, 0x7FFF, 0x7FFF
  B16 -2, 2, 0xFFFE
  B16 -2, 2, 3
  B16 0x100, 0x200, 0x8000
  PUTS "bound eax, ecx: "
  EXPECT db 0x62, 0xC1
  ROM_EXIT
