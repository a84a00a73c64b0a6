; pc-devices: every PC device through its registers, with interrupts delivered through the PIC
;
; Runs as -bios on "-M pc -m 32 -nodefaults -device isa-debug-exit -debugcon <chardev>
; -serial <chardev>"; prints only what is the same on any correct PC of that configuration
; (no times, no counter values), then exits through isa-debug-exit with 0x21 (status 0x43).
%include "lib/qrom.inc"

%define PIC1 0x20
%define PIC2 0xA0
%define COM1 0x3F8
%define GDT_ADDR 0x0800
%define FWCFG_BUF 0x2000
%define DMA_DESC 0x1F00
%define TICKS 0x0500
%define RAM_CODE_SEG 0x0300

main:
  PUTS "pc-devices", 10
  call unassigned
  call apic_extint
  call pic_init
  call pit_test
  call speaker_test
  call cmos_test
  call rtc_periodic
  call uart_test
  call kbc_test
  call misc_ports
  call fwcfg_test
  call pci_test
  call pam_test
  PUTS "done", 10
  EXIT 0x21

; ---------------------------------------------------------------------------------------------
; A local APIC (when CPUID reports one) powers up with LINT0 masked, so the 8259's INTR would not
; reach the CPU; like a BIOS does, enable the APIC in software (SVR bit 8) and make LINT0 ExtINT.
; (Needs the 4 GiB FS that `unassigned` sets up.)
apic_extint:
  mov eax, 1
  cpuid
  test edx, 1 << 9
  jz .none
  mov ebx, 0xFEE000F0
  mov eax, 0x1FF
  call RAM_CODE_SEG:8
  mov ebx, 0xFEE00350
  mov eax, 0x700
  call RAM_CODE_SEG:8
.none:
  ret

; ---------------------------------------------------------------------------------------------
unassigned:
  PUTS "unassigned port 3000: "
  mov dx, 0x3000
  in al, dx
  PUTHEX8 al
  PUTS " "
  in ax, dx
  PUTHEX16 ax
  PUTS " "
  in eax, dx
  PUTHEX32 eax
  PUTS 10
  ; big real mode: FS with a 4 GiB limit, to reach MMIO above 1 MiB
  mov di, GDT_ADDR
  mov dword [di], 0
  mov dword [di + 4], 0
  mov dword [di + 8], 0x0000FFFF
  mov dword [di + 12], 0x00CF9300
  mov word [di + 16], 15
  mov dword [di + 18], GDT_ADDR
  lgdt [di + 16]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp $ + 2
  mov bx, 8
  mov fs, bx
  and al, 0xFE
  mov cr0, eax
  jmp $ + 2
  xor bx, bx
  mov gs, bx
  ; MMIO accesses run from a RAM copy of `ram_code` (a BIOS shadows its code before such work:
  ; instructions that exit to the VMM for MMIO must be fetchable from RAM)
  push ds
  push es
  mov ax, cs
  mov ds, ax
  mov ax, RAM_CODE_SEG
  mov es, ax
  mov si, ram_code
  xor di, di
  mov cx, ram_code_end - ram_code
  rep movsb
  pop es
  pop ds
  PUTS "unassigned mmio e0000000: "
  mov ebx, 0xE0000000
  call RAM_CODE_SEG:0      ; eax = [fs:ebx]
  PUTHEX32 eax
  PUTS 10
  ret

; copied to RAM_CODE_SEG:0; entries: +0 load eax = [fs:ebx], +8 store [fs:ebx] = eax
ram_code:
  mov eax, [fs:ebx]
  retf
  times 8 - ($ - ram_code) nop
  mov [fs:ebx], eax
  retf
ram_code_end:

