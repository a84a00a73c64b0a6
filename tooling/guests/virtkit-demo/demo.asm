; virtkit demo guest: a small 32-bit protected-mode program booted as a multiboot v1 kernel.
; It prints a banner on COM1, finds a legacy virtio-blk device on PCI bus 0, reads the disk's first
; sector and prints its first line, then answers commands typed on the serial console:
;   help, info, disk, read, write TEXT, reboot, halt
; Build: ./build.sh (nasm -f bin); the committed demo.bin is rebuilt byte-identically.

bits 32
org 0x100000

MB_MAGIC        equ 0x1BADB002
MB_FLAGS        equ 0x00010002          ; bit 1: memory info wanted, bit 16: load addresses in the header
COM1            equ 0x3F8
PCI_ADDR        equ 0xCF8
PCI_DATA        equ 0xCFC
VIRTIO_VENDOR   equ 0x1AF4
VIRTIO_BLK_LEGACY equ 0x1001
; Legacy virtio-pci I/O registers (virtio 1.1 spec 4.1.4.8)
VIO_DEV_FEATURES equ 0x00
VIO_DRV_FEATURES equ 0x04
VIO_QUEUE_PFN   equ 0x08
VIO_QUEUE_SIZE  equ 0x0C
VIO_QUEUE_SEL   equ 0x0E
VIO_QUEUE_NOTIFY equ 0x10
VIO_STATUS      equ 0x12
VIO_ISR         equ 0x13
VIO_BLK_CAPACITY equ 0x14
RING            equ 0x200000            ; virtqueue memory (page aligned, 16 KiB)
REQ_HDR         equ 0x210000            ; struct virtio_blk_req header (16 bytes)
SECTOR_BUF      equ 0x210200            ; 512-byte data buffer
REQ_STATUS      equ 0x210400            ; status byte
LINE            equ 0x211000            ; input line buffer
LINE_MAX        equ 200
IO_BAR_DEFAULT  equ 0xC000

multiboot_header:
        dd MB_MAGIC
        dd MB_FLAGS
        dd -(MB_MAGIC + MB_FLAGS)
        dd multiboot_header             ; header_addr
        dd 0x100000                     ; load_addr
        dd image_end                    ; load_end_addr
        dd bss_end                      ; bss_end_addr
        dd start                        ; entry_addr

gdt:    dq 0
        dq 0x00CF9A000000FFFF           ; 0x08: flat 32-bit code
        dq 0x00CF92000000FFFF           ; 0x10: flat 32-bit data
gdt_ptr: dw gdt_ptr - gdt - 1
        dd gdt

start:
        cli
        mov [mb_info], ebx
        mov [mb_magic], eax
        lgdt [gdt_ptr]
        jmp 0x08:.reload
.reload:
        mov ax, 0x10
        mov ds, ax
        mov es, ax
        mov ss, ax
        mov fs, ax
        mov gs, ax
        mov esp, stack_top
        call serial_init
        mov esi, msg_banner
        call puts
        cmp dword [mb_magic], 0x2BADB002
        je .mb_ok
        mov esi, msg_no_multiboot
        call puts
.mb_ok:
        call print_memory
        call virtio_find
        jc .no_disk
        call virtio_init
        jc .no_disk
        mov byte [have_disk], 1
        mov esi, msg_disk_found
        call puts
        mov eax, [capacity]
        call print_dec
        mov esi, msg_sectors
        call puts
        xor eax, eax
        call disk_read
        jc .read_failed
        mov esi, msg_label
        call puts
        call print_sector_line
        jmp .shell
.read_failed:
        mov esi, msg_read_failed
        call puts
        jmp .shell
.no_disk:
        mov byte [have_disk], 0
        mov esi, msg_no_disk
        call puts
.shell:
        mov esi, msg_ready
        call puts
.prompt:
        mov esi, msg_prompt
        call puts
        call read_line
        call run_command
        jmp .prompt

; ---------------------------------------------------------------- commands
run_command:
        mov esi, LINE
        cmp byte [esi], 0
        je .done
        mov edi, cmd_help
        call str_eq
        je cmd_do_help
        mov edi, cmd_info
        call str_eq
        je cmd_do_info
        mov edi, cmd_disk
        call str_eq
        je cmd_do_disk
        mov edi, cmd_read
        call str_eq
        je cmd_do_read
        mov edi, cmd_write
        call str_prefix
        je cmd_do_write
        mov edi, cmd_reboot
        call str_eq
        je cmd_do_reboot
        mov edi, cmd_halt
        call str_eq
        je cmd_do_halt
        mov esi, msg_unknown
        call puts
        mov esi, LINE
        call puts
        mov esi, msg_try_help
        call puts
.done:
        ret

cmd_do_help:
        mov esi, msg_help
        jmp puts

