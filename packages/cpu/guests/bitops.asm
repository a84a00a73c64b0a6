; bitops: BT BTS BTR BTC with register and imm8 offsets on registers and memory (offsets beyond the operand, negative), BSF BSR (non-zero sources; a zero source leaves the destination undefined)
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
; EAX = operand, EBX = bit offset
bitrows:
  dd 8
  ROW 0x00000001, 0, 0, 0, 0
  ROW 0x00000001, 1, 0, 0, F_CF
  ROW 0x80000000, 31, 0, 0, 0
  ROW 0x80000000, 63, 0, 0, F_ZF
  ROW 0x00008000, 15, 0, 0, 0
  ROW 0x00008000, 47, 0, 0, F_CF
  ROW 0xFFFFFFFF, 0x12345, 0, 0, 0
  ROW 0x5A5A5A5A, 0xFFFFFFFF, 0, 0, F_CF
scan:
  dd 7
  ROW 0x00000001, 0x11111111, 0, 0, 0
  ROW 0x80000400, 0x11111111, 0, 0, 0
  ROW 0x00F0F000, 0x11111111, 0, 0, F_ZF
  ROW 0x00010004, 0x11111111, 0, 0, 0
  ROW 0xFFFFFFFF, 0x11111111, 0, 0, 0
  ROW 0x80000001, 0x11111111, 0, 0, 0
  ROW 0x00000100, 0x11111111, 0, 0, F_ZF

pm:
  TABLE_TEST bitrows, R_AB, M_BT | F_ZF, bt eax, ebx
  TABLE_TEST bitrows, R_AB, M_BT | F_ZF, bts eax, ebx
  TABLE_TEST bitrows, R_AB, M_BT | F_ZF, btr eax, ebx
  TABLE_TEST bitrows, R_AB, M_BT | F_ZF, btc eax, ebx
  TABLE_TEST bitrows, R_AB, M_BT | F_ZF, bt ax, bx
  TABLE_TEST bitrows, R_AB, M_BT | F_ZF, btc ax, bx
  TABLE_TEST bitrows, R_EAX, M_BT | F_ZF, bts eax, 33
  TABLE_TEST bitrows, R_EAX, M_BT | F_ZF, btr ax, 15
  ; BSF/BSR: only ZF is defined; a zero source leaves the destination undefined (not printed)
  TABLE_TEST scan, R_AB, M_BSF, bsf ebx, eax
  TABLE_TEST scan, R_AB, M_BSF, bsr ebx, eax
  TABLE_TEST scan, R_AB, M_BSF, bsf bx, ax
  TABLE_TEST scan, R_AB, M_BSF, bsr bx, ax
  mov eax, 0
  bsf ebx, eax
  PUTS "bsf of zero:"
  PFLAGS M_BSF
  ; memory bit strings: a register offset addresses bytes outside the operand, also below it
  mov esi, DATA_BASE + 0x40
  mov dword [esi - 8], 0
  mov dword [esi - 4], 0
  mov dword [esi], 0
  mov dword [esi + 4], 0
  mov dword [esi + 8], 0
  mov eax, 0
  bts [esi], eax
  mov eax, 35
  bts [esi], eax
  mov eax, 71
  bts dword [esi], eax
  mov eax, -1
  bts [esi], eax
  mov eax, -33
  bts [esi], eax
  mov ax, 17
  bts word [esi], ax
  mov ax, -9
  bts word [esi], ax
  bts dword [esi], 39           ; imm8 offsets are taken modulo the operand size
  MEMDUMP DATA_BASE + 0x38, 20
  mov eax, 71
  btr [esi], eax
  PFLAGS M_BT | F_ZF
  mov eax, 71
  btc [esi], eax
  PFLAGS M_BT | F_ZF
  mov eax, -33
  bt [esi], eax
  PFLAGS M_BT | F_ZF
  MEMDUMP DATA_BASE + 0x38, 20
  ROM_EXIT
