; ide-disk: an IDE hard disk through the BIOS (INT 13h) and through the ATA registers
;
; A disk image, not a ROM: the first sector is an MBR that SeaBIOS boots from the primary master
; ("-hda ide-disk.img" or "-drive file=ide-disk.img,format=raw"), sectors 1-15 are the rest of
; the program, sectors 16-63 hold a pattern (word i of sector L is L * 101h + i). The test grows
; the image to 4096 sectors (2 MiB) first. Everything goes to COM1 as text; it prints only what
; any correct QEMU-like PC with that disk prints (register values, sums, no times, no addresses
; the firmware chose). It writes LBA 300-301 (BIOS), 100-101, 200-203, 400-401 (ATA), then
; exits through isa-debug-exit (port 501h) with 0x31, i.e. status 0x63.
;
; Run: qemu-system-i386 -M pc -m 32 -nodefaults -display none -bios bios.bin -serial stdio
;      -device isa-debug-exit -drive file=ide-disk.img,format=raw
; The DMA part runs only when the PIIX IDE function answers at 00:01.1 (skipped on isapc).

%define COM1 0x3F8
%define PRI 0x1F0
%define SEC 0x170
%define BUFSEG 0x1000            ; data buffers at 0x10000
%define PRD_ADDR 0x5000          ; the bus-master PRD table
%define CODE_SECTORS 15
%define DISK_SECTORS 4096

%define ST_BSY 0x80
%define ST_DRQ 0x08

[bits 16]
[org 0x7C00]

; ---- sector 0: load the rest with INT 13h AH=02 (CHS 0/0/2) and go ---------------------------
boot:
  cli
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov sp, 0x7C00
  mov [boot_drive], dl
  mov ax, 0x0200 | CODE_SECTORS
  mov bx, 0x7E00
  mov cx, 0x0002
  xor dh, dh
  int 0x13
  jc .fail
  jmp main
.fail:
  mov al, '!'
  mov dx, COM1
  out dx, al
  hlt
boot_drive: db 0
  times 0x1BE - ($ - $$) db 0
  times 64 db 0                  ; an empty partition table: the geometry comes from the size
  dw 0xAA55

; ---- helpers ---------------------------------------------------------------------------------

%include "lib/com1-console.inc"

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

; in8 offset: al = in (bx + offset)
%macro IN8 1
  lea dx, [bx + %1]
  in al, dx
%endmacro
; out8 offset, value
%macro OUT8 2
  lea dx, [bx + %1]
  mov al, %2
  out dx, al
%endmacro

; regs: prints the task file of channel bx (alternate status first, then the status register,
; which also acknowledges the interrupt).
regs:
  push ax
  push dx
  PUTS " as="
  IN8 0x206
  call hex8
  PUTS " er="
  IN8 1
  call hex8
  PUTS " sc="
  IN8 2
  call hex8
  PUTS " sn="
  IN8 3
  call hex8
  PUTS " cl="
  IN8 4
  call hex8
  PUTS " ch="
  IN8 5
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

; wait_idle: polls the alternate status of channel bx until BSY clears; al = status.
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

; read_block: waits, then if DRQ reads cx words to BUFSEG:0 and adds them to [sum].
read_block:
  push ax
  call wait_idle
  test al, ST_DRQ
  jz .nodrq
  push es
  push cx
  mov ax, BUFSEG
  mov es, ax
  xor di, di
  lea dx, [bx]
  rep insw
  pop cx
  pop es
  call sum_buffer
.nodrq:
  pop ax
  ret

; write_block: waits for DRQ and writes cx words of the pattern (i xor [seed]) for i = 0...
write_block:
  push ax
  push cx
  push si
  call wait_idle
  test al, ST_DRQ
  jz .nodrq
  xor si, si
  lea dx, [bx]
.w:
  mov ax, si
  xor ax, [seed]
  out dx, ax
  inc si
  loop .w
.nodrq:
  pop si
  pop cx
  pop ax
  ret

