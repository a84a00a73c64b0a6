; A 64 KiB firmware image (-bios) that copies CMOS bytes 0Eh-7Fh to the debug console (port E9h)
; through the RTC's index/data ports 70h/71h, then exits through isa-debug-exit (501h, status 0).
; The CMOS comparisons with the real QEMU run it on both machines (pc-cmos-vs-qemu, ide-vs-qemu).
bits 16
org 0
start:
  cli
  mov cl, 0x0e
again:
  mov al, cl
  out 0x70, al
  in al, 0x71
  out 0xe9, al
  inc cl
  cmp cl, 0x80
  jne again
  mov dx, 0x501
  mov al, 0
  out dx, al
  hlt
times 0xfff0 - ($-$$) db 0xff
  jmp 0xf000:start
times 0x10000 - ($-$$) db 0xff