cmd_do_info:
        mov esi, msg_cpu
        call puts
        mov eax, 0x80000000
        cpuid
        cmp eax, 0x80000004
        jb .vendor
        mov edi, brand
        mov eax, 0x80000002
        call .leaf
        mov eax, 0x80000003
        call .leaf
        mov eax, 0x80000004
        call .leaf
        mov byte [edi], 0
        mov esi, brand
        call puts
        jmp .nl
.vendor:
        xor eax, eax
        cpuid
        mov [brand], ebx
        mov [brand + 4], edx
        mov [brand + 8], ecx
        mov byte [brand + 12], 0
        mov esi, brand
        call puts
.nl:
        mov al, 10
        call putc
        jmp print_memory
.leaf:
        cpuid
        mov [edi], eax
        mov [edi + 4], ebx
        mov [edi + 8], ecx
        mov [edi + 12], edx
        add edi, 16
        ret

cmd_do_disk:
        cmp byte [have_disk], 0
        je no_disk_msg
        xor eax, eax
        call disk_read
        jc io_error
        mov esi, msg_label
        call puts
        jmp print_sector_line

cmd_do_read:
        cmp byte [have_disk], 0
        je no_disk_msg
        mov eax, 1
        call disk_read
        jc io_error
        mov esi, msg_sector1
        call puts
        jmp print_sector_line

cmd_do_write:
        cmp byte [have_disk], 0
        je no_disk_msg
        ; sector 1 = the text after "write ", then a newline and zero fill
        mov edi, SECTOR_BUF
        mov ecx, 512
        xor al, al
        rep stosb
        mov esi, LINE + 6
        mov edi, SECTOR_BUF
.copy:
        lodsb
        test al, al
        jz .copied
        stosb
        cmp edi, SECTOR_BUF + 510
        jb .copy
.copied:
        mov byte [edi], 10
        mov eax, 1
        call disk_write
        jc io_error
        mov esi, msg_written
        jmp puts

cmd_do_reboot:
        mov esi, msg_rebooting
        call puts
        mov al, 0xFE                    ; i8042: pulse the reset line
        out 0x64, al
.wait:  hlt
        jmp .wait

cmd_do_halt:
        mov esi, msg_halted
        call puts
.stop:  cli
        hlt
        jmp .stop

no_disk_msg:
        mov esi, msg_no_disk
        jmp puts
io_error:
        mov esi, msg_read_failed
        jmp puts

; Prints SECTOR_BUF up to the first newline or NUL (at most 79 characters), then a newline.
print_sector_line:
        mov esi, SECTOR_BUF
        mov ecx, 79
.next:  lodsb
        test al, al
        jz .end
        cmp al, 10
        je .end
        cmp al, 32
        jb .dot
        cmp al, 126
        jbe .out
.dot:   mov al, '.'
.out:   call putc
        loop .next
.end:   mov al, 10
        jmp putc

print_memory:
        mov ebx, [mb_info]
        test ebx, ebx
        jz .none
        test dword [ebx], 1             ; flags bit 0: mem_lower/mem_upper valid
        jz .none
        mov esi, msg_memory
        call puts
        mov eax, [ebx + 8]              ; mem_upper (KiB above 1 MiB)
        add eax, 1024
        shr eax, 10
        call print_dec
        mov esi, msg_mib
        jmp puts
.none:  ret

; ---------------------------------------------------------------- virtio-blk (legacy interface)
; Finds 1AF4:1001 on bus 0; sets io_base (assigning BAR0 if firmware did not) and enables I/O + bus master.
; CF set when absent.
virtio_find:
        xor ebx, ebx                    ; device number
.dev:   mov eax, ebx
        shl eax, 11
        or eax, 0x80000000
        mov [pci_base], eax
        call pci_read                   ; reg 0: vendor/device
        cmp ax, VIRTIO_VENDOR
        jne .next
        shr eax, 16
        cmp ax, VIRTIO_BLK_LEGACY
        je .found
.next:  inc ebx
        cmp ebx, 32
        jb .dev
        stc
        ret
.found:
        mov eax, [pci_base]
        or eax, 0x10                    ; BAR0
        mov [pci_reg], eax
        call pci_read_reg
        test eax, eax
        jz .assign
        cmp eax, 1
        jne .have
.assign:
        mov eax, IO_BAR_DEFAULT
        call pci_write_reg
        call pci_read_reg
.have:  and eax, 0xFFFC
        mov [io_base], eax
        mov eax, [pci_base]
        or eax, 0x04                    ; command register
        mov [pci_reg], eax
        call pci_read_reg
        or eax, 0x05                    ; I/O space + bus master
        call pci_write_reg
        clc
        ret

pci_read:
        mov eax, [pci_base]
        mov [pci_reg], eax
