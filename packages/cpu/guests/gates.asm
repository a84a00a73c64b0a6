; gates: call gates with a privilege change and parameter copy, RETF to the outer ring (data segments nulled), conforming code, interrupt vs trap gates from ring 3 and ring 0, gate DPL checks
%include "lib/rom.inc"

CALLGATE   equ SEL_FREE          ; 32-bit call gate, DPL 3, 2 parameters -> ring 0
CALLGATE0  equ SEL_FREE + 8      ; the same with DPL 0
CONFORMING equ SEL_FREE + 16     ; conforming code segment, DPL 0

TEXT16
main:
  ; mask both PICs so that IF=1 can be used to observe interrupt vs trap gates
  mov al, 0xFF
  out 0x21, al
  out 0xA1, al
  GO_PM32 pm

TEXT32
; gate descriptor: offset 15..0, selector, param count, type/attr, offset 31..16 (SDM Vol. 3A 5.8.3)
%macro CALL_GATE 4                 ; selector, target, attr byte, params
  mov eax, %2
  mov [GDT_BASE + (%1)], ax
  mov word [GDT_BASE + (%1) + 2], SEL_CODE32
  mov byte [GDT_BASE + (%1) + 4], %4
  mov byte [GDT_BASE + (%1) + 5], %3
  shr eax, 16
  mov [GDT_BASE + (%1) + 6], ax
%endmacro

pm:
  CALL_GATE CALLGATE, gate_target, 0xEC, 2
  CALL_GATE CALLGATE0, gate_target, 0x8C, 2
  SET_DESC CONFORMING, 0, 0xFFFFF, 0x9E, 0xC
  SET_GATE 0x41, SEL_CODE32, int_handler, 0xEE      ; interrupt gate, DPL 3
  SET_GATE 0x42, SEL_CODE32, int_handler, 0xEF      ; trap gate, DPL 3
  SET_GATE 0x43, SEL_CODE32, int_handler, 0x8E      ; interrupt gate, DPL 0
  PUTS "INT from ring 0 (no stack switch):", 10
  mov [V_SCRATCH + 0x40], esp
  int 0x41
  sti
  int 0x42
  cli
  GO_RING3 r3
r3:
  PUTS "ring 3: cs="
  HEX16 cs
  PUTS " ss="
  HEX16 ss
  NL
  PUTS "far call through a DPL3 call gate with 2 parameters:", 10
  push dword 0x11111111
  push dword 0x22222222
  mov [V_SCRATCH + 0x44], esp
  call CALLGATE + 3:0x12345678       ; the offset is ignored
  mov eax, [ss:V_SCRATCH + 0x44]     ; DS is null now: SS still works
  sub eax, esp
  PUTS "back in ring 3: cs="
  HEX16 cs
  mov bx, ds
  PUTS " ds="
  HEX16 bx
  PUTS " (nulled: DPL0 < CPL3) esp moved by "
  HEX32 eax
  NL
  mov ax, SEL_DATA3
  mov ds, ax
  mov es, ax
  add esp, 8
  PUTS "far call through a DPL0 call gate from ring 3: "
  EXPECT call CALLGATE0 + 3:0
  PUTS "far call to a conforming DPL0 code segment keeps CPL 3: "
  call CONFORMING:conforming_target
  PUTS "INT to DPL3 interrupt and trap gates from ring 3 (stack switch, IF=1 before):", 10
  ; IF=1 in ring 3 comes from the EFLAGS image GO_RING3 used: set it through IRET below
  GO_RING0 r0
r0:
  sti
  GO_RING3 r3b
r3b:
  int 0x41
  int 0x42
  PUTS "INT to a DPL0 gate from ring 3: "
  EXPECT int 0x43
  GO_RING0 done
done:
  cli
  ROM_EXIT

; ring 0 side of the call gate: [esp] EIP, [esp+4] CS, [esp+8] p2, [esp+12] p1, [esp+16] ESP, [esp+20] SS
gate_target:
  mov ebp, esp
  mov ax, SEL_DATA32
  mov ds, ax
  PUTS "  in ring 0: cs="
  HEX16 cs
  PUTS " ss="
  HEX16 ss
  mov eax, STACK0_TOP
  sub eax, ebp
  PUTS " ESP0-esp="
  HEX8 al
  NL
  PUTS "  frame: eip="
  HEX32 [ebp]
  PUTS " cs="
  HEX16 [ebp + 4]
  PUTS " params="
  HEX32 [ebp + 8]
  PUTS ","
  HEX32 [ebp + 12]
  PUTS " ss="
  HEX16 [ebp + 20]
  mov eax, [ebp + 16]
  sub eax, [V_SCRATCH + 0x44]
  PUTS " caller esp delta="
  HEX32 eax
  NL
  retf 8

conforming_target:
  mov ax, cs
  PUTS "cs="
  HEX16 ax
  NL
  retf

; [esp] EIP, CS, EFLAGS, and from ring 3: ESP, SS
int_handler:
  mov ebp, esp
  pushfd
  pop ecx
  and ecx, F_IF
  PUTS "  handler: IF now="
  shr ecx, 9
  HEX8 cl
  PUTS " frame cs="
  HEX16 [ebp + 4]
  mov eax, [ebp + 8]
  and eax, F_IF | F_IOPL3 | F_VM | 0xFF
  PUTS " eflags&="
  HEX32 eax
  test byte [ebp + 4], 3
  jz .same
  PUTS " ss="
  HEX16 [ebp + 16]
  mov eax, STACK0_TOP
  sub eax, ebp
  PUTS " ESP0-esp="
  HEX8 al
  jmp .out
.same:
  mov eax, [V_SCRATCH + 0x40]
  sub eax, ebp
  PUTS " stack used="
  HEX8 al
.out:
  NL
  iretd
