; cdrom-boot: an El Torito no-emulation boot image for an ATAPI CD-ROM, through the BIOS and the registers
;
; Not a whole CD: the boot image that packages/qemu/src/hw/ide/testing/el-torito.ts places on an
; ISO 9660 volume (boot catalog entry: no emulation, load segment 0 = 07C0h, LOAD_SECTORS virtual
; sectors of 512 bytes). The test volume has DATA_SECTORS 2048-byte sectors from LBA DATA_LBA on,
; byte i of sector L being (L * 7 + i * 13 + (i * i >> 6)) & 0FFh. SeaBIOS boots it with "-boot d".
;
; It prints to COM1 what any correct QEMU-like PC with that CD prints: the drive number SeaBIOS
; passes in DL, the INT 13h extensions on that drive (41h, 48h, 4B01h, 42h reads with sums), then
; the ATAPI device at the secondary master driven through its registers (signature, IDENTIFY
; PACKET DEVICE, packet commands in PIO with two byte count limits, sense data after errors, READ
; and INQUIRY by bus-master DMA), then exits through isa-debug-exit (port 501h) with 31h, i.e.
; status 63h.
;
; Run: qemu-system-i386 -M pc -m 32 -nodefaults -display none -bios bios.bin -serial stdio
;      -device isa-debug-exit -boot d -cdrom cdrom-boot.iso

%define COM1 0x3F8
%define SEC 0x170
%define BUFSEG 0x1000            ; data buffers at 0x10000
%define PRD_ADDR 0x5000          ; the bus-master PRD table
%define DAP 0x6000               ; INT 13h disk address packet
%define PARAMS 0x6100            ; INT 13h result buffers
%define LOAD_SECTORS 16
%define DATA_LBA 32
%define DATA_SECTORS 8

%define ST_BSY 0x80

[bits 16]
[org 0x7C00]

start:
  jmp 0x0000:main

; ---- output ------------------------------------------------------------------------------------

%define STRINGS_IN_CS
%include "lib/com1-console.inc"

hex32:                           ; eax
  push eax
  ror eax, 16
  call hex16
  ror eax, 16
  call hex16
  pop eax
  ret

nl:
  push ax
  mov al, 10
  call putc
  pop ax
  ret

sp1:
  push ax
  mov al, ' '
  call putc
  pop ax
  ret

; dump_bytes: cx bytes at es:di as hex, space separated
dump_bytes:
  push ax
  push cx
  push di
.next:
  mov al, [es:di]
  call sp1
  call hex8
  inc di
  loop .next
  call nl
  pop di
  pop cx
  pop ax
  ret

; dump_text: cx bytes at es:di as characters between quotes
dump_text:
  push ax
  push cx
  push di
  mov al, ' '
  call putc
  mov al, '"'
  call putc
.next:
  mov al, [es:di]
  call putc
  inc di
  loop .next
  mov al, '"'
  call putc
  call nl
  pop di
  pop cx
  pop ax
  ret

; sums: cx words at es:0, prints " sum=XXXX xor=XXXX"
sums:
  push ax
  push bx
  push cx
  push dx
  push si
  xor si, si
  xor bx, bx
  xor dx, dx
.next:
  mov ax, [es:si]
  add bx, ax
  xor dx, ax
  add si, 2
  loop .next
  PUTS " sum="
  mov ax, bx
  call hex16
  PUTS " xor="
  mov ax, dx
  call hex16
  call nl
  pop si
  pop dx
  pop cx
  pop bx
  pop ax
  ret

; clear_buffer: 16 KiB at BUFSEG:0 set to 0xEE
clear_buffer:
  push ax
  push cx
  push di
  mov ax, BUFSEG
  mov es, ax
  xor di, di
  mov cx, 0x2000
  mov ax, 0xEEEE
  rep stosw
  pop di
  pop cx
  pop ax
  ret

; ---- registers of channel bx -------------------------------------------------------------------

%macro IN8 1
  lea dx, [bx + %1]
  in al, dx
%endmacro
%macro OUT8 2
  lea dx, [bx + %1]
  mov al, %2
  out dx, al
%endmacro

regs:
  push ax
  push dx
  PUTS " as="
  IN8 0x206
  call hex8
  PUTS " er="
  IN8 1
  call hex8
  PUTS " ir="
  IN8 2
  call hex8
  PUTS " sn="
  IN8 3
  call hex8
  PUTS " bc="
  IN8 5
  call hex8
  IN8 4
  call hex8
  PUTS " dh="
  IN8 6
  call hex8
  PUTS " st="
  IN8 7
  call hex8
  call nl
  pop dx
  pop ax
  ret

wait_idle:
  push ecx
  push dx
  mov ecx, 0x2000000
.poll:
  IN8 0x206
  test al, ST_BSY
  jz .done
  a32 loop .poll
  PUTS " TIMEOUT"
.done:
  pop dx
  pop ecx
  ret

; packet: si = 12-byte packet (in this segment), ax = byte count limit, cl = features (1 = DMA);
; returns right after the packet went out (the caller waits as the command needs)
packet:
  push ax
  call wait_idle
  OUT8 6, 0xA0
  OUT8 1, cl
  pop ax
  push ax
  lea dx, [bx + 4]
  out dx, al
  mov al, ah
  lea dx, [bx + 5]
  out dx, al
  OUT8 7, 0xA0
  call wait_idle
  mov dx, bx
  mov cx, 6
  rep outsw
  pop ax
  ret

; pio_in: reads cx words from the data port into es:di (di advances)
pio_in:
  push dx
  mov dx, bx
  rep insw
  pop dx
  ret

; ---- main --------------------------------------------------------------------------------------

main:
  cli
  xor ax, ax
  mov ds, ax
  mov ss, ax
  mov sp, 0x7C00
  mov [boot_drive], dl
  PUTS "cdrom-boot: booted from the CD, dl="
  mov al, dl
  call hex8
  call nl

  ; INT 13h AH=41h: extensions present?
  PUTS "int13 41:"
  mov ah, 0x41
  mov bx, 0x55AA
  mov dl, [boot_drive]
  int 0x13
  call cf_ah
  PUTS " bx="
  mov ax, bx
  call hex16
  PUTS " cx="
  mov ax, cx
  call hex16
  call nl

  ; AH=48h: drive parameters
  PUTS "int13 48:"
  mov word [PARAMS], 0x1A
  mov si, PARAMS
  mov ah, 0x48
  mov dl, [boot_drive]
  int 0x13
  call cf_ah
  xor ax, ax
  mov es, ax
  mov di, PARAMS
  mov cx, 0x1A
  call dump_bytes

  ; AX=4B01h: disk emulation status (the specification packet)
  PUTS "int13 4b01:"
  mov di, PARAMS
  mov cx, 0x20
  xor al, al
  rep stosb
  mov byte [PARAMS], 0x13
  mov si, PARAMS
  mov ax, 0x4B01
  mov dl, [boot_drive]
  int 0x13
  call cf_ah
  mov di, PARAMS
  mov cx, 0x13
  call dump_bytes

  ; AH=42h: the primary volume descriptor, then the data sectors
  PUTS "int13 42 lba 16 x1:"
  call clear_buffer
  mov eax, 16
  mov cx, 1
  call ext_read
  mov di, 0
  mov cx, 6
  call dump_text

  PUTS "int13 42 data x8:"
  call clear_buffer
  mov eax, DATA_LBA
  mov cx, DATA_SECTORS
  call ext_read
  mov cx, DATA_SECTORS * 1024
  call sums

  PUTS "int13 42 past the end:"
  mov eax, 0x100000
  mov cx, 1
  call ext_read
  call nl

  call atapi_tests
  call dma_tests

  PUTS "done", 10
  mov dx, 0x501
  mov al, 0x31
  out dx, al
  cli
  hlt

boot_drive: db 0

; cf_ah: prints " cf=C ah=XX" after an INT 13h call (flags and ah as it returned)
cf_ah:
  push ax
  mov al, '0'
  adc al, 0                       ; the carry the BIOS returned
  PUTS " cf="
  call putc
  pop ax
  PUTS " ah="
  push ax
  mov al, ah
  call hex8
  pop ax
  ret

; ext_read: eax = LBA, cx = count; INT 13h AH=42h into BUFSEG:0, prints cf/ah and the count back
ext_read:
  mov byte [DAP], 0x10
  mov byte [DAP + 1], 0
  mov [DAP + 2], cx
  mov word [DAP + 4], 0
  mov word [DAP + 6], BUFSEG
  mov [DAP + 8], eax
  mov dword [DAP + 12], 0
  mov si, DAP
  mov ah, 0x42
  mov dl, [boot_drive]
  int 0x13
  call cf_ah
  PUTS " n="
  mov ax, [DAP + 2]
  call hex16
  ret

; ---- ATAPI through the registers (secondary master, interrupts off with nIEN) ------------------

