; int-real: real-mode INT n / INT3 / INTO through the IVT, the pushed FLAGS/CS/IP frame, IF and TF cleared on entry, IRET restoring FLAGS, PUSHF/POPF of IOPL/NT bits
%include "lib/rom.inc"

TEXT16
main:
  ; install a handler for vector 40h at 0000:0100h -> F000:handler40
  xor ax, ax
  mov es, ax
  mov word [es:0x40 * 4], handler40
  mov word [es:0x40 * 4 + 2], ROM_SEG
  ; mask the PICs so IF=1 is harmless
  mov al, 0xFF
  out 0x21, al
  out 0xA1, al
  mov bp, sp
  PUTS "int 40h with IF=1 CF=1:", 10
  push word F_IF | F_CF | 2
  popf
  int 0x40
  pushf
  pop ax
  and ax, F_IF | F_CF | F_ZF
  PUTS "after iret: flags&="
  HEX16 ax
  PUTS " sp restored="
  mov ax, bp
  sub ax, sp
  HEX16 ax
  NL
  cli
  PUTS "int 40h with TF=1 (TF cleared in the handler, single-step resumes after IRET):", 10
  pushf
  pop ax
  or ax, F_TF
  push ax
  popf
  int 0x40
  nop
  ; the handler returned with TF=1: #DB after the NOP (IVT stub: trap, reported and continued)
  pushf
  pop ax
  and ax, ~F_TF
  push ax
  popf
  PUTS "int3 and into through the library stubs:", 10
  int3
  mov al, 0x7F
  add al, 1
  into
  ; PUSHF/POPF of bits 12-15 in real mode: IOPL and NT load, bit 15 stays 0
  push word 0xF002
  popf
  pushf
  pop ax
  PUTS "popf f002 -> pushf="
  HEX16 ax
  push word 0x0002
  popf
  NL
  ; IRET pops a 16-bit frame; with 66h a 32-bit one
  push word 0x0002 | F_CF
  push cs
  push word .ret16
  iret
.ret16:
  pushf
  pop ax
  PUTS "iret16 flags="
  HEX16 ax
  o32 push dword 0x00000002 | F_ZF
  o32 push dword ROM_SEG
  o32 push dword .ret32
  o32 iret
.ret32:
  pushf
  pop ax
  PUTS " iret32 flags="
  HEX16 ax
  NL
  ROM_EXIT

handler40:
  push bp
  mov bp, sp
  pushf
  pop ax
  PUTS "  handler: flags&="
  and ax, F_IF | F_TF | F_CF
  HEX16 ax
  PUTS " frame ip="
  HEX16 [bp + 2]
  PUTS " cs="
  HEX16 [bp + 4]
  PUTS " flags&="
  mov ax, [bp + 6]
  and ax, F_IF | F_TF | F_CF
  HEX16 ax
  NL
  pop bp
  iret
