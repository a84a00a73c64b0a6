; lock-prefix: LOCK is valid only on read-modify-write instructions with a memory destination; anything else is #UD
; differs-qemu: QEMU TCG accepts LOCK on MOV and BT (no #UD)
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
%define ABS32 (DATA_BASE & 0xFF), ((DATA_BASE >> 8) & 0xFF), ((DATA_BASE >> 16) & 0xFF), (DATA_BASE >> 24)
%macro L 2+
  PUTS %1, ": "
  EXPECT %2
%endmacro
pm:
  mov dword [DATA_BASE], 5
  mov eax, 0x10
  L "lock add [mem], eax", db 0xF0, 0x01, 0x05, ABS32
  L "lock inc dword [mem]", lock inc dword [DATA_BASE]
  L "lock xchg [mem], eax", lock xchg [DATA_BASE], eax
  L "lock bts [mem], 3", lock bts dword [DATA_BASE], 3
  L "lock cmpxchg8b [mem]", lock cmpxchg8b [DATA_BASE]
  L "lock add eax, ebx (register destination)", db 0xF0, 0x01, 0xD8
  L "lock mov eax, ebx", db 0xF0, 0x8B, 0xC3
  L "lock mov [mem], eax", db 0xF0, 0x89, 0x05, ABS32
  L "lock nop", db 0xF0, 0x90
  L "lock cmp [mem], eax", db 0xF0, 0x39, 0x05, ABS32
  L "lock bt [mem], eax", db 0xF0, 0x0F, 0xA3, 0x05, ABS32
  MEMDUMP DATA_BASE, 4
  ROM_EXIT
