; a20: the A20 gate through port 0x92 (fast A20) and the 8042 output port: addresses at 1 MiB wrap to 0 when A20 is off
%include "lib/rom.inc"

TEXT16
; print whether linear 0x100600 aliases 0x000600 (FFFF:0610 = 0x100600)
check:
  push ds
  push es
  xor ax, ax
  mov ds, ax
  mov ax, 0xFFFF
  mov es, ax
  mov dword [0x0600], 0x11111111
  mov dword [es:0x0610], 0x22222222
  PUTS "[000600]="
  HEX32 [0x0600]
  PUTS " [100600]="
  HEX32 [es:0x0610]
  NL                          ; (port 0x92's read-back differs between chipset models: not printed)
  pop es
  pop ds
  ret

main:
  PUTS "at reset: "
  call check
  in al, 0x92
  and al, ~3                  ; bit 0 would reset the CPU
  out 0x92, al
  PUTS "port 92 a20 off: "
  call check
  in al, 0x92
  or al, 2
  and al, ~1
  out 0x92, al
  PUTS "port 92 a20 on: "
  call check
  ; the 8042 way: command D1 (write output port), data DD (A20 off) / DF (A20 on)
  call kbc_wait
  mov al, 0xD1
  out 0x64, al
  call kbc_wait
  mov al, 0xDD
  out 0x60, al
  call kbc_wait
  PUTS "8042 a20 off: "
  call check
  call kbc_wait
  mov al, 0xD1
  out 0x64, al
  call kbc_wait
  mov al, 0xDF
  out 0x60, al
  call kbc_wait
  PUTS "8042 a20 on: "
  call check
  ; protected mode with A20 off: physical bit 20 is forced to 0 after paging too
  in al, 0x92
  and al, ~3
  out 0x92, al
  GO_PM32 pm
kbc_wait:
  in al, 0x64
  test al, 2
  jnz kbc_wait
  ret

TEXT32
pm:
  mov dword [0x000700], 0x33333333
  mov dword [0x100700], 0x44444444
  mov dword [0x300700], 0x55555555
  PUTS "pm, a20 off: [000700]="
  HEX32 [0x000700]
  PUTS " [100700]="
  HEX32 [0x100700]
  PUTS " [200700]="
  HEX32 [0x200700]
  PUTS " [300700]="
  HEX32 [0x300700]
  NL
  in al, 0x92
  or al, 2
  and al, ~1
  out 0x92, al
  mov dword [0x100700], 0x66666666
  PUTS "pm, a20 on: [000700]="
  HEX32 [0x000700]
  PUTS " [100700]="
  HEX32 [0x100700]
  NL
  ROM_EXIT
