; paging-ad: accessed and dirty bits: reads set A in the PDE and PTE, writes set D in the PTE (and in a 4 MiB PDE); INVLPG makes the CPU walk again
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

LIN equ 0x00400000
TEXT32
%macro SHOW 0
  PUTS " pde="
  HEX8 [PD_BASE + 4]
  PUTS " pte="
  mov eax, [PD_BASE + 4]
  and eax, 0xFFFFF000
  HEX8 [eax]
  NL
%endmacro
%macro CLEAR_AD 0
  and dword [PD_BASE + 4], ~0x60
  mov eax, [PD_BASE + 4]
  and eax, 0xFFFFF000
  and dword [eax], ~0x60
  invlpg [LIN]
%endmacro

pm:
  PAGING_ON
  MAP4K LIN, DATA_BASE, 7
  CLEAR_AD
  PUTS "after map, A/D cleared:"
  SHOW
  mov eax, [LIN]
  PUTS "after a read:"
  SHOW
  mov dword [LIN], 1
  PUTS "after a write:"
  SHOW
  CLEAR_AD
  mov dword [LIN + 8], 2
  PUTS "write with A/D clear:"
  SHOW
  ; LEA and a not-taken access do not touch the page
  CLEAR_AD
  lea eax, [LIN + 0x10]
  PUTS "lea only:"
  SHOW
  ; a 4 MiB page records D in the PDE
  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
  mov dword [PD_BASE + 8], 0x00000000 | 0x80 | 7
  invlpg [0x00800000]
  mov eax, [0x00800000 + DATA_BASE]
  PUTS "4M pde after read="
  HEX8 [PD_BASE + 8]
  mov dword [0x00800000 + DATA_BASE], 3
  PUTS " after write="
  HEX8 [PD_BASE + 8]
  NL
  PAGING_OFF
  ROM_EXIT
