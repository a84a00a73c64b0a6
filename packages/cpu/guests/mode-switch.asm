; mode-switch: real -> 32-bit PM -> 16-bit PM -> real -> unreal, with an exception in each mode
%include "lib/rom.inc"

TEXT16
main:
  PUTS "real mode: cs="
  HEX16 cs
  PUTS " ss="
  HEX16 ss
  NL
  mov ax, 0x1234
  mov bl, 0
  EXPECT div bl
  GO_PM32 pm32

TEXT32
pm32:
  PUTS "32-bit protected mode: cs="
  HEX16 cs
  PUTS " ds="
  HEX16 ds
  PUTS " ss="
  HEX16 ss
  PUTS " tr="
  str ax
  HEX16 ax
  PUTS " cr0.pe="
  mov eax, cr0
  and eax, 1
  HEX8 al
  NL
  mov eax, 10
  xor ecx, ecx
  xor edx, edx
  EXPECT div ecx
  mov ax, 0x1234
  EXPECT mov ds, ax
  EXPECT ud2
  GO_PM16 pm16

TEXT16
pm16:
  PUTS "16-bit protected mode: cs="
  HEX16 cs
  PUTS " ds="
  HEX16 ds
  NL
  mov ax, 7
  mov cl, 0
  EXPECT div cl
  mov ax, 0x0FFC
  EXPECT mov es, ax
  GO_REAL real2

real2:
  PUTS "real mode again: cs="
  HEX16 cs
  mov eax, cr0
  and eax, 1
  PUTS " cr0.pe="
  HEX8 al
  NL
  mov dword [0x0600], 0xCAFEF00D
  PUTS "ds:[0600]="
  HEX32 [0x0600]
  NL
  GO_PM32 to_unreal

TEXT32
to_unreal:
  mov dword [0x100000], 0x12345678
  GO_UNREAL unreal

TEXT16
unreal:
  PUTS "unreal mode: ds="
  HEX16 ds
  mov esi, 0x100000
  PUTS " [ds:esi]="
  HEX32 [esi]
  xor ax, ax
  mov ds, ax            ; a real-mode load sets the base only; the 4 GiB limit stays cached
  PUTS " after ds reload="
  HEX32 [esi]
  NL
  mov dword [esi + 4], 0x9ABCDEF0
  PUTS "write above 1 MiB: "
  HEX32 [esi + 4]
  NL
  ROM_EXIT
