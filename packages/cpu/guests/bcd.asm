; bcd: DAA DAS AAA AAS over every AL with AF/CF in, AAM AAD with bases 10 and 16, AAM 0 raises #DE
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
; One line per (instruction, AF in, CF in, high nibble of AL): 16 results "al:flags"; for AAA/AAS
; the result shown is AX with AH starting at 0x12.
%macro SWEEP 2                 ; instruction, mask
  PUTS %str(%1), 10
  xor edi, edi                 ; edi = flags in: 0, AF, CF, AF|CF
%%flags:
  xor esi, esi                 ; esi = AL high nibble
%%row:
  PUTS " f="
  mov eax, [cs:%%fl + edi * 4]
  HEX8 al
  PUTS " al="
  mov eax, esi
  shl eax, 4
  HEX8 al
  PUTS ":"
  xor ecx, ecx
%%col:
  mov eax, esi
  shl eax, 4
  or eax, ecx
  or eax, 0x1200               ; AH
  push dword [cs:%%fl + edi * 4]
  popfd
  %1
  pushfd
  PUTS " "
  HEX16 ax
  PUTS ","
  pop edx
  push eax
  mov eax, edx
  mov edx, %2
  call lib32_flagbits
  pop eax
  inc ecx
  cmp ecx, 16
  jb %%col
  NL
  inc esi
  cmp esi, 16
  jb %%row
  inc edi
  cmp edi, 4
  jb %%flags
  jmp %%end
%%fl: dd 0x2, 0x12, 0x3, 0x13
%%end:
%endmacro

pm:
  SWEEP daa, M_DAA
  SWEEP das, M_DAA
  SWEEP aaa, M_AAA
  SWEEP aas, M_AAA
  ; AAM/AAD: selected values, bases 10 and 16 and 7
  mov esi, aamvals
.aam:
  movzx eax, word [esi]
  cmp eax, 0xFFFF
  je .aamdone
  PUTS "ax="
  HEX16 ax
  aam
  PUTS " aam10="
  HEX16 ax
  PFLAGS M_AAM
  movzx eax, word [esi]
  PUTS "ax="
  HEX16 ax
  aam 16
  PUTS " aam16="
  HEX16 ax
  PFLAGS M_AAM
  movzx eax, word [esi]
  PUTS "ax="
  HEX16 ax
  aad
  PUTS " aad10="
  HEX16 ax
  PFLAGS M_AAM
  movzx eax, word [esi]
  PUTS "ax="
  HEX16 ax
  aad 7
  PUTS " aad7="
  HEX16 ax
  PFLAGS M_AAM
  add esi, 2
  jmp .aam
.aamdone:
  mov ax, 0x1234
  EXPECT aam 0
  PR eax
  NL
  ROM_EXIT
aamvals: dw 0x0000, 0x0009, 0x000A, 0x0063, 0x00FF, 0x0909, 0x0F0F, 0x8080, 0x1234, 0xFF00, 0xFFFF
