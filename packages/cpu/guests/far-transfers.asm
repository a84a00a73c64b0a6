; far-transfers: privilege rules of far JMP/CALL/RETF and data-segment loads: DPL/RPL/CPL checks, conforming code, JMP through a call gate, RETF to an outer level nulling DS/ES, RETF to an inner level
%include "lib/rom.inc"

CODE3    equ SEL_FREE + 0x00     ; DPL3 non-conforming code
CONF3    equ SEL_FREE + 0x08     ; DPL3 conforming code
CONF0    equ SEL_FREE + 0x10     ; DPL0 conforming code
GATE     equ SEL_FREE + 0x18     ; call gate DPL3 -> ring 0 code (target0)
V_CONT   equ V_SCRATCH + 0x50    ; far pointer back to the test after a transfer that succeeds

TEXT16
main:
  GO_PM32 pm

TEXT32
; XFER "text", contsel, instruction: a far transfer that either faults (printed by the handler) or
; lands in `landing`, which prints CS and comes back through V_CONT to contsel:next.
%macro XFER 3+
  PUTS %1, ": "
  mov dword [ss:V_CONT], %%next
  mov word [ss:V_CONT + 4], %2
  TRY
  %3
  ENDTRY
%%next:
%endmacro
; LOAD "text", selector, segreg
%macro LOAD 3
  PUTS %1, ": "
  mov ax, %2
  EXPECT mov %3, ax
%endmacro

pm:
  SET_DESC CODE3, 0, 0xFFFFF, 0xFA, 0xC
  SET_DESC CONF3, 0, 0xFFFFF, 0xFE, 0xC
  SET_DESC CONF0, 0, 0xFFFFF, 0x9E, 0xC
  mov eax, landing
  mov [GDT_BASE + GATE], ax
  mov word [GDT_BASE + GATE + 2], SEL_CODE32
  mov word [GDT_BASE + GATE + 4], 0xEC00
  shr eax, 16
  mov [GDT_BASE + GATE + 6], ax
  PUTS "ring 0:", 10
  XFER "jmp to DPL3 non-conforming code", SEL_CODE32, jmp CODE3:landing
  XFER "call to DPL3 conforming code", SEL_CODE32, call CONF3:landing
  XFER "jmp to DPL0 conforming code", SEL_CODE32, jmp CONF0:landing
  XFER "jmp with RPL 3 to DPL0 non-conforming code", SEL_CODE32, jmp SEL_CODE32 + 3:landing
  XFER "jmp through a DPL3 call gate to ring-0 code", SEL_CODE32, jmp GATE:0
  LOAD "DS <- RPL 3 selector of a DPL0 data segment", SEL_DATA32 + 3, ds
  LOAD "DS <- DPL3 data segment", SEL_DATA3, ds
  mov ax, SEL_DATA32
  mov ds, ax
  GO_RING3 r3
r3:
  PUTS "ring 3:", 10
  LOAD "DS <- DPL0 data segment", SEL_DATA32, ds
  LOAD "DS <- DPL0 readable non-conforming code", SEL_CODE32, ds
  LOAD "DS <- DPL0 readable conforming code", CONF0, ds
  LOAD "SS <- DPL3 data with RPL 0", SEL_DATA3 - 3, ss
  mov ax, SEL_DATA3
  mov ds, ax
  XFER "far call to DPL0 non-conforming code", SEL_CODE3, call SEL_CODE32:landing
  XFER "far call to DPL0 conforming code (CPL stays 3)", SEL_CODE3, call CONF0:landing
  XFER "far jmp to DPL3 conforming code", SEL_CODE3, jmp CONF3:landing
  XFER "jmp through the call gate (a privilege change needs CALL)", SEL_CODE3, jmp GATE:0
  PUTS "retf from ring 3 to ring 0 (inner level): "
  push dword SEL_CODE32
  push dword landing
  TRY
  retf
  ENDTRY
  add esp, 8
  GO_RING0 r0
r0:
  PUTS "retf from ring 0 to ring 3 pops SS:ESP and nulls DS/ES with DPL < 3:", 10
  mov ax, SEL_DATA32
  mov ds, ax
  mov es, ax
  mov [V_SAVED_ESP], esp
  push dword SEL_DATA3
  push dword STACK3_TOP
  push dword SEL_CODE3
  push dword after_retf
  retf
after_retf:
  mov ax, ds
  mov bx, es
  mov cx, cs
  mov dx, ss
  PUTS "  after retf: cs="
  HEX16 cx
  PUTS " ss="
  HEX16 dx
  PUTS " ds="
  HEX16 ax
  PUTS " es="
  HEX16 bx
  NL
  mov ax, SEL_DATA3
  mov ds, ax
  mov es, ax
  GO_RING0 fin
fin:
  ROM_EXIT

; lands from any of the transfers above: print CS (its RPL is the CPL), return through V_CONT
landing:
  mov ax, cs
  PUTS "landed, cs="
  HEX16 ax
  NL
  mov word [ss:V_RESUME_CS], 0
  jmp far [ss:V_CONT]
