; cr4-reserved: MOV to CR4 setting a bit this CPU does not implement (bit 20, SMEP on later models) is #GP(0)
; skip-qemu: QEMU 7.2 TCG hangs on this MOV with -cpu pentium3 instead of raising #GP
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  PUTS "mov cr4 with bit 20: "
  mov eax, 0x00100000
  EXPECT mov cr4, eax
  mov eax, cr4
  PUTS "cr4="
  HEX32 eax
  NL
  ROM_EXIT
