; control: Jcc short/near taken and not, LOOP LOOPE LOOPNE JECXZ JCXZ (a16 uses CX), JMP/CALL/RET near, far and indirect, RET imm16
%include "lib/rom.inc"

TEXT16
main:
  ; real mode far call/return through a far pointer and RETF imm16
  push word 0x1111
  call ROM_SEG:far16
  PUTS "retf 2 popped the argument: sp ok", 10
  GO_PM32 pm
far16:
  PUTS "real-mode far call: cs="
  HEX16 cs
  NL
  retf 2

TEXT32
flagsets: dd 0, F_CF, F_ZF, F_SF, F_OF, F_PF, F_SF | F_OF, F_ZF | F_CF, F_STATUS
NFLAGS equ 9

%macro JCC_ONE 1
  push dword [esi]
  popfd
  j%1 short %%t
  PUTS "."
  jmp short %%e
%%t:
  PUTS "J"
%%e:
  push dword [esi]
  popfd
  j%1 near %%t2
  PUTS "."
  jmp near %%e2
%%t2:
  PUTS "J"
%%e2:
  PUTS " "
%endmacro

pm:
  PUTS "jcc (short near) o no b ae e ne be a s ns p np l ge le g", 10
  mov esi, flagsets
.j:
  mov eax, [esi]
  mov edx, F_STATUS
  call lib32_flagbits
  PUTS ": "
  JCC_ONE o
  JCC_ONE no
  JCC_ONE b
  JCC_ONE ae
  JCC_ONE e
  JCC_ONE ne
  JCC_ONE be
  JCC_ONE a
  JCC_ONE s
  JCC_ONE ns
  JCC_ONE p
  JCC_ONE np
  JCC_ONE l
  JCC_ONE ge
  JCC_ONE le
  JCC_ONE g
  NL
  add esi, 4
  cmp esi, flagsets + 4 * NFLAGS
  jb .j
  ; LOOP family: iterations counted in EBX
  mov ecx, 5
  xor ebx, ebx
.l1:
  inc ebx
  loop .l1
  PR ebx, ecx
  mov ecx, 0                ; LOOP with ECX=0 runs 2^32 times; use a16: CX=0 wraps to FFFF? no: stop at 1
  mov ecx, 0xFFFF0001       ; a16 LOOP decrements CX only: CX 1 -> 0 exits, upper half kept
  xor ebx, ebx
.l2:
  inc ebx
  a16 loop .l2
  PR ebx, ecx
  NL
  ; LOOPE stops when ZF=0 or ECX=0; LOOPNE stops when ZF=1 or ECX=0
  mov ecx, 10
  xor ebx, ebx
.l3:
  inc ebx
  cmp ebx, 3
  loope .l3
  PR ebx, ecx
  mov ecx, 10
  xor ebx, ebx
.l4:
  inc ebx
  cmp ebx, 4
  loopne .l4
  PR ebx, ecx
  mov ecx, 10
  xor ebx, ebx
.l5:
  inc ebx
  test ebx, 0
  loope .l5
  PR ebx, ecx
  NL
  ; JECXZ / JCXZ (a16 tests CX only)
  mov ecx, 0x10000
  jecxz .z1
  PUTS "jecxz not taken"
  jmp .z1e
.z1:
  PUTS "jecxz taken"
.z1e:
  a16 jcxz .z2
  PUTS ", jcxz not taken"
  jmp .z2e
.z2:
  PUTS ", jcxz taken"
.z2e:
  NL
  ; CALL/RET: near relative, near indirect (register and memory), RET imm16, far call through memory
  mov [V_SCRATCH + 0x40], esp
  call near_target
  mov eax, near_target
  call eax
  mov dword [DATA_BASE], near_target
  call [DATA_BASE]
  push dword 0xAAAA
  push dword 0xBBBB
  call ret8
  mov eax, [V_SCRATCH + 0x40]
  sub eax, esp
  PUTS "esp after ret 8: delta="
  HEX32 eax
  NL
  mov dword [DATA_BASE + 4], far32
  mov word [DATA_BASE + 8], SEL_CODE32
  call far [DATA_BASE + 4]
  mov dword [DATA_BASE + 4], far_jmp_target
  jmp far [DATA_BASE + 4]
after_far_jmp:
  ; JMP through a register and a jump table
  mov eax, 2
  jmp [jt + eax * 4]
jt: dd .t0, .t1, .t2
.t0:
  PUTS "t0", 10
  jmp .tend
.t1:
  PUTS "t1", 10
  jmp .tend
.t2:
  PUTS "t2", 10
.tend:
  ROM_EXIT

near_target:
  mov eax, [esp]
  PUTS "near target reached, return address="
  HEX32 eax
  NL
  ret
ret8:
  ret 8
far32:
  mov eax, [esp + 4]
  PUTS "far call target: pushed cs="
  HEX16 ax
  mov eax, [esp]
  PUTS " eip="
  HEX32 eax
  NL
  retf
far_jmp_target:
  PUTS "far jmp target: cs="
  HEX16 cs
  NL
  jmp after_far_jmp
