; debug-regs: #DB details beyond exceptions: an instruction breakpoint resumed with RF, REP MOVSB stopped after the iteration that hit a write breakpoint, read/write and length-aligned data breakpoints, an I/O breakpoint (CR4.DE), DR7.GD, single step over INT n, POPF clearing TF, MOV SS holding the trap
; differs-qemu: QEMU TCG does not implement DR7.GD (general detect): the MOV from DR0 does not fault
%include "lib/rom.inc"

V_DBCOUNT equ V_SCRATCH + 0x80            ; #DB taken so far
V_SETRF   equ V_SCRATCH + 0x84            ; 1: the handler sets RF in the frame
BUF       equ DATA_BASE + 0x100

TEXT16
main:
  GO_PM32 pm

TEXT32
; #DB handler: prints EIP and DR6 (B0-B3 BD BS BT), clears DR6 and TF in the frame, sets RF if asked
dbh:
  push eax
  inc dword [V_DBCOUNT]
  mov eax, [esp + 4]
  PUTS "  #DB eip="
  HEX32 eax
  mov eax, dr6
  and eax, 0xE00F
  PUTS " dr6="
  HEX16 ax
  PR ecx, edi
  NL
  xor eax, eax
  mov dr6, eax
  and dword [esp + 12], ~F_TF
  cmp dword [V_SETRF], 0
  je .norf
  or dword [esp + 12], F_RF
.norf:
  pop eax
  iretd

int60:
  iretd

%macro SHOWCOUNT 0
  PUTS "  count="
  HEX8 [V_DBCOUNT]
  NL
  mov dword [V_DBCOUNT], 0
%endmacro

pm:
  SET_GATE 1, SEL_CODE32, dbh, 0x8E
  SET_GATE 0x60, SEL_CODE32, int60, 0x8E
  xor eax, eax
  mov [V_DBCOUNT], eax
  mov dr6, eax

  PUTS "instruction breakpoint, resumed with RF:", 10
  mov dword [V_SETRF], 1
  mov eax, .bp1
  mov dr0, eax
  mov eax, 0x00000002                      ; G0, execute
  mov dr7, eax
.bp1:
  mov ebx, 0x0B0B0B0B
  xor eax, eax
  mov dr7, eax
  mov dword [V_SETRF], 0
  SHOWCOUNT

  PUTS "REP MOVSB with a write breakpoint on the 6th destination byte:", 10
  mov eax, BUF + 0x40 + 5
  mov dr1, eax
  mov eax, 0x00100008                      ; G1, write, 1 byte
  mov dr7, eax
  mov esi, BUF
  mov edi, BUF + 0x40
  mov ecx, 12
  cld
  rep movsb
  xor eax, eax
  mov dr7, eax
  PR ecx, edi
  NL
  SHOWCOUNT

  PUTS "read/write breakpoint (LEN 4 at an unaligned address matches the aligned dword):", 10
  mov eax, BUF + 0x81                      ; low two bits ignored for a 4-byte breakpoint
  mov dr2, eax
  mov eax, 0x0F000020                      ; G2, read/write, 4 bytes
  mov dr7, eax
  mov eax, [BUF + 0x7C]                    ; bytes 7C-7F: no match
  mov al, [BUF + 0x83]                     ; matches
  mov eax, [BUF + 0x7E]                    ; 7E-81 overlaps 80: matches
  xor eax, eax
  mov dr7, eax
  SHOWCOUNT

  PUTS "I/O breakpoint on port 80h with CR4.DE:", 10
  mov eax, cr4
  or eax, 8
  mov cr4, eax
  mov eax, 0x80
  mov dr3, eax
  mov eax, 0x200000C0                      ; G3, I/O, 1 byte
  mov dr7, eax
  mov al, 0x55
  out 0x81, al                             ; other port: no match
  out 0x80, al
  mov dx, 0x80
  out dx, al
  xor eax, eax
  mov dr7, eax
  mov eax, cr4
  and eax, ~8
  mov cr4, eax
  SHOWCOUNT

  PUTS "DR7.GD: the next debug-register access faults with BD, then runs:", 10
  mov eax, 0x2000
  mov dr7, eax
  mov eax, dr0
  mov ebx, dr7
  PR ebx
  NL
  SHOWCOUNT

  PUTS "single step over INT 60h (the handler's IRET restores TF):", 10
  pushfd
  or dword [esp], F_TF
  popfd
  int 0x60
  nop
  nop
  SHOWCOUNT

  PUTS "POPF clearing TF traps after itself:", 10
  pushfd                                   ; the image POPF will load: TF clear
  pushfd
  or dword [esp], F_TF
  popfd
  popfd
  nop
  SHOWCOUNT

  PUTS "MOV SS holds the single-step trap for one instruction:", 10
  mov ax, ss
  pushfd
  or dword [esp], F_TF
  popfd
  mov ss, ax
  nop
  nop
  SHOWCOUNT
  ROM_EXIT