pci_read_reg:
        mov dx, PCI_ADDR
        mov eax, [pci_reg]
        out dx, eax
        mov dx, PCI_DATA
        in eax, dx
        ret
pci_write_reg:
        push eax
        mov dx, PCI_ADDR
        mov eax, [pci_reg]
        out dx, eax
        pop eax
        mov dx, PCI_DATA
        out dx, eax
        ret

; Device initialisation (virtio 1.1 spec 3.1.1 and 4.1.5.1.3.1 for the legacy queue layout). CF on failure.
virtio_init:
        mov edx, [io_base]
        add edx, VIO_STATUS
        xor al, al
        out dx, al                      ; reset
        mov al, 1
        out dx, al                      ; ACKNOWLEDGE
        mov al, 3
        out dx, al                      ; DRIVER
        mov edx, [io_base]
        add edx, VIO_DRV_FEATURES
        xor eax, eax
        out dx, eax                     ; no optional features
        mov edx, [io_base]
        add edx, VIO_QUEUE_SEL
        xor ax, ax
        out dx, ax
        mov edx, [io_base]
        add edx, VIO_QUEUE_SIZE
        in ax, dx
        movzx eax, ax
        test eax, eax
        jz .fail
        cmp eax, 256
        ja .fail
        mov [qsize], eax
        ; zero 16 KiB of ring memory
        mov edi, RING
        mov ecx, 4096
        xor eax, eax
        rep stosd
        ; avail ring follows the descriptors; the used ring starts at the next 4 KiB boundary
        mov eax, [qsize]
        shl eax, 4
        add eax, RING
        mov [avail], eax
        mov ecx, [qsize]
        lea eax, [eax + ecx * 2 + 6 + 4095]
        and eax, 0xFFFFF000
        mov [used], eax
        mov edx, [io_base]
        add edx, VIO_QUEUE_PFN
        mov eax, RING >> 12
        out dx, eax
        mov edx, [io_base]
        add edx, VIO_STATUS
        mov al, 7                       ; DRIVER_OK
        out dx, al
        mov edx, [io_base]
        add edx, VIO_BLK_CAPACITY
        in eax, dx
        mov [capacity], eax
        clc
        ret
.fail:  stc
        ret

; eax = sector. disk_read: into SECTOR_BUF; disk_write: from SECTOR_BUF. CF on error.
disk_read:
        mov dword [req_type], 0         ; VIRTIO_BLK_T_IN
        mov word [data_flags], 3        ; NEXT | WRITE (device writes the buffer)
        jmp disk_request
disk_write:
        mov dword [req_type], 1         ; VIRTIO_BLK_T_OUT
        mov word [data_flags], 1        ; NEXT
disk_request:
        mov edi, REQ_HDR
        mov ecx, [req_type]
        mov [edi], ecx
        mov dword [edi + 4], 0
        mov [edi + 8], eax
        mov dword [edi + 12], 0
        mov byte [REQ_STATUS], 0xFF
        ; three chained descriptors: header (read-only), data, status (device-writable)
        mov edi, RING
        mov dword [edi], REQ_HDR
        mov dword [edi + 4], 0
        mov dword [edi + 8], 16
        mov word [edi + 12], 1
        mov word [edi + 14], 1
        mov dword [edi + 16], SECTOR_BUF
        mov dword [edi + 20], 0
        mov dword [edi + 24], 512
        mov ax, [data_flags]
        mov [edi + 28], ax
        mov word [edi + 30], 2
        mov dword [edi + 32], REQ_STATUS
        mov dword [edi + 36], 0
        mov dword [edi + 40], 1
        mov word [edi + 44], 2
        mov word [edi + 46], 0
        ; publish head 0 in the available ring, then notify queue 0
        mov esi, [avail]
        movzx eax, word [esi + 2]
        xor edx, edx
        div dword [qsize]
        mov word [esi + 4 + edx * 2], 0
        inc word [esi + 2]
        mov ebx, [used]
        movzx ecx, word [ebx + 2]
        mov edx, [io_base]
        add edx, VIO_QUEUE_NOTIFY
        xor ax, ax
        out dx, ax
        ; The device answers when its host I/O is done, which takes host time, not guest instructions:
        ; a short bound turned a slow disk on a busy host into "I/O error" although the write landed.
        ; Wait as long as a driver would (about 4e9 polls) before calling the device dead.
        mov edi, 0xFFFFFFFF
.wait:  cmp cx, [ebx + 2]
        jne .done
        dec edi
        jnz .wait
        stc
        ret
.done:  mov edx, [io_base]
        add edx, VIO_ISR
        in al, dx                       ; reading ISR lowers the interrupt line
        cmp byte [REQ_STATUS], 0
        jne .err
        clc
        ret
.err:   stc
        ret

