; tray-lock.asm - a disk boot sector that drives the ATAPI CD-ROM on the secondary master
; (ports 170h-177h, 376h) with PIO PACKET commands (ATA/ATAPI-6 9.10, MMC-5 6.39 / SPC-3 6.13):
;   START STOP UNIT LoEj=1 Start=0   the guest opens the tray  (QEMU: DEVICE_TRAY_MOVED tray-open true)
;   START STOP UNIT LoEj=1 Start=1   and closes it again       (DEVICE_TRAY_MOVED tray-open false)
;   PREVENT ALLOW MEDIUM REMOVAL 1   then locks it, as an OS with the disc mounted does
; and prints "locked" on COM1, then halts with interrupts off. The monitor's eject must then be
; refused (or forced). Assembled by media-change-vs-qemu.test.ts with nasm.
bits 16
org 0x7c00

ATA_DATA    equ 0x170
ATA_FEATURE equ 0x171
ATA_BCL     equ 0x174
ATA_BCH     equ 0x175
ATA_DRIVE   equ 0x176
ATA_CMD     equ 0x177          ; status on read
WIN_PACKET  equ 0xa0
ST_BSY      equ 0x80
ST_DRQ      equ 0x08

start:
  cli
  xor ax, ax
  mov ds, ax
  mov si, pkt_open
  call packet
  mov si, pkt_close
  call packet
  mov si, pkt_lock
  call packet
  mov si, msg
.print:
  lodsb
  test al, al
  jz .halt
  mov dx, 0x3f8
  out dx, al
  jmp .print
.halt:
  hlt
  jmp .halt

; Sends the 12-byte packet at si and waits for the command to complete.
packet:
  mov dx, ATA_DRIVE
  mov al, 0xa0                 ; master
  out dx, al
  call wait_not_busy
  mov dx, ATA_FEATURE
  xor al, al                   ; PIO
  out dx, al
  mov dx, ATA_BCL
  out dx, al
  mov dx, ATA_BCH
  mov al, 0x08
  out dx, al
  mov dx, ATA_CMD
  mov al, WIN_PACKET
  out dx, al
.drq:
  in al, dx
  test al, ST_BSY
  jnz .drq
  test al, ST_DRQ
  jz .drq
  mov dx, ATA_DATA
  mov cx, 6
  rep outsw
wait_not_busy:
  mov dx, ATA_CMD
.busy:
  in al, dx
  test al, ST_BSY
  jnz .busy
  ret

pkt_open:  db 0x1b, 0, 0, 0, 0x02, 0, 0, 0, 0, 0, 0, 0
pkt_close: db 0x1b, 0, 0, 0, 0x03, 0, 0, 0, 0, 0, 0, 0
pkt_lock:  db 0x1e, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0
msg: db "locked", 10, 0

times 510 - ($ - $$) db 0
dw 0xaa55
