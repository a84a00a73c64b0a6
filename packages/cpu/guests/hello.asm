; hello: the framework itself - printing, hex, flag letters, dumps, the end marker.
%include "lib/rom.inc"

TEXT16
main:
  PUTS "hello from real mode", 10
  HEX8 0x5a
  PUTS " "
  HEX16 0xbeef
  PUTS " "
  HEX32 0x12345678
  NL
  mov eax, 0x11111111
  mov ebx, 0x22222222
  mov ecx, 0x33333333
  mov edx, 0x44444444
  mov esi, 0x55555555
  mov edi, 0x66666666
  SETFLAGS F_CF | F_ZF | F_OF
  DUMP
  DUMP M_MUL
  ROM_EXIT
