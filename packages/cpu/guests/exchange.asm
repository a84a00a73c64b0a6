; exchange: XCHG XADD CMPXCHG (8/16/32, equal and not equal) CMPXCHG8B BSWAP, register and memory forms
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
; EAX accumulator, EBX source, ECX destination
rows:
  dd 6
  ROW 0x00000005, 0x11111111, 0x00000005, 0, 0
  ROW 0x00000005, 0x11111111, 0x00000006, 0, F_CF
  ROW 0x80008080, 0x7FFF7F7F, 0x80008080, 0, F_ZF
  ROW 0x12345678, 0x9ABCDEF0, 0x12345600, 0, 0
  ROW 0x00000000, 0xFFFFFFFF, 0x00000001, 0, 0
  ROW 0xFFFFFFFF, 0x00000001, 0x7FFFFFFF, 0, F_STATUS

pm:
  TABLE_TEST rows, R_ABC, F_STATUS, xchg ebx, ecx
  TABLE_TEST rows, R_ABC, F_STATUS, xchg bx, cx
  TABLE_TEST rows, R_ABC, F_STATUS, xchg bl, ch
  TABLE_TEST rows, R_ABC, F_STATUS, xchg eax, ecx
  TABLE_TEST rows, R_ABC, M_ARITH, xadd ecx, ebx
  TABLE_TEST rows, R_ABC, M_ARITH, xadd cx, bx
  TABLE_TEST rows, R_ABC, M_ARITH, xadd cl, bl
  TABLE_TEST rows, R_ABC, M_ARITH, cmpxchg ecx, ebx
  TABLE_TEST rows, R_ABC, M_ARITH, cmpxchg cx, bx
  TABLE_TEST rows, R_ABC, M_ARITH, cmpxchg cl, bl
  TABLE_TEST rows, R_ABC, F_STATUS, bswap eax
  TABLE_TEST rows, R_ABC, F_STATUS, bswap ecx
  ; memory forms (the destination is written back even when CMPXCHG fails: SDM Vol. 2 CMPXCHG)
  mov dword [DATA_BASE], 0x11223344
  mov eax, 0x11223344
  mov ebx, 0xAABBCCDD
  cmpxchg [DATA_BASE], ebx
  PR eax
  PFLAGS M_ARITH
  MEMDUMP DATA_BASE, 4
  mov eax, 0x99
  cmpxchg [DATA_BASE], ebx
  PR eax
  PFLAGS M_ARITH
  mov ebx, 0x01010101
  lock xadd [DATA_BASE], ebx
  PR ebx
  PFLAGS M_ARITH
  MEMDUMP DATA_BASE, 4
  mov eax, 0x5A5A5A5A
  xchg [DATA_BASE], eax
  PR eax
  NL
  MEMDUMP DATA_BASE, 4
  ; CMPXCHG8B: equal -> store ECX:EBX, ZF=1; not equal -> load EDX:EAX, ZF=0
  mov dword [DATA_BASE + 8], 0x89ABCDEF
  mov dword [DATA_BASE + 12], 0x01234567
  mov eax, 0x89ABCDEF
  mov edx, 0x01234567
  mov ebx, 0xFFFFFFFF
  mov ecx, 0xEEEEEEEE
  SETFLAGS F_STATUS & ~F_ZF
  cmpxchg8b [DATA_BASE + 8]
  PR eax, edx
  PFLAGS M_CMPXCHG8B | F_CF | F_OF | F_SF | F_AF | F_PF
  MEMDUMP DATA_BASE + 8, 8
  mov eax, 0
  mov edx, 0
  SETFLAGS F_ZF
  lock cmpxchg8b [DATA_BASE + 8]
  PR eax, edx
  PFLAGS M_CMPXCHG8B | F_CF | F_OF | F_SF | F_AF | F_PF
  ; CMPXCHG8B with a register operand is #UD (SDM Vol. 2: "If the destination operand is not a memory location")
  EXPECT db 0x0F, 0xC7, 0xC8
  ; LOCK on an instruction that cannot be locked is #UD
  EXPECT db 0xF0, 0x01, 0xD8     ; lock add eax, ebx
  ROM_EXIT
