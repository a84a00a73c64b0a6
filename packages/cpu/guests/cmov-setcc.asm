; cmov-setcc: all 16 conditions of SETcc and CMOVcc (16/32-bit, register and memory) over flag combinations
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
; flag inputs that separate every condition: O S Z P C and the S!=O / Z|(S!=O) combinations
flagsets: dd 0, F_CF, F_ZF, F_CF | F_ZF, F_SF, F_OF, F_SF | F_OF, F_PF, F_ZF | F_SF, F_STATUS
NFLAGSETS equ 10

%macro CC_ALL 1
  %1 o
  %1 no
  %1 b
  %1 ae
  %1 e
  %1 ne
  %1 be
  %1 a
  %1 s
  %1 ns
  %1 p
  %1 np
  %1 l
  %1 ge
  %1 le
  %1 g
%endmacro

%macro SET_ONE 1
  push dword [esi]
  popfd
  set%1 al
  HEX8 al
%endmacro
%macro CMOV_ONE 1
  mov eax, 0x11111111
  mov ebx, 0x22222222
  push dword [esi]
  popfd
  cmov%1 eax, ebx
  PUTS " "
  HEX8 al
  mov ax, 0x3333
  push dword [esi]
  popfd
  cmov%1 ax, [DATA_BASE]
  HEX16 ax
%endmacro

pm:
  mov word [DATA_BASE], 0x4444
  PUTS "setcc o no b ae e ne be a s ns p np l ge le g", 10
  mov esi, flagsets
.set:
  PUTS "f="
  mov eax, [esi]
  mov edx, F_STATUS
  call lib32_flagbits
  PUTS ":"
  CC_ALL SET_ONE
  NL
  add esi, 4
  cmp esi, flagsets + 4 * NFLAGSETS
  jb .set
  PUTS "cmovcc (32-bit reg: al of result, 16-bit mem: ax)", 10
  mov esi, flagsets
.cmov:
  PUTS "f="
  mov eax, [esi]
  mov edx, F_STATUS
  call lib32_flagbits
  PUTS ":"
  CC_ALL CMOV_ONE
  NL
  add esi, 4
  cmp esi, flagsets + 4 * NFLAGSETS
  jb .cmov
  ; SETcc to memory, CMOVcc with a false condition still reads its memory operand (a fault is taken)
  mov byte [DATA_BASE + 4], 0x77
  stc
  setc [DATA_BASE + 4]
  MEMDUMP DATA_BASE + 4, 1
  ; 32-bit CMOV with a false condition zero-extends nothing in 32-bit mode: EAX keeps its value
  mov eax, 0xFFFFFFFF
  clc
  cmovc eax, ebx
  PR eax
  NL
  ROM_EXIT
