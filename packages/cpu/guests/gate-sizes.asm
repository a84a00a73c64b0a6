; gate-sizes: 16- and 32-bit gates and stacks mixed: 32-bit and 16-bit interrupt gates from 16-bit code, a 16-bit gate from 32-bit code (word frame, o16 IRET), from ring 3 onto a 16-bit inner stack (SS0 with B=0: SP changes, the upper half of ESP stays), a 16-bit call gate copying word parameters with RETF o16 imm16 back to ring 3
%include "lib/rom.inc"

RB        equ 0xF0000                  ; base of the rebased code segments (TEXT32 offsets fit in 16 bits)
SEL_C0R   equ SEL_FREE                 ; ring-0 code, base F0000, 32-bit
SEL_C3R   equ SEL_FREE + 8 + 3         ; ring-3 code, base F0000, 32-bit
SEL_S3_16 equ SEL_FREE + 16 + 3        ; ring-3 stack, 16-bit (B=0), base 0
SEL_S0_16 equ SEL_FREE + 24            ; ring-0 stack, 16-bit (B=0), base 0
SEL_CG16  equ SEL_FREE + 32 + 3        ; 16-bit call gate, DPL 3, two word parameters -> SEL_C0R:cg16
%define R(x) ((x) - RB)

TEXT16
main:
  GO_PM16 pm16
pm16:
  SET_GATE 0x52, SEL_CODE32, h52, 0x8E     ; 32-bit interrupt gate
  SET_GATE 0x53, SEL_CODE16, h53, 0x86     ; 16-bit interrupt gate
  mov esp, 0x6F00
  PUTS "16-bit code, 32-bit interrupt gate:", 10
  mov ebx, 0x0000ABCD
  int 0x52
  PUTS "16-bit code, 16-bit interrupt gate:", 10
  int 0x53
  GO_PM32 pm

h53:
  push bp
  mov bp, sp
  PUTS "  frame ip="
  HEX16 [bp + 2]
  PUTS " cs="
  HEX16 [bp + 4]
  PUTS " flags="
  HEX16 [bp + 6]
  PUTS " sp="
  HEX16 bp
  NL
  pop bp
  iret

TEXT32
h52:
  push eax
  mov eax, [esp + 4]
  PUTS "  frame eip="
  HEX32 eax
  mov eax, [esp + 8]
  PUTS " cs="
  HEX16 ax
  mov eax, [esp + 12]
  PUTS " eflags="
  HEX32 eax
  PUTS " esp="
  HEX32 esp
  NL
  pop eax
  iretd

pm:
  SET_DESC SEL_C0R, RB, 0xFFFF, 0x9A, 0x4
  SET_DESC SEL_C3R & ~3, RB, 0xFFFF, 0xFA, 0x4
  SET_DESC SEL_S3_16 & ~3, 0, 0xFFFF, 0xF2, 0x0
  SET_DESC SEL_S0_16, 0, 0xFFFF, 0x92, 0x0
  SET_GATE 0x50, SEL_C0R, R(h50), 0xE6     ; 16-bit interrupt gate, DPL 3
  mov eax, R(cg16)
  or eax, SEL_C0R << 16
  mov [GDT_BASE + (SEL_CG16 & ~7)], eax
  mov dword [GDT_BASE + (SEL_CG16 & ~7) + 4], 0xE402    ; P, DPL 3, 16-bit call gate, 2 parameters
  jmp SEL_C0R:R(rebased)

rebased:
  PUTS "ring 0, code based at F0000, 16-bit interrupt gate:", 10
  mov ebx, 0x11112222
  int 0x50
  PUTS "  back after o16 iret: ebx="
  HEX32 ebx
  NL
  ; ring 3 on a 16-bit stack; interrupts from there switch to a 16-bit ring-0 stack
  mov [V_SAVED_ESP], esp
  mov dword [V_JMP], finish
  mov word [TSS_BASE + 8], SEL_S0_16
  mov ax, SEL_DATA3
  mov ds, ax
  mov es, ax
  push dword SEL_S3_16
  push dword 0x5800
  pushfd
  push dword SEL_C3R
  push dword R(ring3)
  iretd

ring3:
  PUTS "ring 3 (16-bit stack, ESP=ABCD5800) through the 16-bit gate:", 10
  mov esp, 0xABCD5800
  int 0x50
  mov [V_SCRATCH + 8], esp
  movzx esp, sp
  PUTS "  back in ring 3: esp="
  HEX32 [V_SCRATCH + 8]
  NL
  PUTS "16-bit call gate with two word parameters:", 10
  push word 0x1111
  push word 0x2222
  mov esi, esp
  call SEL_CG16:0
  PUTS "  back in ring 3: sp moved by "
  mov eax, esp
  sub eax, esi
  HEX16 ax
  NL
  int 0x30

; 16-bit interrupt gate handler (runs on whatever stack the gate gave it)
h50:
  push ebp
  mov [ss:V_SCRATCH], esp
  movzx esp, sp                            ; the library addresses the stack through ESP
  movzx ebp, sp
  PUTS "  frame ip="
  HEX16 [ss:ebp + 4]
  PUTS " cs="
  HEX16 [ss:ebp + 6]
  PUTS " flags="
  HEX16 [ss:ebp + 8]
  test byte [ss:ebp + 6], 3
  jz .same
  PUTS " sp="
  HEX16 [ss:ebp + 10]
  PUTS " ss="
  HEX16 [ss:ebp + 12]
.same:
  PUTS " handler esp="
  HEX32 [ss:V_SCRATCH]
  NL
  mov esp, [ss:V_SCRATCH]
  pop ebp
  o16 iret

; 16-bit call gate target: IP, CS, the copied words, SP, SS on the 16-bit inner stack
cg16:
  mov [ss:V_SCRATCH], esp
  movzx esp, sp
  movzx ebp, sp
  PUTS "  frame ip="
  HEX16 [ss:ebp]
  PUTS " cs="
  HEX16 [ss:ebp + 2]
  PUTS " params="
  HEX16 [ss:ebp + 4]
  PUTS ","
  HEX16 [ss:ebp + 6]
  PUTS " sp="
  HEX16 [ss:ebp + 8]
  PUTS " ss="
  HEX16 [ss:ebp + 10]
  PUTS " esp="
  HEX32 [ss:V_SCRATCH]
  NL
  mov esp, [ss:V_SCRATCH]
  o16 retf 4

finish:
  mov word [TSS_BASE + 8], SEL_DATA32
  ROM_EXIT