pkt_inquiry:     db 0x12, 0, 0, 0, 36, 0, 0, 0, 0, 0, 0, 0
pkt_capacity:    db 0x25, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
pkt_toc:         db 0x43, 0, 0, 0, 0, 0, 0, 0, 0x24, 0, 0, 0
pkt_toc_msf:     db 0x43, 2, 0, 0, 0, 0, 0, 0, 0x24, 0, 0, 0
pkt_bogus:       db 0xFF, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
pkt_sense:       db 0x03, 0, 0, 0, 18, 0, 0, 0, 0, 0, 0, 0
pkt_read3:       db 0x28, 0, 0, 0, 0, DATA_LBA, 0, 0, 3, 0, 0, 0
pkt_read_oor:    db 0x28, 0, 0, 1, 0, 0, 0, 0, 1, 0, 0, 0
pkt_read12:      db 0xA8, 0, 0, 0, 0, DATA_LBA + 3, 0, 0, 0, 2, 0, 0
pkt_modesense:   db 0x5A, 0, 0x2A, 0, 0, 0, 0, 0, 30, 0, 0, 0
pkt_gesn:        db 0x4A, 1, 0, 0, 0x10, 0, 0, 0, 8, 0, 0, 0
pkt_tur:         db 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
pkt_lock:        db 0x1E, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0
pkt_eject:       db 0x1B, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0
pkt_unlock:      db 0x1E, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0
pkt_disc_info:   db 0x51, 0, 0, 0, 0, 0, 0, 0, 34, 0, 0, 0
pkt_config:      db 0x46, 0, 0, 0, 0, 0, 0, 0, 20, 0, 0, 0
pkt_read_dma:    db 0x28, 0, 0, 0, 0, DATA_LBA + 5, 0, 0, 2, 0, 0, 0

; pkt_show si, ax = bcl, cx = bytes to read and dump as hex
%macro PKT_DUMP 3
  mov si, %1
  mov ax, %2
  xor cl, cl
  call packet
  call wait_idle
  call regs
  call clear_buffer
  xor di, di
  mov cx, (%3 + 1) / 2
  call pio_in
  xor di, di
  mov cx, %3
  call dump_bytes
  call regs
%endmacro

atapi_tests:
  mov bx, SEC
  OUT8 0x206, 0x02                ; nIEN
  OUT8 6, 0xA0
  PUTS "atapi signature:"
  call regs

  PUTS "identify device:"
  OUT8 7, 0xEC
  call wait_idle
  call regs

  PUTS "identify packet device:"
  OUT8 7, 0xA1
  call wait_idle
  call regs
  call clear_buffer
  xor di, di
  mov cx, 256
  call pio_in
  PUTS " words 0 49 53 62 63 64 80 88:"
  mov si, id_words
.w:
  mov al, [cs:si]
  cmp al, 0xFF
  je .wdone
  xor ah, ah
  shl ax, 1
  mov di, ax
  call sp1
  mov ax, [es:di]
  call hex16
  inc si
  jmp .w
.wdone:
  call nl
  PUTS " model+fw:"
  mov di, 23 * 2
  mov cx, 24
.swap:                            ; ATA strings: two characters per word, first in the high byte
  mov ax, [es:di]
  xchg al, ah
  mov [es:di], ax
  add di, 2
  loop .swap
  mov di, 23 * 2
  mov cx, 48
  call dump_text
  call regs

  PUTS "inquiry (limit 100h):"
  PKT_DUMP pkt_inquiry, 0x100, 36
  mov di, 8
  mov cx, 28
  call dump_text

  ; an odd limit below the reply: DRQ blocks of 8 bytes (rounded down to even), then the rest
  PUTS "inquiry (limit 9):", 10
  mov si, pkt_inquiry
  mov ax, 9
  xor cl, cl
  call packet
  call clear_buffer
  xor di, di
  mov bp, 5