; ---------------------------------------------------------------------------------------------
pic_init:
  OUTB PIC1, 0x11          ; ICW1: edge, cascade, ICW4
  OUTB PIC1 + 1, 0x08      ; ICW2: vectors 08-0F
  OUTB PIC1 + 1, 0x04      ; ICW3: slave on IR2
  OUTB PIC1 + 1, 0x01      ; ICW4: 8086 mode
  OUTB PIC2, 0x11
  OUTB PIC2 + 1, 0x70
  OUTB PIC2 + 1, 0x02
  OUTB PIC2 + 1, 0x01
  OUTB PIC1 + 1, 0xFB      ; everything masked but the cascade
  OUTB PIC2 + 1, 0xFF
  PUTS "pic imr "
  INB PIC1 + 1
  PUTHEX8 al
  PUTS " "
  INB PIC2 + 1
  PUTHEX8 al
  OUTB PIC1, 0x0B          ; OCW3: read ISR
  INB PIC1
  PUTS " isr "
  PUTHEX8 al
  OUTB PIC1, 0x0A          ; back to IRR
  PUTS 10
  ret

; IRQ0 handler: count, EOI
irq0:
  push ax
  inc word [TICKS]
  mov al, 0x20
  out PIC1, al
  pop ax
  iret

pit_test:
  SETVEC 0x08, irq0
  mov word [TICKS], 0
  mov al, 0x34             ; counter 0, lobyte/hibyte, mode 2, binary
  out 0x43, al
  mov ax, 1193             ; ~1 ms
  out 0x40, al
  mov al, ah
  out 0x40, al
  mov al, 0xE2             ; read-back status of counter 0
  out 0x43, al
  in al, 0x40
  and al, 0x3F
  PUTS "pit status "
  PUTHEX8 al
  OUTB PIC1 + 1, 0xFA      ; unmask IRQ0
.wait:
  cli
  cmp word [TICKS], 5
  jae .done
  sti
  hlt
  jmp .wait
.done:
  OUTB PIC1 + 1, 0xFB
  PUTS " ticks>=5", 10
  ret

; counter 2 through port 61h: gate on, mode 0, small count; OUT2 rises when it expires
speaker_test:
  in al, 0x61
  and al, 0xFC
  out 0x61, al             ; gate 2 off
  mov al, 0xB0             ; counter 2, lobyte/hibyte, mode 0
  out 0x43, al
  mov al, 100
  out 0x42, al
  xor al, al
  out 0x42, al
  in al, 0x61
  PUTS "port61 out2 before gate "
  and al, 0x20
  PUTHEX8 al
  in al, 0x61
  or al, 1
  out 0x61, al             ; gate on: counting starts
  mov cx, 0
.poll:
  in al, 0x61
  test al, 0x20
  jnz .high
  loop .poll
  PUTS " never rose", 10
  ret
.high:
  PUTS " rose", 10
  in al, 0x61
  and al, 0xFC
  out 0x61, al
  ret

; ---------------------------------------------------------------------------------------------
cmos_read:                 ; al = index -> al = value
  out 0x70, al
  in al, 0x71
  ret

cmos_test:
  PUTS "cmos"
  mov si, cmos_indices
.next:
  mov al, [cs:si]
  cmp al, 0xFF
  je .done
  PUTS " "
  PUTHEX8 al
  PUTS "="
  call cmos_read
  PUTHEX8 al
  inc si
  jmp .next
.done:
  PUTS 10
  ret
cmos_indices: db 0x0A, 0x0B, 0x0D, 0x10, 0x12, 0x14, 0x15, 0x16, 0x17, 0x18, 0x30, 0x31, 0x34, 0x35, 0x38, 0x3D, 0x5B, 0x5C, 0x5D, 0x5F, 0xFF

irq8:
  push ax
  mov al, 0x0C
  out 0x70, al
  in al, 0x71              ; reading C acknowledges the RTC
  or [TICKS + 2], al
  inc word [TICKS]
  mov al, 0x20
  out PIC2, al
  out PIC1, al
  pop ax
  iret

rtc_periodic:
  SETVEC 0x70, irq8
  mov word [TICKS], 0
  mov word [TICKS + 2], 0
  mov al, 0x0C
  call cmos_read           ; clear pending flags
  mov al, 0x0B
  out 0x70, al
  in al, 0x71
  or al, 0x40              ; PIE
  mov ah, al
  mov al, 0x0B
  out 0x70, al
  mov al, ah
  out 0x71, al
  OUTB PIC2 + 1, 0xFE      ; unmask IRQ8
.wait:
  cli
  cmp word [TICKS], 3
  jae .done
  sti
  hlt
  jmp .wait
.done:
  OUTB PIC2 + 1, 0xFF
  mov al, 0x0B
  out 0x70, al
  in al, 0x71
  and al, 0xBF
  mov ah, al
  mov al, 0x0B
  out 0x70, al
  mov al, ah
  out 0x71, al
  PUTS "rtc periodic irqs>=3 regC "
  PUTHEX8 [TICKS + 2]
  PUTS 10
  ret

; ---------------------------------------------------------------------------------------------
irq4:
  push ax
  push dx
  mov dx, COM1 + 2
  in al, dx                ; IIR: THRE pending
  mov [TICKS + 2], al
  mov dx, COM1 + 1
  xor al, al
  out dx, al               ; IER = 0
  inc word [TICKS]
  mov al, 0x20
  out PIC1, al
  pop dx
  pop ax
  iret

uart_test:
  OUTB COM1 + 3, 0x80      ; DLAB
  OUTB COM1, 0x01          ; 115200
  OUTB COM1 + 1, 0x00
  PUTS "uart dll "
  INB COM1
  PUTHEX8 al
  PUTS " dlm "
  INB COM1 + 1
  PUTHEX8 al
  OUTB COM1 + 3, 0x03      ; 8N1
  PUTS " lcr "
  INB COM1 + 3
  PUTHEX8 al
  PUTS " iir "
  INB COM1 + 2
  PUTHEX8 al
  OUTB COM1 + 2, 0x07      ; FIFOs on, cleared
  PUTS " iir+fifo "
  INB COM1 + 2
  PUTHEX8 al
  PUTS " lsr "
  INB COM1 + 5
  PUTHEX8 al
  OUTB COM1 + 4, 0x1B      ; loopback, OUT2, RTS, DTR
  OUTB COM1, 'L'
  mov cx, 0
.rx:
  INB COM1 + 5
  test al, 1
  jnz .got
  loop .rx
.got:
  PUTS " loop "
  INB COM1
  PUTHEX8 al
  PUTS " msr "
  INB COM1 + 6
  PUTHEX8 al
  OUTB COM1 + 4, 0x0B      ; normal mode, OUT2
  PUTS 10
  mov si, serial_text
.tx:
  mov al, [cs:si]
  test al, al
  jz .txdone
  mov ah, al
.thre:
  INB COM1 + 5
  test al, 0x20
  jz .thre
  mov al, ah
  mov dx, COM1
  out dx, al
  inc si
  jmp .tx
.txdone:
  ; THRE interrupt through IRQ4
  SETVEC 0x0C, irq4
  mov word [TICKS], 0
  OUTB PIC1 + 1, 0xEB      ; unmask IRQ4
  OUTB COM1 + 1, 0x02      ; IER: THRE
.wait:
  cli                      ; test and halt with interrupts held off: STI's shadow covers HLT
  cmp word [TICKS], 1
  jae .irqdone
  sti
  hlt
  jmp .wait
.irqdone:
  cli
  OUTB PIC1 + 1, 0xFB
  PUTS "uart thre irq iir "
  PUTHEX8 [TICKS + 2]
  PUTS 10
  ret
serial_text: db "serial: hello from COM1", 13, 10, 0

; ---------------------------------------------------------------------------------------------
kbc_wait_out:              ; wait for OBF, then al = data
  in al, 0x64
  test al, 1
  jz kbc_wait_out
  in al, 0x60
  ret