; print_sum: " sum=XXXX" and reset it
print_sum:
  PUTS " sum="
  push ax
  mov ax, [sum]
  call hex16
  mov word [sum], 0
  pop ax
  ret

; lba28 bx channel, eax = LBA, cl = count: device register LBA mode, master
set_lba28:
  push eax
  push dx
  push ax
  OUT8 2, cl
  pop ax
  lea dx, [bx + 3]
  out dx, al
  shr eax, 8
  lea dx, [bx + 4]
  out dx, al
  shr eax, 8
  lea dx, [bx + 5]
  out dx, al
  shr eax, 8
  and al, 0x0F
  or al, 0xE0
  lea dx, [bx + 6]
  out dx, al
  pop dx
  pop eax
  ret

; command al to channel bx
command:
  lea dx, [bx + 7]
  out dx, al
  ret

sum: dw 0
seed: dw 0

; ---- the program ------------------------------------------------------------------------------

main:
  PUTS "ide-disk", 10
  call bios_tests
  cli
  mov bx, PRI
  call ata_tests
  call dma_tests
  mov bx, SEC
  PUTS "secondary (empty)"
  call regs
  PUTS "done", 10
  mov dx, 0x501
  mov al, 0x31
  out dx, al
  hlt

; ---- INT 13h ---------------------------------------------------------------------------------

dap:
  db 16, 0
dap_count: dw 0
dap_off: dw 0
dap_seg: dw BUFSEG
dap_lba: dq 0

%macro CARRY 0
  jc %%c
  PUTS " ok"
  jmp %%d
%%c:
  PUTS " cf"
%%d:
%endmacro

