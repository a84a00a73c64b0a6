; muldiv: MUL IMUL (1, 2 and 3 operands) DIV IDIV in 8/16/32-bit, #DE on zero divisors and quotient overflow
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  ; real mode #DE: the IVT handler sees CS:IP of the DIV itself (a fault)
  mov ax, 0x1000
  mov bl, 0x10
  EXPECT div bl
  GO_PM32 pm

TEXT32
mulrows:
  dd 9
  ROW 0x00000000, 0x00000000, 0, 0, 0
  ROW 0x00000003, 0x00000005, 0, 0, F_STATUS
  ROW 0x000000FF, 0x000000FF, 0, 0, 0
  ROW 0x00000080, 0x00000002, 0, 0, 0
  ROW 0x0000FFFF, 0x0000FFFF, 0, 0, 0
  ROW 0xFFFFFFFF, 0xFFFFFFFF, 0, 0, 0
  ROW 0x80000000, 0x00000002, 0, 0, 0
  ROW 0x7FFFFFFF, 0x00000002, 0, 0, 0
  ROW 0x12345678, 0x9ABCDEF0, 0, 0x55555555, 0

; EDX:EAX (or DX:AX, AX) / EBX
divrows:
  dd 12
  ROW 100, 7, 0, 0, 0
  ROW 0x0000FFFF, 0x000000FF, 0, 0, 0
  ROW 0x00001000, 0x00000010, 0, 0, 0                 ; AX/BL quotient 0x100: #DE for 8-bit
  ROW 0x12345678, 0x00000000, 0, 0, 0                 ; divide by zero
  ROW 0xFFFFFFFF, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0
  ROW 0xFFFFFF9C, 0x00000007, 0, 0xFFFFFFFF, 0        ; -100 / 7
  ROW 0x00000064, 0xFFFFFFF9, 0, 0, 0                 ; 100 / -7
  ROW 0xFFFF8000, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0        ; -32768 / -1: #DE for 16-bit IDIV
  ROW 0xFFFFFF80, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0        ; -128 / -1: #DE for 8-bit IDIV
  ROW 0x80000000, 0xFFFFFFFF, 0, 0xFFFFFFFF, 0        ; INT_MIN / -1: #DE for 32-bit IDIV
  ROW 0x00000000, 0x00000003, 0, 0x00000003, 0        ; high half >= divisor: #DE for DIV
  ROW 0x9ABCDEF0, 0x12345678, 0, 0x01234567, 0

pm:
  TABLE_TEST mulrows, R_AB | R_EDX, M_MUL, mul bl
  TABLE_TEST mulrows, R_AB | R_EDX, M_MUL, mul bx
  TABLE_TEST mulrows, R_AB | R_EDX, M_MUL, mul ebx
  TABLE_TEST mulrows, R_AB | R_EDX, M_MUL, imul bl
  TABLE_TEST mulrows, R_AB | R_EDX, M_MUL, imul bx
  TABLE_TEST mulrows, R_AB | R_EDX, M_MUL, imul ebx
  TABLE_TEST mulrows, R_AB, M_MUL, imul ax, bx
  TABLE_TEST mulrows, R_AB, M_MUL, imul eax, ebx
  TABLE_TEST mulrows, R_AB, M_MUL, imul eax, ebx, -3
  TABLE_TEST mulrows, R_AB, M_MUL, imul ax, bx, 0x7FFF
  TABLE_TEST mulrows, R_AB, M_MUL, imul ecx, ebx, 0x10001
  TABLE_TRY divrows, R_AB | R_EDX, M_DIV, div bl
  TABLE_TRY divrows, R_AB | R_EDX, M_DIV, div bx
  TABLE_TRY divrows, R_AB | R_EDX, M_DIV, div ebx
  TABLE_TRY divrows, R_AB | R_EDX, M_DIV, idiv bl
  TABLE_TRY divrows, R_AB | R_EDX, M_DIV, idiv bx
  TABLE_TRY divrows, R_AB | R_EDX, M_DIV, idiv ebx
  ; memory operands
  mov dword [DATA_BASE], 0x00000010
  mov eax, 0x12345
  xor edx, edx
  div dword [DATA_BASE]
  PR eax, edx
  NL
  mov word [DATA_BASE], 0xFFFE
  mov ax, 0x7FFF
  imul word [DATA_BASE]
  PR eax, edx
  PFLAGS M_MUL
  ROM_EXIT
