; accessed-bit: loading a segment register sets the accessed bit of its descriptor in the GDT (SDM Vol. 3A 3.4.5.1)
; differs-qemu: QEMU TCG does not write the accessed bit back to the descriptor
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
%macro TYPE 1
  PUTS " "
  HEX8 [GDT_BASE + (%1) + 5]
%endmacro
pm:
  SET_DESC SEL_FREE, 0, 0xFFFFF, 0x92, 0xC
  SET_DESC SEL_FREE + 8, 0, 0xFFFFF, 0x9A, 0xC
  SET_DESC SEL_FREE + 16, 0, 0xFFFFF, 0x92, 0xC
  PUTS "before:"
  TYPE SEL_FREE
  TYPE SEL_FREE + 8
  TYPE SEL_FREE + 16
  NL
  mov ax, SEL_FREE
  mov es, ax
  jmp SEL_FREE + 8:.in
.in:
  jmp SEL_CODE32:.out
.out:
  lar eax, [cs:.dummy]
  PUTS "after loading es and cs:"
  TYPE SEL_FREE
  TYPE SEL_FREE + 8
  TYPE SEL_FREE + 16
  NL
  mov ax, SEL_DATA32
  mov es, ax
  ROM_EXIT
.dummy: dw SEL_FREE + 16