kbc_test:
  PUTS "i8042 status "
  in al, 0x64
  PUTHEX8 al
  mov al, 0xAA
  out 0x64, al
  call kbc_wait_out
  PUTS " selftest "
  PUTHEX8 al
  mov al, 0xAB
  out 0x64, al
  call kbc_wait_out
  PUTS " kbdtest "
  PUTHEX8 al
  mov al, 0x20
  out 0x64, al
  call kbc_wait_out
  PUTS " mode "
  PUTHEX8 al
  mov al, 0xEE             ; keyboard echo
  out 0x60, al
  call kbc_wait_out
  PUTS " echo "
  PUTHEX8 al
  PUTS 10
  ret

; ---------------------------------------------------------------------------------------------
misc_ports:
  PUTS "port92 "
  in al, 0x92
  PUTHEX8 al
  mov al, 0x02
  out 0x92, al
  in al, 0x92
  PUTS " -> "
  PUTHEX8 al
  PUTS " port80 "
  mov al, 0x5A
  out 0x80, al
  in al, 0x80
  PUTHEX8 al
  PUTS " elcr "
  mov dx, 0x4D1
  mov al, 0x08
  out dx, al
  mov dx, 0x4D0
  in al, dx
  PUTHEX8 al
  mov dx, 0x4D1
  in al, dx
  PUTHEX8 al
  PUTS " debugcon readback "
  in al, 0xE9
  PUTHEX8 al
  PUTS 10
  ret

; ---------------------------------------------------------------------------------------------
fwcfg_select:              ; ax = key
  mov dx, 0x510
  out dx, ax
  ret

fwcfg_read32:              ; eax = next 4 data bytes, little-endian
  push cx
  push dx
  mov dx, 0x511
  mov cx, 4
.b:
  in al, dx
  ror eax, 8
  loop .b
  pop dx
  pop cx
  ret

fwcfg_test:
  PUTS "fwcfg sig "
  mov ax, 0
  call fwcfg_select
  call fwcfg_read32
  PUTHEX32 eax
  PUTS " id "
  mov ax, 1
  call fwcfg_select
  call fwcfg_read32
  PUTHEX32 eax
  PUTS " cpus "
  mov ax, 5
  call fwcfg_select
  mov dx, 0x511
  in al, dx
  PUTHEX8 al
  PUTS " ram "
  mov ax, 3
  call fwcfg_select
  call fwcfg_read32
  PUTHEX32 eax
  PUTS " dma sig "
  mov dx, 0x514
  in eax, dx
  PUTHEX32 eax
  mov dx, 0x518
  in eax, dx
  PUTHEX32 eax
  PUTS 10
  ; find "etc/boot-fail-wait" in the file directory (selector 0x19, big-endian fields)
  mov ax, 0x19
  call fwcfg_select
  call fwcfg_read32
  bswap eax
  mov cx, ax
.entry:
  jcxz .missing
  call fwcfg_read32        ; size (BE)
  bswap eax
  mov [FWCFG_BUF], eax
  call fwcfg_read32        ; select (BE16) + reserved
  xchg al, ah
  mov [FWCFG_BUF + 4], ax
  mov di, FWCFG_BUF + 8
  push cx
  mov cx, 56
  mov dx, 0x511
.name:
  in al, dx
  mov [di], al
  inc di
  loop .name
  pop cx
  mov si, fname
  mov di, FWCFG_BUF + 8
.cmp:
  mov al, [cs:si]
  cmp al, [di]
  jne .nope
  test al, al
  jz .found
  inc si
  inc di
  jmp .cmp
.nope:
  dec cx
  jmp .entry
.missing:
  PUTS "fwcfg boot-fail-wait missing", 10
  ret
