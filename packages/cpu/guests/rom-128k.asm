; rom-128k: a 128 KiB image: the low half (E000:0000) holds data, the code half works as in every ROM
%define ROM_128K
%include "lib/rom.inc"
[section lowdata]
lowmsg: db "from the low half", 0
TEXT16
main:
  PUTS "128k rom: "
  push ds
  mov ax, 0xE000
  mov ds, ax
  mov si, 0
.l:
  lodsb
  test al, al
  jz .d
  out 0xE9, al
  jmp .l
.d:
  pop ds
  NL
  ROM_EXIT
