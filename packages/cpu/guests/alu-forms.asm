; alu-forms: ADD OR ADC SBB AND SUB XOR CMP in every encoding (00-05, 80-83 incl. the 82 alias) with memory operands, 8/16/32-bit, 32-bit addressing in PM and 16-bit addressing in real mode
%include "lib/rom.inc"

M equ DATA_BASE + 0x20
M16 equ 0x0620                    ; real-mode scratch (DS=0)

TEXT16
; real mode: r/m16 forms through [bx+si+disp8], [bp+di] (SS), [disp16]
%macro RFORMS 2                   ; mnemonic, flag mask
  PUTS %str(%1), " (real, 16-bit addressing):"
  mov word [M16], 0x7FF0
  mov bx, M16 - 0x10
  mov si, 0x08
  mov ax, 0x0011
  SETFLAGS F_CF
  %1 [bx + si + 8], ax
  PFLAGS %2
  PUTS "   [m]="
  HEX16 [M16]
  mov bp, M16 - 4
  mov di, 4
  SETFLAGS F_CF
  %1 ax, [bp + di]
  PUTS " ax="
  HEX16 ax
  SETFLAGS 0
  %1 word [M16], 0x1234
  PUTS " [m]="
  HEX16 [M16]
  o32 %1 dword [M16], -2
  PUTS " [m]="
  HEX32 [M16]
  PFLAGS %2
%endmacro

main:
  RFORMS add, M_ARITH
  RFORMS adc, M_ARITH
  RFORMS sub, M_ARITH
  RFORMS sbb, M_ARITH
  RFORMS cmp, M_ARITH
  RFORMS and, M_LOGIC
  RFORMS or, M_LOGIC
  RFORMS xor, M_LOGIC
  GO_PM32 pm

TEXT32
%macro SHOWM 0
  PUTS " m="
  HEX32 [M]
  PR eax, ebx
  PFLAGS FMASK
%endmacro

%macro FORMS 2                    ; mnemonic, opcode row (0..7)
  %if (%2) == 1 || (%2) == 4 || (%2) == 6
    %define FMASK M_LOGIC
  %else
    %define FMASK M_ARITH
  %endif
  PUTS %str(%1), ":", 10
  mov dword [M], 0x80FF7F01
  mov eax, 0x7F7F8081
  mov ebx, 0x01808001
  SETFLAGS F_CF
  PUTS " 0x: r/m8,r8"
  %1 [M], bl
  SHOWM
  PUTS " 0x: r/m32,r32"
  %1 [M], ebx
  SHOWM
  PUTS " 0x: r/m16,r16"
  %1 [M], bx
  SHOWM
  PUTS " 0x: r8,r/m8"
  %1 bl, [M + 1]
  SHOWM
  PUTS " 0x: r32,r/m32"
  %1 ebx, [M]
  SHOWM
  PUTS " 0x: al,imm8"
  %1 al, 0x90
  SHOWM
  PUTS " 0x: eax,imm32"
  %1 eax, strict dword 0x00010080
  SHOWM
  PUTS " 0x: ax,imm16"
  %1 ax, strict word 0x8001
  SHOWM
  PUTS " 80: r/m8,imm8"
  %1 byte [M + 2], 0x81
  SHOWM
  PUTS " 81: r/m32,imm32"
  %1 dword [M], strict dword 0x7FFFFFFF
  SHOWM
  PUTS " 83: r/m32,imm8"
  %1 dword [M], strict byte -1
  SHOWM
  PUTS " 83: r/m16,imm8"
  %1 word [M + 2], strict byte 0x7F
  SHOWM
  PUTS " 82: r/m8,imm8 (alias of 80)"
  db 0x82, 0x05 | ((%2) << 3)
  dd M + 3
  db 0x55
  SHOWM
%endmacro

pm:
  FORMS add, 0
  FORMS or, 1
  FORMS adc, 2
  FORMS sbb, 3
  FORMS and, 4
  FORMS sub, 5
  FORMS xor, 6
  FORMS cmp, 7
  ROM_EXIT