; ---------------------------------------------------------------- serial console (16550A, polled)
serial_init:
        mov dx, COM1 + 1
        xor al, al
        out dx, al                      ; IER: no interrupts
        mov dx, COM1 + 3
        mov al, 0x80
        out dx, al                      ; DLAB
        mov dx, COM1
        mov al, 1
        out dx, al                      ; divisor 1: 115200 baud
        mov dx, COM1 + 1
        xor al, al
        out dx, al
        mov dx, COM1 + 3
        mov al, 0x03
        out dx, al                      ; 8N1
        mov dx, COM1 + 2
        mov al, 0xC7
        out dx, al                      ; FIFOs on, cleared, 14-byte trigger
        mov dx, COM1 + 4
        mov al, 0x0B
        out dx, al                      ; DTR, RTS, OUT2
        ret

putc:
        push edx
        push eax
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 0x20
        jz .wait
        pop eax
        mov dx, COM1
        cmp al, 10
        jne .out
        mov al, 13
        out dx, al
        mov al, 10
.out:   out dx, al
        pop edx
        ret

getc:
        push edx
        mov dx, COM1 + 5
.wait:  in al, dx
        test al, 1
        jz .wait
        mov dx, COM1
        in al, dx
        pop edx
        ret

puts:
        lodsb
        test al, al
        jz .end
        call putc
        jmp puts
.end:   ret

; Reads a line into LINE with echo; backspace edits; Enter ends it.
read_line:
        mov edi, LINE
.next:  call getc
        cmp al, 13
        je .end
        cmp al, 10
        je .end
        cmp al, 8
        je .bs
        cmp al, 127
        je .bs
        cmp al, 32
        jb .next
        cmp edi, LINE + LINE_MAX
        jae .next
        stosb
        call putc
        jmp .next
.bs:    cmp edi, LINE
        je .next
        dec edi
        mov esi, msg_erase
        call puts
        jmp .next
.end:   mov byte [edi], 0
        mov al, 10
        jmp putc

; ZF set when the NUL-terminated strings at esi and edi are equal.
str_eq:
        push esi
        push edi
.loop:  mov al, [esi]
        cmp al, [edi]
        jne .done
        inc esi
        inc edi
        test al, al
        jnz .loop
.done:  pop edi
        pop esi
        ret

; ZF set when the string at esi starts with the one at edi.
str_prefix:
        push esi
        push edi
.loop:  mov al, [edi]
        test al, al
        jz .yes
        cmp al, [esi]
        jne .done
        inc esi
        inc edi
        jmp .loop
.yes:   xor al, al
.done:  pop edi
        pop esi
        ret

; Prints eax in decimal.
print_dec:
        push ebx
        push ecx
        push edx
        mov ebx, 10
        xor ecx, ecx
.div:   xor edx, edx
        div ebx
        push edx
        inc ecx
        test eax, eax
        jnz .div
.out:   pop eax
        add al, '0'
        call putc
        loop .out
        pop edx
        pop ecx
        pop ebx
        ret

msg_banner:     db "virtkit demo guest: 32-bit protected mode, booted by multiboot", 10, 0
msg_no_multiboot: db "warning: not started by a multiboot loader", 10, 0
msg_memory:     db "memory: ", 0
msg_mib:        db " MiB", 10, 0
msg_disk_found: db "virtio-blk: ", 0
msg_sectors:    db " sectors", 10, 0
msg_label:      db "disk says: ", 0
msg_sector1:    db "sector 1: ", 0
msg_read_failed: db "virtio-blk: I/O error", 10, 0
msg_no_disk:    db "no virtio-blk disk found", 10, 0
msg_ready:      db "ready; type 'help'", 10, 0
msg_prompt:     db "demo> ", 0
msg_unknown:    db "unknown command: ", 0
msg_try_help:   db 10, "try 'help'", 10, 0
msg_help:       db "commands: help, info, disk, read, write TEXT, reboot, halt", 10, 0
msg_cpu:        db "cpu: ", 0
msg_written:    db "written to sector 1", 10, 0
msg_rebooting:  db "rebooting", 10, 0
msg_halted:     db "halted", 10, 0
msg_erase:      db 8, " ", 8, 0
cmd_help:       db "help", 0
cmd_info:       db "info", 0
cmd_disk:       db "disk", 0
cmd_read:       db "read", 0
cmd_write:      db "write ", 0
cmd_reboot:     db "reboot", 0
cmd_halt:       db "halt", 0
image_end:

section .bss
bss_start:
mb_info:        resd 1
mb_magic:       resd 1
pci_base:       resd 1
pci_reg:        resd 1
io_base:        resd 1
qsize:          resd 1
avail:          resd 1
used:           resd 1
capacity:       resd 1
req_type:       resd 1
data_flags:     resw 1
have_disk:      resb 1
brand:          resb 64
                resb 4096
stack_top:
bss_end:
