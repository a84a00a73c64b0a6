; push-pop: PUSH/POP of registers, memory, immediates and segments in 16/32-bit sizes, PUSH ESP, POP ESP, POP [ESP], PUSHA/POPA, PUSHF/POPF
%include "lib/rom.inc"

STK equ DATA_BASE + 0x400

TEXT16
main:
  ; real mode: 16-bit default size, 0x66 for 32-bit pushes
  mov sp, STACK_TOP
  push word 0x1234
  push dword 0x89ABCDEF
  mov bp, sp
  PUTS "real: sp delta="
  mov ax, STACK_TOP
  sub ax, sp
  HEX16 ax
  PUTS " words:"
  HEX16 [bp]
  HEX16 [bp + 2]
  HEX16 [bp + 4]
  NL
  pop eax
  pop bx
  PR eax, ebx
  NL
  GO_PM32 pm

TEXT32
; run an instruction sequence on a private stack filled with 0xEE, print ESP delta and the top bytes
; STACK_CASE "text", {insn}, {insn}, ...
%macro STACK_CASE 2-*
  mov edi, STK - 0x20
  mov ecx, 0x30
  mov al, 0xEE
  rep stosb
  mov [V_SCRATCH + 0x40], esp
  mov esp, STK
  %define %%text %1
  %rep %0 - 1
    %rotate 1
    %1
  %endrep
  %rotate 1
  mov [V_SCRATCH + 0x44], esp
  mov esp, [V_SCRATCH + 0x40]
  PUTS %1, ": esp=STK-"
  mov eax, STK
  sub eax, [V_SCRATCH + 0x44]
  HEX8 al
  NL
  MEMDUMP STK - 0x10, 0x14
%endmacro

pm:
  mov dword [STK], 0x44332211
  STACK_CASE "push eax / push ax", {mov eax, 0x12345678}, {push eax}, {push ax}
  STACK_CASE "push imm8 -2 / push word imm", {push byte -2}, {push word 0x7777}
  STACK_CASE "push dword [mem]", {mov dword [DATA_BASE], 0xCAFEBABE}, {push dword [DATA_BASE]}
  STACK_CASE "push esp", push esp
  STACK_CASE "o16 push sp", push sp
  STACK_CASE "pop eax (pop esp value via memory)", {push dword 0x600DF00D}, {pop eax}, {mov [DATA_BASE], eax}
  MEMDUMP DATA_BASE, 4
  ; POP [ESP+n] computes the address after incrementing ESP (SDM Vol. 2 POP)
  STACK_CASE "push a; push b; pop [esp]", {push dword 0xAAAAAAAA}, {push dword 0xBBBBBBBB}, {pop dword [esp]}
  STACK_CASE "push a; push b; pop [esp+4]", {push dword 0xAAAAAAAA}, {push dword 0xBBBBBBBB}, {pop dword [esp + 4]}
  ; POP ESP loads ESP from the stack
  STACK_CASE "push STK-8; pop esp", {push dword STK - 8}, {pop esp}
  STACK_CASE "pushad", {mov eax, 0xA}, {mov ecx, 0xC}, {mov edx, 0xD}, {mov ebx, 0xB}, {mov ebp, 0x5}, {mov esi, 0x51}, {mov edi, 0xD1}, {pushad}
  STACK_CASE "pushad; popad (esp slot ignored)", {pushad}, {mov dword [esp + 12], 0}, {popad}
  STACK_CASE "pusha (16-bit)", {mov eax, 0xFFFF000A}, {pushaw}
  STACK_CASE "pushfd / pushf", {SETFLAGS F_CF | F_ZF | F_DF}, {pushfd}, {pushfw}, {cld}
  STACK_CASE "popfd", {push dword F_STATUS | F_DF}, {popfd}, {pushfd}, {cld}
  ; a 32-bit PUSH of a segment register writes either a zero-extended dword or only the low word
  ; (SDM Vol. 2 PUSH: implementation-specific), so the upper word is overwritten before printing
  STACK_CASE "push ds / o16 push ss (upper word of the dword slot masked)", {push ds}, {mov word [esp + 2], 0x5555}, {o16 push ss}
  STACK_CASE "push 0x10; pop ds", {push dword SEL_DATA32}, {pop ds}
  ; POP SS inhibits interrupts and debug traps for one instruction; loading a bad SS is #GP
  mov eax, 0x1B
  push eax
  TRY
  pop ss
  ENDTRY
  add esp, 4
  ; POP CS does not exist (0F is the two-byte escape); pushing and popping FS/GS
  mov ax, SEL_DATA32
  mov fs, ax
  push fs
  pop gs
  mov ax, gs
  PUTS "gs after push fs / pop gs: "
  HEX16 ax
  NL
  ROM_EXIT
