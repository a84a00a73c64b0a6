; reset: every way a PC guest resets itself, counted in CMOS RAM across the resets
;
; Boot n (n = CMOS byte 50h, which survives resets, as does RAM) prints its number, then resets
; the machine the n-th way: 0 the PIIX3 reset control register (CF9h, pc only), 1 the fast-reset
; bit of port 92h, 2 the i8042 pulse command FEh, 3 a triple fault. Boot 4 checks that RAM kept
; its marker and exits through isa-debug-exit with 0x11. With -no-reboot the first reset ends the run.
%include "lib/qrom.inc"

%define CMOS_COUNTER 0x50
%define MARKER 0x0600

main:
  mov al, CMOS_COUNTER
  out 0x70, al
  in al, 0x71
  mov bl, al
  PUTS "boot "
  PUTHEX8 bl
  cmp bl, 0
  je .first
  PUTS " marker "
  PUTHEX16 [MARKER]
.first:
  PUTS 10
  mov word [MARKER], 0xBEEF
  mov al, CMOS_COUNTER
  out 0x70, al
  mov al, bl
  inc al
  out 0x71, al
  cmp bl, 0
  je reset_cf9
  cmp bl, 1
  je reset_port92
  cmp bl, 2
  je reset_kbc
  cmp bl, 3
  je reset_triple
  PUTS "all resets done", 10
  EXIT 0x11

reset_cf9:
  PUTS "reset via cf9", 10
  mov dx, 0xCF9
  mov al, 0x02
  out dx, al
  mov al, 0x06
  out dx, al
  jmp hang

reset_port92:
  PUTS "reset via port92", 10
  in al, 0x92
  and al, 0xFE
  out 0x92, al
  or al, 1
  out 0x92, al
  jmp hang

reset_kbc:
  PUTS "reset via i8042", 10
.wait:
  in al, 0x64
  test al, 2
  jnz .wait
  mov al, 0xFE
  out 0x64, al
  jmp hang

reset_triple:
  PUTS "reset via triple fault", 10
  lidt [cs:null_idt]
  int3

hang:
  PUTS "reset did not happen", 10
  EXIT 0x7F

null_idt: dw 0
          dd 0

  times 0xFFF0 - ($ - $$) db 0xFF
  jmp ROM_SEG:rom_start
  times 0x10000 - ($ - $$) db 0xFF
