; linux-bzimage: a kernel image with the Linux boot protocol 2.10 header and a 32-bit payload
;
; Boot with -kernel linux-bzimage.bin [-append ARGS] [-initrd FILE]. The payload at 0x100000 is
; entered through the 32-bit boot protocol (Documentation/arch/x86/boot.rst): it prints ESI (the
; zero page), the registers and segments the protocol fixes, the loader's header fields
; (type_of_loader, loadflags, heap_end_ptr, cmd_line_ptr and the command line, the initrd), the
; E820 table in the zero page, and exits through isa-debug-exit with 0x2C (status 0x59).
; A loader that runs the real-mode setup code instead (SeaBIOS's linuxboot) gets a message and
; status 0xFD.
bits 16
section .text start=0 vstart=0
  times 0x1f1 db 0
  db 1                          ; 0x1f1 setup_sects
  dw 0                          ; 0x1f2 root_flags
  dd (pm_end - pm_start + 15) / 16 ; 0x1f4 syssize
  dw 0                          ; 0x1f8 ram_size
  dw 0xffff                     ; 0x1fa vid_mode
  dw 0                          ; 0x1fc root_dev
  dw 0xaa55                     ; 0x1fe boot_flag
  jmp short setup_start         ; 0x200 jump (its offset byte ends the header)
  db "HdrS"                     ; 0x202
  dw 0x020a                     ; 0x206 version 2.10
  dd 0                          ; 0x208 realmode_swtch
  dw 0x1000                     ; 0x20c start_sys_seg
  dw 0                          ; 0x20e kernel_version
  db 0                          ; 0x210 type_of_loader
  db 0x01                       ; 0x211 loadflags: LOADED_HIGH
  dw 0x8000                     ; 0x212 setup_move_size
  dd 0x100000                   ; 0x214 code32_start
  dd 0                          ; 0x218 ramdisk_image
  dd 0                          ; 0x21c ramdisk_size
  dd 0                          ; 0x220 bootsect_kludge
  dw 0                          ; 0x224 heap_end_ptr
  db 0                          ; 0x226 ext_loader_ver
  db 0                          ; 0x227 ext_loader_type
  dd 0                          ; 0x228 cmd_line_ptr
  dd 0x37ffffff                 ; 0x22c initrd_addr_max
  dd 0x200000                   ; 0x230 kernel_alignment
  db 0                          ; 0x234 relocatable_kernel
  db 0                          ; 0x235 min_alignment
  dw 0                          ; 0x236 xloadflags
  dd 255                        ; 0x238 cmdline_size
  dd 0                          ; 0x23c hardware_subarch
  dq 0                          ; 0x240 hardware_subarch_data
  dd 0                          ; 0x248 payload_offset
  dd 0                          ; 0x24c payload_length
  dq 0                          ; 0x250 setup_data
  dq 0x100000                   ; 0x258 pref_address
  dd 0x10000                    ; 0x260 init_size
  dd 0                          ; 0x264 handover_offset
setup_start:                    ; the real-mode entry (setup segment + 0x20 : 0)
  mov si, realmode_msg - 0x200
  mov dx, 0xE9
.next:
  cs lodsb
  test al, al
  jz .done
  out dx, al
  jmp .next
.done:
  mov dx, 0x501
  mov al, 0x7e
  out dx, al
  cli
  hlt
realmode_msg: db "entered through the real-mode setup code", 10, 0
  times 1024 - ($ - $$) db 0

bits 32
section pm follows=.text vstart=0x100000
pm_start:
  jmp entry32                   ; code32_start: the protocol enters here
%include "lib/pm32.inc"
entry32:
  mov [saved_esi], esi
  mov [saved_regs], ebx
  mov [saved_regs + 4], ebp
  mov [saved_regs + 8], edi
  mov esp, stack_top
  mov ebp, esi
  PUTS32 "linux 32-bit entry esi "
  PUTHEX32R [saved_esi]
  PUTS32 " ebx "
  PUTHEX32R [saved_regs]
  PUTS32 " ebp "
  PUTHEX32R [saved_regs + 4]
  PUTS32 " edi "
  PUTHEX32R [saved_regs + 8]
  PUTS32 10, "cs "
  xor eax, eax
  mov ax, cs
  PUTHEX32R eax
  PUTS32 " ds "
  mov ax, ds
  PUTHEX32R eax
  PUTS32 " ss "
  mov ax, ss
  PUTHEX32R eax
  PUTS32 " if "
  pushfd
  pop eax
  shr eax, 9
  and eax, 1
  PUTDEC32 eax
  PUTS32 " cr0.pe "
  mov eax, cr0
  and eax, 1
  PUTDEC32 eax
  PUTS32 10, "type_of_loader "
  movzx eax, byte [ebp + 0x210]
  PUTHEX32R eax
  PUTS32 " loadflags "
  movzx eax, byte [ebp + 0x211]
  PUTHEX32R eax
  PUTS32 " heap_end_ptr "
  movzx eax, word [ebp + 0x224]
  PUTHEX32R eax
  PUTS32 " version "
  movzx eax, word [ebp + 0x206]
  PUTHEX32R eax
  PUTS32 10, "cmd_line_ptr "
  PUTHEX32R [ebp + 0x228]
  PUTS32 " '"
  PUTSTR32 [ebp + 0x228]
  PUTS32 "'", 10, "initrd "
  mov ecx, [ebp + 0x21c]
  test ecx, ecx
  jz .noinitrd
  PUTS32 "size "
  PUTDEC32 ecx
  PUTS32 " page-aligned "
  mov eax, [ebp + 0x218]
  and eax, 0xFFF
  jz .al
  PUTS32 "no"
  jmp .al_done
.al:
  PUTS32 "yes"
.al_done:
  PUTS32 " below-max "
  mov eax, [ebp + 0x218]
  add eax, ecx
  cmp eax, 0x38000000
  jbe .below
  PUTS32 "no"
  jmp .below_done
.below:
  PUTS32 "yes"
.below_done:
  PUTS32 " starts '"
  mov esi, [ebp + 0x218]
  mov ecx, 12
  mov dx, 0xE9
.b:
  lodsb
  cmp al, 0x20
  jb .bd
  out dx, al
  loop .b
.bd:
  PUTS32 "'", 10
  jmp .e820
.noinitrd:
  PUTS32 "none", 10
.e820:
  PUTS32 "e820 entries "
  movzx ecx, byte [ebp + 0x1e8]
  PUTDEC32 ecx
  lea esi, [ebp + 0x2d0]
.entry:
  test ecx, ecx
  jz .done
  PUTS32 10, " "
  PUTHEX32R [esi + 4]
  PUTHEX32R [esi]
  PUTS32 " "
  PUTHEX32R [esi + 12]
  PUTHEX32R [esi + 8]
  PUTS32 " type "
  PUTDEC32 [esi + 16]
  add esi, 20
  dec ecx
  jmp .entry
.done:
  PUTS32 10
  EXIT32 0x2C

saved_esi: dd 0
saved_regs: dd 0, 0, 0
align 16
  times 1024 db 0
stack_top:
pm_end:
