; triple-fault: an exception with an empty IDT in protected mode: #GP, then #DF, then shutdown (the runner reports "shutdown")
; expect-exit: shutdown
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  PUTS "loading an IDT with limit 0, then INT3", 10
  lidt [cs:empty_idt]
  int3
  PUTS "not reached", 10
  ROM_EXIT
empty_idt:
  dw 0
  dd 0