.found:
  PUTS "fwcfg boot-fail-wait size "
  PUTHEX32 [FWCFG_BUF]
  ; DMA: select the file and read 4 bytes into RAM at FWCFG_BUF+0x80
  mov dword [FWCFG_BUF + 0x80], 0x11111111
  movzx eax, word [FWCFG_BUF + 4]
  shl eax, 16
  or eax, 0x0A             ; control = select | read
  bswap eax
  mov [DMA_DESC], eax
  mov eax, 4
  bswap eax
  mov [DMA_DESC + 4], eax  ; length
  mov dword [DMA_DESC + 8], 0
  mov eax, FWCFG_BUF + 0x80
  bswap eax
  mov [DMA_DESC + 12], eax ; address (BE64 low half)
  xor eax, eax
  mov dx, 0x514
  out dx, eax              ; address high
  mov eax, DMA_DESC
  bswap eax
  mov dx, 0x518
  out dx, eax              ; address low: starts the transfer
  PUTS " dma control "
  mov eax, [DMA_DESC]
  bswap eax
  PUTHEX32 eax
  PUTS " data "
  PUTHEX32 [FWCFG_BUF + 0x80]
  PUTS 10
  ret
fname: db "etc/boot-fail-wait", 0

; ---------------------------------------------------------------------------------------------
pci_read:                  ; eax = address -> eax = dword
  mov dx, 0xCF8
  out dx, eax
  mov dx, 0xCFC
  in eax, dx
  ret

pci_test:
  PUTS "pci 00.0 "
  mov eax, 0x80000000
  call pci_read
  PUTHEX32 eax
  mov eax, 0x80000008
  call pci_read
  PUTS " class "
  PUTHEX32 eax
  PUTS " 01.0 "
  mov eax, 0x80000800
  call pci_read
  PUTHEX32 eax
  mov eax, 0x8000080C
  call pci_read
  PUTS " hdr "
  PUTHEX32 eax
  PUTS " 02.0 "
  mov eax, 0x80001000
  call pci_read
  PUTHEX32 eax
  PUTS 10
  ; PIRQ routing registers of the PIIX3, byte access through CONFIG_DATA+n
  mov eax, 0x80000860
  mov dx, 0xCF8
  out dx, eax
  PUTS "piix3 pirq "
  mov dx, 0xCFC
  in eax, dx
  PUTHEX32 eax
  mov dx, 0xCFD
  mov al, 0x0B             ; PIRQB -> IRQ11
  out dx, al
  mov dx, 0xCFC
  in eax, dx
  PUTS " -> "
  PUTHEX32 eax
  PUTS " cf8 "
  mov dx, 0xCF8
  in eax, dx
  PUTHEX32 eax
  PUTS " rcr "
  mov dx, 0xCF9
  in al, dx
  PUTHEX8 al
  PUTS 10
  ret

; ---------------------------------------------------------------------------------------------
; PAM: segment E0000-E3FFF (PAM5 low nibble, config 0x5E of 00.0) through its four decodings
pam_write:                 ; al = PAM5 value
  push ax
  mov eax, 0x8000005C
  mov dx, 0xCF8
  out dx, eax
  pop ax
  mov dx, 0xCFE
  out dx, al
  ret

pam_test:
  ; the stores run from RAM: a store to a read-only range exits to the VMM
  mov ebx, 0xE1234
  PUTS "pam pci "
  call RAM_CODE_SEG:0
  PUTHEX8 al
  mov al, 0x03             ; read/write DRAM
  call pam_write
  mov eax, 0x77
  call RAM_CODE_SEG:8
  PUTS " ram "
  call RAM_CODE_SEG:0
  PUTHEX8 al
  mov al, 0x01             ; read DRAM, writes to PCI
  call pam_write
  mov eax, 0x88
  call RAM_CODE_SEG:8
  PUTS " ro "
  call RAM_CODE_SEG:0
  PUTHEX8 al
  mov al, 0x00
  call pam_write
  PUTS " pci "
  call RAM_CODE_SEG:0
  PUTHEX8 al
  mov al, 0x03
  call pam_write
  PUTS " ram "
  call RAM_CODE_SEG:0
  PUTHEX8 al
  PUTS 10
  ret

  times 0xFFF0 - ($ - $$) db 0xFF
reset_vector:
  jmp ROM_SEG:rom_start
  times 0x10000 - ($ - $$) db 0xFF