bios_tests:
  ; AH=08h: drive parameters (SeaBIOS's view of the IDENTIFY geometry)
  PUTS "int13 08"
  mov ah, 0x08
  mov dl, [boot_drive]
  xor di, di
  int 0x13
  CARRY
  PUTS " ax="
  call hex16
  PUTS " cx="
  mov ax, cx
  call hex16
  PUTS " dx="
  mov ax, dx
  call hex16
  call nl
  ; AH=41h: extensions present
  PUTS "int13 41"
  mov ah, 0x41
  mov bx, 0x55AA
  mov dl, [boot_drive]
  int 0x13
  CARRY
  PUTS " ah="
  mov al, ah
  call hex8
  PUTS " bx="
  mov ax, bx
  call hex16
  PUTS " cx="
  mov ax, cx
  call hex16
  call nl
  ; AH=48h: extended parameters (the first 26 bytes)
  PUTS "int13 48"
  mov si, 0x6000
  mov word [si], 26
  mov ah, 0x48
  mov dl, [boot_drive]
  int 0x13
  CARRY
  mov cx, 26
  mov si, 0x6000
.p48:
  lodsb
  call sp1
  call hex8
  loop .p48
  call nl
  ; AH=42h: read LBA 16-19
  PUTS "int13 42 lba 16x4"
  mov word [dap_count], 4
  mov dword [dap_lba], 16
  mov si, dap
  mov ah, 0x42
  mov dl, [boot_drive]
  int 0x13
  CARRY
  mov cx, 4 * 256
  call sum_buffer
  call print_sum
  call nl
  ; AH=43h: write LBA 300-301 with words (i xor 1234h), read them back
  PUTS "int13 43 lba 300x2"
  push es
  mov ax, BUFSEG
  mov es, ax
  xor di, di
  mov cx, 2 * 256
  xor ax, ax
.fill:
  push ax
  xor ax, 0x1234
  stosw
  pop ax
  inc ax
  loop .fill
  pop es
  mov word [dap_count], 2
  mov dword [dap_lba], 300
  mov si, dap
  mov ax, 0x4300
  mov dl, [boot_drive]
  int 0x13
  CARRY
  call clear_buffer
  mov si, dap
  mov ah, 0x42
  mov dl, [boot_drive]
  int 0x13
  CARRY
  mov cx, 2 * 256
  call sum_buffer
  call print_sum
  call nl
  ; AH=02h: CHS read of cylinder 0, head 0, sector 18 (LBA 17)
  PUTS "int13 02 chs 0/0/18"
  mov ax, BUFSEG
  mov es, ax
  xor bx, bx
  mov ax, 0x0201
  mov cx, 18
  xor dh, dh
  mov dl, [boot_drive]
  int 0x13
  CARRY
  xor ax, ax
  mov es, ax
  mov cx, 256
  call sum_buffer
  call print_sum
  call nl
  ; AH=02h beyond the last cylinder: the BIOS refuses
  PUTS "int13 02 chs 1023/0/1"
  mov ax, BUFSEG
  mov es, ax
  xor bx, bx
  mov ax, 0x0201
  mov cx, 0xFFC1
  xor dh, dh
  mov dl, [boot_drive]
  int 0x13
  CARRY
  PUTS " ah="
  mov al, ah
  call hex8
  xor ax, ax
  mov es, ax
  call nl
  ret

; sum_buffer: [sum] += cx words at BUFSEG:0
sum_buffer:
  push ds
  push si
  push ax
  mov ax, BUFSEG
  mov ds, ax
  xor si, si
.s:
  lodsw
  add [cs:sum], ax
  loop .s
  pop ax
  pop si
  pop ds
  ret

clear_buffer:
  push es
  push di
  push cx
  push ax
  mov ax, BUFSEG
  mov es, ax
  xor di, di
  xor ax, ax
  mov cx, 0x8000
  rep stosw
  pop ax
  pop cx
  pop di
  pop es
  ret

; ---- ATA registers ---------------------------------------------------------------------------

ata_tests:
  ; nIEN clear: the interrupt line works (it is masked by CLI here)
  OUT8 0x206, 0x00
  OUT8 6, 0xA0
  call wait_idle
  PUTS "select master"
  call regs

  ; IDENTIFY DEVICE: all 256 words
  PUTS "identify"
  mov al, 0xEC
  call command
  call wait_idle
  call regs
  push es
  mov ax, BUFSEG
  mov es, ax
  xor di, di
  lea dx, [bx]
  mov cx, 256
  rep insw
  pop es
  push ds
  mov ax, BUFSEG
  mov ds, ax
  xor si, si
  mov cx, 256
.idw:
  lodsw
  call hex16
  mov dx, cx
  dec dx
  test dx, 15
  jnz .idsp
  call nl
  jmp .idnext
.idsp:
  call sp1
.idnext:
  loop .idw
  pop ds
  PUTS "after identify"
  call regs

  ; READ SECTORS (LBA28) 16-17: one DRQ block per sector, the address advances
  PUTS "read sectors lba 16x2"
  mov eax, 16
  mov cl, 2
  call set_lba28
  mov al, 0x20
  call command
  mov cx, 256
  xor di, di
  call read_block
  mov cx, 256
  call read_block
  call print_sum
  call regs

  ; SET MULTIPLE MODE 4, READ MULTIPLE 16-23 in two blocks of four
  PUTS "set multiple 4"
  OUT8 2, 4
  mov al, 0xC6
  call command
  call wait_idle
  call regs
  PUTS "read multiple lba 16x8"
  mov eax, 16
  mov cl, 8
  call set_lba28
  mov al, 0xC4
  call command
  mov cx, 4 * 256
  xor di, di
  call read_block
  mov cx, 4 * 256
  call read_block
  call print_sum
  call regs
  PUTS "set multiple 3"
  OUT8 2, 3
  mov al, 0xC6
  call command
  call wait_idle
  call regs

  ; READ SECTORS EXT (LBA48): HOB bytes first, the registers keep both halves (read via HOB)
  PUTS "read sectors ext lba 17x1"
  OUT8 2, 0
  OUT8 3, 0
  OUT8 4, 0
  OUT8 5, 0
  OUT8 2, 1
  OUT8 3, 17
  OUT8 4, 0
  OUT8 5, 0
  OUT8 6, 0x40
  mov al, 0x24
  call command
  mov cx, 256
  xor di, di
  call read_block
  call print_sum
  call regs
  PUTS "hob"
  OUT8 0x206, 0x80
  call regs
  OUT8 0x206, 0x00

  ; WRITE SECTORS 100-101 (pattern i xor 5A5Ah), then read back
  PUTS "write sectors lba 100x2"
  mov word [seed], 0x5A5A
  mov eax, 100
  mov cl, 2
  call set_lba28
  mov al, 0x30
  call command
  mov cx, 256
  call write_block
  mov cx, 256
  call write_block
  call wait_idle
  call regs
  PUTS "read back"
  mov eax, 100
  mov cl, 2
  call set_lba28
  mov al, 0x20
  call command
  mov cx, 256
  xor di, di
  call read_block
  mov cx, 256
  call read_block
  call print_sum
  call regs

  ; WRITE MULTIPLE 200-203 with multiple mode 2 (two blocks), WRITE SECTORS EXT and FLUSH
  PUTS "write multiple lba 200x4"
  OUT8 2, 2
  mov al, 0xC6
  call command
  call wait_idle
  mov word [seed], 0xC3C3
  mov eax, 200
  mov cl, 4
  call set_lba28
  mov al, 0xC5
  call command
  mov cx, 2 * 256
  call write_block
  mov cx, 2 * 256
  call write_block
  call wait_idle
  call regs
  PUTS "read multiple back"
  mov eax, 200
  mov cl, 4
  call set_lba28
  mov al, 0xC4
  call command
  mov cx, 2 * 256
  xor di, di
  call read_block
  mov cx, 2 * 256
  call read_block
  call print_sum
  call regs

  ; errors: past the end, an unknown command, DEVICE RESET (packet devices only), bad SET FEATURES
  PUTS "read past end"
  mov eax, DISK_SECTORS
  mov cl, 1
  call set_lba28
  mov al, 0x20
  call command
  call wait_idle
  call regs
  PUTS "write past end"
  mov eax, DISK_SECTORS
  mov cl, 1
  call set_lba28
  mov al, 0x30
  call command
  mov cx, 256
  call write_block
  call wait_idle
  call regs
  PUTS "unknown 50h"
  mov al, 0x50
  call command
  call wait_idle
  call regs
  PUTS "device reset"
  mov al, 0x08
  call command
  call wait_idle
  call regs
  PUTS "set features 77h"
  OUT8 1, 0x77
  mov al, 0xEF
  call command
  call wait_idle
  call regs
  PUTS "set features xfer udma2"
  OUT8 1, 0x03
  OUT8 2, 0x42
  mov al, 0xEF
  call command
  call wait_idle
  call regs
  PUTS "set features wc off"
  OUT8 1, 0x82
  mov al, 0xEF
  call command
  call wait_idle
  call regs
  PUTS "identify words 62 63 85 88"
  mov al, 0xEC
  call command
  call wait_idle
  push es
  mov ax, BUFSEG
  mov es, ax
  xor di, di
  lea dx, [bx]
  mov cx, 256
  rep insw
  mov ax, [es:62 * 2]
  call sp1
  call hex16
  mov ax, [es:63 * 2]
  call sp1
  call hex16
  mov ax, [es:85 * 2]
  call sp1
  call hex16
  mov ax, [es:88 * 2]
  call sp1
  call hex16
  pop es
  call regs
  PUTS "set features wc on"
  OUT8 1, 0x02
  mov al, 0xEF
  call command
  call wait_idle
  call regs

  ; power management and the rest of the non-data commands
  PUTS "check power mode"
  OUT8 2, 0
  mov al, 0xE5
  call command
  call wait_idle
  call regs
  PUTS "idle immediate"
  mov al, 0xE1
  call command
  call wait_idle
  call regs
  PUTS "standby"
  OUT8 2, 0
  mov al, 0xE2
  call command
  call wait_idle
  call regs
  PUTS "read native max"
  OUT8 6, 0x40
  mov al, 0xF8
  call command
  call wait_idle
  call regs
  PUTS "read native max ext"
  OUT8 6, 0x40
  mov al, 0x27
  call command
  call wait_idle
  call regs
  PUTS "hob"
  OUT8 0x206, 0x80
  call regs
  OUT8 0x206, 0x00
  PUTS "read verify lba 3x5"
  mov eax, 3
  mov cl, 5
  call set_lba28
  mov al, 0x40
  call command
  call wait_idle
  call regs
  PUTS "flush cache"
  mov al, 0xE7
  call command
  call wait_idle
  call regs
  PUTS "flush cache ext"
  mov al, 0xEA
  call command
  call wait_idle
  call regs
  PUTS "seek"
  mov al, 0x70
  call command
  call wait_idle
  call regs

  ; INITIALIZE DEVICE PARAMETERS 8 heads x 32 sectors; CHS reads then use that translation:
  ; C0 H0 S18 = LBA 17, C0 H1 S1 = LBA 32
  PUTS "init params 8x32"
  OUT8 2, 32
  OUT8 6, 0xA7
  mov al, 0x91
  call command
  call wait_idle
  call regs
  PUTS "chs read c0 h0 s18"
  OUT8 2, 1
  OUT8 3, 18
  OUT8 4, 0
  OUT8 5, 0
  OUT8 6, 0xA0
  mov al, 0x20
  call command
  mov cx, 256
  xor di, di
  call read_block
  call print_sum
  call regs
  PUTS "chs read c0 h1 s1"
  OUT8 2, 1
  OUT8 3, 1
  OUT8 4, 0
  OUT8 5, 0
  OUT8 6, 0xA1
  mov al, 0x20
  call command
  mov cx, 256
  xor di, di
  call read_block
  call print_sum
  call regs

  ; the absent slave: status reads 0, commands to it go nowhere
  PUTS "select slave"
  OUT8 6, 0xB0
  call regs
  PUTS "slave identify"
  mov al, 0xEC
  call command
  call regs
  OUT8 6, 0xA0

  ; software reset through SRST with nIEN: the signature comes back, error 01h
  PUTS "srst"
  OUT8 0x206, 0x06
  OUT8 0x206, 0x02
  call wait_idle
  call regs
  OUT8 0x206, 0x00
  PUTS "execute device diagnostic"
  mov al, 0x90
  call command
  call wait_idle
  call regs
  PUTS "data port idle"
  lea dx, [bx]
  in ax, dx
  call sp1
  call hex16
  call nl
  ret

; ---- bus-master DMA (PIIX IDE, 00:01.1) ----------------------------------------------------

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

; dma_run al = command, eax high = nothing; expects LBA/count set; waits for the BM interrupt bit
dma_run:
  push ax
  ; PRD table pointer, clear INT/ERR
  mov dx, [bmbase]
  add dx, 4
  mov eax, PRD_ADDR
  out dx, eax
  mov dx, [bmbase]
  add dx, 2
  mov al, 0x06
  out dx, al
  pop ax
  push ax
  call command
  pop ax
  ; direction: READ DMA (C8h/25h) writes memory
  mov ah, 0x01
  cmp al, 0xC8
  je .rd
  cmp al, 0x25
  jne .go
.rd:
  or ah, 0x08
.go:
  mov dx, [bmbase]
  mov al, ah
  out dx, al
  ; wait for INT or the engine going idle
  mov ecx, 0x2000000
.poll:
  mov dx, [bmbase]
  add dx, 2
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
  xor al, al
  out dx, al
  mov dx, [bmbase]
  add dx, 2
  in al, dx
  PUTS " bmst="
  call hex8
  ret

; prd addr, bytes (last entry)
%macro PRD 2
  mov dword [PRD_ADDR], %1
  mov dword [PRD_ADDR + 4], 0x80000000 | %2
%endmacro

dma_tests:
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
  ; I/O decoding and bus mastering on
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
  PUTS "bmdma regs"
  mov dx, [bmbase]
  in al, dx
  call sp1
  call hex8
  add dx, 2
  in al, dx
  call sp1
  call hex8
  call nl

  PUTS "read dma lba 16x2"
  call clear_buffer
  PRD 0x10000, 1024
  mov eax, 16
  mov cl, 2
  call set_lba28
  mov al, 0xC8
  call dma_run
  mov cx, 512
  call sum_buffer
  call print_sum
  call regs

  PUTS "read dma ext lba 18x3 two prds"
  call clear_buffer
  mov dword [PRD_ADDR], 0x10000
  mov dword [PRD_ADDR + 4], 1024
  mov dword [PRD_ADDR + 8], 0x10400
  mov dword [PRD_ADDR + 12], 0x80000000 | 512
  OUT8 2, 0
  OUT8 3, 0
  OUT8 4, 0
  OUT8 5, 0
  OUT8 2, 3
  OUT8 3, 18
  OUT8 4, 0
  OUT8 5, 0
  OUT8 6, 0x40
  mov al, 0x25
  call dma_run
  mov cx, 3 * 256
  call sum_buffer
  call print_sum
  call regs

  PUTS "write dma lba 400x2"
  push es
  mov ax, BUFSEG
  mov es, ax
  xor di, di
  mov cx, 512
  xor ax, ax
.f:
  push ax
  xor ax, 0x0F0F
  stosw
  pop ax
  inc ax
  loop .f
  pop es
  PRD 0x10000, 1024
  mov eax, 400
  mov cl, 2
  call set_lba28
  mov al, 0xCA
  call dma_run
  call regs
  PUTS "read back pio"
  mov eax, 400
  mov cl, 2
  call set_lba28
  mov al, 0x20
  call command
  mov cx, 256
  xor di, di
  call read_block
  mov cx, 256
  call read_block
  call print_sum
  call regs

  PUTS "read dma prd too short"
  call clear_buffer
  PRD 0x10000, 512
  mov eax, 16
  mov cl, 2
  call set_lba28
  mov al, 0xC8
  call dma_run
  call regs

  PUTS "read dma prd longer"
  call clear_buffer
  PRD 0x10000, 2048
  mov eax, 16
  mov cl, 1
  call set_lba28
  mov al, 0xC8
  call dma_run
  mov cx, 256
  call sum_buffer
  call print_sum
  call regs

  ; DATA SET MANAGEMENT / TRIM: one 512-byte block of ranges by DMA (QEMU's default discard=ignore
  ; leaves the data), then a list with a range past the end
  PUTS "trim lba 200x2"
  call clear_buffer
  mov ax, BUFSEG
  mov es, ax
  mov dword [es:0], 200
  mov dword [es:4], 0x00020000
  xor ax, ax
  mov es, ax
  PRD 0x10000, 512
  OUT8 1, 0x01
  mov eax, 0
  mov cl, 1
  call set_lba28
  mov al, 0x06
  call dma_run
  call regs
  PUTS "read back"
  mov eax, 200
  mov cl, 1
  call set_lba28
  mov al, 0x20
  call command
  mov cx, 256
  call read_block
  call print_sum
  call regs
  PUTS "trim past end"
  mov ax, BUFSEG
  mov es, ax
  mov dword [es:0], DISK_SECTORS - 1
  mov dword [es:4], 0x00020000
  xor ax, ax
  mov es, ax
  OUT8 1, 0x01
  mov eax, 0
  mov cl, 1
  call set_lba28
  mov al, 0x06
  call dma_run
  call regs

  PUTS "read dma past end"
  PRD 0x10000, 1024
  mov eax, DISK_SECTORS - 1
  mov cl, 2
  call set_lba28
  mov al, 0xC8
  call dma_run
  call regs
  ret

  times 512 * (1 + CODE_SECTORS) - ($ - $$) db 0

; ---- sectors 16-63: the pattern --------------------------------------------------------------
%assign lba 16
%rep 48
  %assign i 0
  %rep 256
    dw (lba * 0x101 + i) & 0xFFFF
    %assign i i + 1
  %endrep
  %assign lba lba + 1
%endrep