.inq:
  call wait_idle
  call regs
  mov cx, 4
  call pio_in
  dec bp
  jnz .inq
  call wait_idle
  call regs
  xor di, di
  mov cx, 40
  call dump_bytes

  PUTS "read capacity:"
  PKT_DUMP pkt_capacity, 0xFFFE, 8
  PUTS "read toc:"
  PKT_DUMP pkt_toc, 0xFFFE, 20
  PUTS "read toc msf:"
  PKT_DUMP pkt_toc_msf, 0xFFFE, 20
  PUTS "mode sense 2ah:"
  PKT_DUMP pkt_modesense, 0xFFFE, 30
  PUTS "gesn:"
  PKT_DUMP pkt_gesn, 0xFFFE, 8
  PUTS "disc info:"
  PKT_DUMP pkt_disc_info, 0xFFFE, 34
  PUTS "get configuration:"
  PKT_DUMP pkt_config, 0xFFFE, 20

  PUTS "bogus opcode:"
  mov si, pkt_bogus
  mov ax, 0xFFFE
  xor cl, cl
  call packet
  call wait_idle
  call regs
  PUTS "request sense:"
  PKT_DUMP pkt_sense, 0xFFFE, 18

  PUTS "read past the end:"
  mov si, pkt_read_oor
  mov ax, 0x800
  xor cl, cl
  call packet
  call wait_idle
  call regs
  PUTS "request sense:"
  PKT_DUMP pkt_sense, 0xFFFE, 18

  PUTS "lock, eject refused:"
  mov si, pkt_lock
  mov ax, 0xFFFE
  xor cl, cl
  call packet
  mov si, pkt_eject
  mov ax, 0xFFFE
  xor cl, cl
  call packet
  call wait_idle
  call regs
  PUTS "request sense:"
  PKT_DUMP pkt_sense, 0xFFFE, 18
  mov si, pkt_unlock
  mov ax, 0xFFFE
  xor cl, cl
  call packet
  PUTS "test unit ready:"
  mov si, pkt_tur
  mov ax, 0xFFFE
  xor cl, cl
  call packet
  call wait_idle
  call regs

  ; READ (10) of 3 sectors with a 2048-byte limit: a DRQ block per sector
  PUTS "read10 x3 limit 800h:", 10
  mov si, pkt_read3
  mov ax, 0x800
  xor cl, cl
  call packet
  call clear_buffer
  xor di, di
  mov bp, 3
.blk:
  call wait_idle
  call regs
  mov cx, 1024
  call pio_in
  dec bp
  jnz .blk
  call wait_idle
  call regs
  mov cx, 3 * 1024
  call sums

  ; READ (12) of 2 sectors with the limit FFFFh: one 4096-byte block read in one go
  PUTS "read12 x2 limit ffffh:", 10
  mov si, pkt_read12
  mov ax, 0xFFFF
  xor cl, cl
  call packet
  call wait_idle
  call regs
  call clear_buffer
  xor di, di
  mov cx, 2048
  call pio_in
  call wait_idle
  call regs
  mov cx, 2048
  call sums
  ret

id_words: db 0, 49, 53, 62, 63, 64, 80, 88, 0xFF

; ---- bus-master DMA (PIIX IDE, 00:01.1), secondary channel ------------------------------------

pci_read:                         ; eax = config dword at (00:01.1, reg al)
  push dx
  and eax, 0xFC
  or eax, 0x80000900
  mov dx, 0xCF8
  out dx, eax
  mov dx, 0xCFC
  in eax, dx
  pop dx
  ret

bmbase: dw 0

; dma_packet si = packet, cx = bytes for the single PRD: runs a DMA packet command and waits
dma_packet:
  push cx
  mov dword [PRD_ADDR], 0x10000
  movzx ecx, cx
  or ecx, 0x80000000
  mov [PRD_ADDR + 4], ecx
  mov dx, [bmbase]
  add dx, 8 + 4
  mov eax, PRD_ADDR
  out dx, eax
  mov dx, [bmbase]
  add dx, 8 + 2
  mov al, 0x06
  out dx, al
  xor ax, ax
  mov cl, 1
  call packet
  PUTS " before:"
  call regs
  mov dx, [bmbase]
  add dx, 8
  mov al, 0x09
  out dx, al
  mov ecx, 0x2000000
.poll:
  mov dx, [bmbase]
  add dx, 8 + 2
  in al, dx
  test al, 0x04
  jnz .done
  test al, 0x01
  jz .done
  a32 loop .poll
  PUTS " TIMEOUT"
.done:
  PUTS " bmst="
  call hex8
  mov dx, [bmbase]
  add dx, 8
  xor al, al
  out dx, al
  call wait_idle
  PUTS " after:"
  call regs
  pop cx
  ret

dma_tests:
  mov bx, SEC
  mov eax, 0
  call pci_read
  cmp eax, 0x70108086
  je .have
  PUTS "no piix3-ide", 10
  ret
.have:
  mov eax, 0x20
  call pci_read
  and ax, 0xFFFC
  mov [bmbase], ax
  mov eax, 0x04
  call pci_read
  or al, 0x05
  push eax
  mov eax, 0x80000904
  mov dx, 0xCF8
  out dx, eax
  pop eax
  mov dx, 0xCFC
  out dx, ax

  PUTS "dma read10 x2:", 10
  call clear_buffer
  mov si, pkt_read_dma
  mov cx, 4096
  call dma_packet
  mov cx, 2048
  call sums

  PUTS "dma inquiry:", 10
  call clear_buffer
  mov si, pkt_inquiry
  mov cx, 36
  call dma_packet
  xor di, di
  mov cx, 36
  call dump_bytes
  ret

  times LOAD_SECTORS * 512 - ($ - $$) db 0
