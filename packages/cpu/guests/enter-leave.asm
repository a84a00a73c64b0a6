; enter-leave: ENTER with nesting levels 0 1 2 5 (32- and 16-bit operand size) and LEAVE
%include "lib/rom.inc"

STK equ DATA_BASE + 0x800      ; new stack top
OLDFRAME equ DATA_BASE + 0x900 ; the caller's frame: EBP points here, [EBP-4k] are its display

TEXT16
main:
  GO_PM32 pm

TEXT32
prepare:
  ; the caller's display: [OLDFRAME - 4*k] = 0xD0D0D000 + k, word display at [OLDFRAME - 2*k]
  mov edi, STK - 0x40
  xor eax, eax
  mov ecx, (OLDFRAME + 0x110 - (STK - 0x40)) / 4
  rep stosd
  mov ecx, 1
  mov edi, OLDFRAME + 0x100 - 4
.d:
  lea eax, [0xD0D0D000 + ecx]
  mov [edi], eax
  sub edi, 4
  inc ecx
  cmp ecx, 8
  jb .d
  ret

%macro ENTER_CASE 2+              ; text, instruction(s)
  call prepare
  mov [V_SAVED_ESP + 0x40], esp   ; scratch: our own stack
  mov esp, STK
  mov ebp, OLDFRAME + 0x100
  %2
  mov eax, esp
  mov ebx, ebp
  mov esp, [V_SAVED_ESP + 0x40]
  PUTS %1, ":"
  sub eax, STK
  sub ebx, STK
  PUTS " esp=STK"
  call signed_hex
  PUTS " ebp=STK"
  mov eax, ebx
  call signed_hex
  NL
  MEMDUMP STK - 0x20, 0x20
%endmacro

signed_hex:                       ; print EAX as +xx / -xx
  push eax
  test eax, eax
  js .neg
  PUTS "+"
  jmp .p
.neg:
  PUTS "-"
  neg eax
.p:
  HEX16 ax
  pop eax
  ret

pm:
  ENTER_CASE "enter 8, 0", enter 8, 0
  ENTER_CASE "enter 0, 1", enter 0, 1
  ENTER_CASE "enter 4, 2", enter 4, 2
  ENTER_CASE "enter 0, 5", enter 0, 5
  ENTER_CASE "enter 0x10, 33 (level mod 32 = 1)", enter 0x10, 33
  ENTER_CASE "o16 enter 2, 3", o16 enter 2, 3
  ENTER_CASE "enter 0, 2 then leave", enter 0, 2
  ; LEAVE restores ESP from EBP and pops EBP
  call prepare
  mov [V_SAVED_ESP + 0x40], esp
  mov esp, STK
  mov ebp, OLDFRAME + 0x100
  enter 0x20, 3
  push dword 0x12345678
  leave
  mov eax, esp
  mov ebx, ebp
  mov esp, [V_SAVED_ESP + 0x40]
  PUTS "enter 0x20, 3; push; leave:"
  sub eax, STK
  sub ebx, STK
  PR eax, ebx
  NL
  ; 16-bit LEAVE on a 32-bit stack: ESP <- EBP, then a 16-bit pop into BP (the upper half of EBP stays)
  mov [V_SAVED_ESP + 0x40], esp
  mov esp, STK
  mov ebp, STK - 0x10
  mov word [STK - 0x10], 0x7777
  o16 leave
  mov eax, esp
  mov ebx, ebp
  mov esp, [V_SAVED_ESP + 0x40]
  PUTS "o16 leave:"
  PR eax, ebx
  NL
  ROM_EXIT
