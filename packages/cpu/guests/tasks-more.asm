; tasks-more: task switches beyond tasks: a 16-bit TSS (word registers, FS/GS nulled, upper halves of the registers), the T bit's #DB (BT) before the new task's first instruction, JMP through a task gate (no back link, NT clear), a task gate to a busy TSS, a fault after the commit point delivered in the new task, a virtual-8086 task started from a TSS
; differs-qemu: QEMU TCG keeps the upper halves of the registers on a switch to a 16-bit TSS (Bochs loads FFFFh there) and does not implement the T bit (no #DB with BT)
%include "lib/rom.inc"

T16     equ SEL_FREE             ; 16-bit TSS at TSS2_BASE
TTRAP   equ SEL_FREE + 8         ; 32-bit TSS with the T bit, at TSS3_BASE
GATE_T  equ SEL_FREE + 16        ; task gate -> TTRAP
TBAD    equ SEL_FREE + 24        ; 32-bit TSS whose SS is a code segment, at TSS3_BASE + 0x100
TV86    equ SEL_FREE + 32        ; V86 task, at 0x2800 (with an I/O bitmap for ports 0-FFh)
C16     equ SEL_FREE + 40        ; 16-bit code, base F0000
D16     equ SEL_FREE + 48        ; 16-bit data, base 0
GATE_B  equ SEL_FREE + 56        ; task gate -> SEL_TSS (busy)
TBAD_BASE equ TSS3_BASE + 0x100
TV86_BASE equ 0x2800
TV86_LIMIT equ 0x68 + 0x20

TEXT16
main:
  GO_PM32 pm

TEXT32
; TSS32 base, eip, esp, flags: a ring-0 flat task
%macro TSS32 4
  mov edi, %1
  xor eax, eax
  mov ecx, 0x68 / 4
  rep stosd
  mov dword [%1 + 0x04], 0x3F00            ; ESP0
  mov dword [%1 + 0x08], SEL_DATA32        ; SS0
  mov dword [%1 + 0x20], %2
  mov dword [%1 + 0x24], 2 | (%4)
  mov dword [%1 + 0x38], %3
  mov dword [%1 + 0x48], SEL_DATA32
  mov dword [%1 + 0x4C], SEL_CODE32
  mov dword [%1 + 0x50], SEL_DATA32
  mov dword [%1 + 0x54], SEL_DATA32
  mov dword [%1 + 0x58], SEL_DATA32
  mov dword [%1 + 0x5C], SEL_DATA32
  mov word [%1 + 0x66], 0x68
%endmacro

%macro SHOW 0
  str ax
  PUTS " tr="
  HEX16 ax
  pushfd
  pop eax
  shr eax, 14
  and al, 1
  PUTS " nt="
  HEX8 al
  NL
%endmacro

pm:
  SET_DESC C16, ROM_LINEAR, 0xFFFF, 0x9A, 0x0
  SET_DESC D16, 0, 0xFFFF, 0x92, 0x0
  ; 16-bit TSS: IP 14, FLAGS 16, AX..DI 18-32, ES CS SS DS 34-40, LDT 42
  mov edi, TSS2_BASE
  xor eax, eax
  mov ecx, 0x2C / 2
  rep stosw
  mov word [TSS2_BASE + 14], task16
  mov word [TSS2_BASE + 16], 2
  mov word [TSS2_BASE + 18], 0x1234        ; AX
  mov word [TSS2_BASE + 26], 0x4700        ; SP
  mov word [TSS2_BASE + 34], D16
  mov word [TSS2_BASE + 36], C16
  mov word [TSS2_BASE + 38], D16
  mov word [TSS2_BASE + 40], D16
  SET_DESC T16, TSS2_BASE, 0x2B, 0x81, 0
  TSS32 TSS3_BASE, task_trap, 0x4B00, 0
  mov word [TSS3_BASE + 0x64], 1           ; T bit
  SET_DESC TTRAP, TSS3_BASE, 0x67, 0x89, 0
  mov dword [GDT_BASE + GATE_T], TTRAP << 16
  mov dword [GDT_BASE + GATE_T + 4], 0x8500
  mov dword [GDT_BASE + GATE_B], SEL_TSS << 16
  mov dword [GDT_BASE + GATE_B + 4], 0x8500
  TSS32 TBAD_BASE, task_never, 0x4C00, 0
  mov dword [TBAD_BASE + 0x50], SEL_CODE32 ; SS = a code segment
  SET_DESC TBAD, TBAD_BASE, 0x67, 0x89, 0
  mov fs, [cs:fs_probe]
  mov eax, 0xAAAA5555
  PUTS "call to a 16-bit TSS:", 10
  call T16:0
  PUTS "back:"
  SHOW
  PUTS "  16-bit TSS after: ip="
  HEX16 [TSS2_BASE + 14]
  PUTS " ax="
  HEX16 [TSS2_BASE + 18]
  PUTS " link="
  HEX16 [TSS2_BASE]
  NL

  PUTS "jmp through a task gate to a TSS with the T bit:", 10
  jmp GATE_T:0
after_trap:
  PUTS "main again:"
  SHOW
  PUTS "  trap task's link="
  HEX16 [TSS3_BASE]
  NL

  PUTS "jmp through a task gate to the busy main TSS: "
  EXPECT jmp GATE_B:0

  PUTS "jmp to a TSS whose SS is a code segment (fault after the commit point):", 10
  mov [V_SAVED_ESP], esp
  ESCAPE_ON_FAULT after_bad
  jmp TBAD:0
after_bad:
  PUTS "  escaped:"
  SHOW
  PUTS "  main TSS saved eip="
  HEX32 [TSS_BASE + 0x20]
  NL
  ; back to the main task (left by a JMP: available); its saved EIP would repeat the JMP to TBAD
  mov dword [TSS_BASE + 0x20], main_back
  jmp SEL_TSS:0
main_back:
  PUTS "main task again:"
  SHOW

  PUTS "jmp to a TSS whose EFLAGS has VM set:", 10
  mov edi, TV86_BASE
  xor eax, eax
  mov ecx, (TV86_LIMIT + 1 + 3) / 4
  rep stosd
  mov dword [TV86_BASE + 0x04], 0x3F00
  mov dword [TV86_BASE + 0x08], SEL_DATA32
  mov dword [TV86_BASE + 0x20], v86_task
  mov dword [TV86_BASE + 0x24], 0x20002 | F_IOPL3
  mov dword [TV86_BASE + 0x38], 0x7C00
  mov dword [TV86_BASE + 0x48], 0x1000     ; ES
  mov dword [TV86_BASE + 0x4C], ROM_SEG    ; CS
  mov dword [TV86_BASE + 0x50], 0          ; SS
  mov dword [TV86_BASE + 0x54], 0x2000     ; DS
  mov word [TV86_BASE + 0x66], 0x68
  mov byte [TV86_BASE + TV86_LIMIT], 0xFF
  SET_DESC TV86, TV86_BASE, TV86_LIMIT, 0x89, 0
  mov [V_SAVED_ESP], esp
  jmp TV86:0
after_v86:
  ROM_EXIT

fs_probe: dw SEL_DATA32

task_trap:
  PUTS "trap task:"
  SHOW
  jmp SEL_TSS:0
  jmp task_trap

task_never:
  PUTS "task_never ran", 10
  ROM_EXIT

TEXT16
task16:
  PUTS "16-bit task: eax="
  HEX32 eax
  PUTS " sp="
  HEX16 sp
  mov bx, fs
  PUTS " fs="
  HEX16 bx
  NL
  iret

v86_task:
  PUTS "v86 task: cs="
  HEX16 cs
  mov ax, ds
  PUTS " ds="
  HEX16 ax
  mov ax, es
  PUTS " es="
  HEX16 ax
  PUTS " sp="
  HEX16 sp
  NL
  ESCAPE_ON_FAULT after_v86
  hlt
