; multiboot-kernel: a Multiboot 0.6.96 kernel (a.out kludge) that prints what its loader handed over
;
; Boot with -kernel multiboot-kernel.bin [-append ARGS] [-initrd "FILE ARGS,FILE2"]: prints the
; magic in EAX, the information structure EBX points at (flags, command line, modules with their
; command lines and first bytes, boot loader name), the machine state the spec requires (CR0.PE,
; no paging, IF clear), then the memory fields and map under "memory:", and exits through
; isa-debug-exit with 0x2B (status 0x57).
bits 32
org 0x100000

MB_MAGIC equ 0x1BADB002
MB_FLAGS equ 0x00010003          ; page-align modules, memory info, a.out kludge addresses

mb_header:
  dd MB_MAGIC
  dd MB_FLAGS
  dd -(MB_MAGIC + MB_FLAGS)
  dd mb_header                   ; header_addr
  dd 0x100000                    ; load_addr
  dd load_end                    ; load_end_addr
  dd bss_end                     ; bss_end_addr
  dd start                       ; entry_addr

%include "lib/pm32.inc"

start:
  mov esp, stack_top
  mov ebp, ebx
  PUTS32 "multiboot magic "
  PUTHEX32R eax
  PUTS32 10, "flags "
  PUTHEX32R [ebp]
  PUTS32 10, "cmdline '"
  PUTSTR32 [ebp + 16]
  PUTS32 "'", 10, "boot loader '"
  PUTSTR32 [ebp + 64]
  PUTS32 "'", 10, "boot device "
  PUTHEX32R [ebp + 12]
  PUTS32 10, "mods "
  PUTDEC32 [ebp + 20]
  PUTS32 10
  mov ecx, [ebp + 20]
  mov ebx, [ebp + 24]
.mod:
  test ecx, ecx
  jz near .mods_done
  PUTS32 " mod size "
  mov eax, [ebx + 4]
  sub eax, [ebx]
  PUTDEC32 eax
  PUTS32 " page-aligned "
  mov eax, [ebx]
  and eax, 0xFFF
  jz .aligned
  PUTS32 "no"
  jmp .al_done
.aligned:
  PUTS32 "yes"
.al_done:
  PUTS32 " cmdline '"
  PUTSTR32 [ebx + 8]
  PUTS32 "' starts '"
  ; print up to 8 leading printable bytes of the module
  push ecx
  mov esi, [ebx]
  mov ecx, 8
  mov dx, 0xE9
.byte:
  mov al, [esi]
  cmp al, 0x20
  jb .bytes_done
  out dx, al
  inc esi
  loop .byte
.bytes_done:
  pop ecx
  PUTS32 "'", 10
  add ebx, 16
  dec ecx
  jmp .mod
.mods_done:
  PUTS32 "cr0 pe "
  mov eax, cr0
  and eax, 1
  PUTDEC32 eax
  PUTS32 " pg "
  mov eax, cr0
  shr eax, 31
  PUTDEC32 eax
  PUTS32 " if "
  pushfd
  pop eax
  shr eax, 9
  and eax, 1
  PUTDEC32 eax
  PUTS32 10, "memory:", 10, "mem_lower "
  PUTDEC32 [ebp + 4]
  PUTS32 " mem_upper "
  PUTDEC32 [ebp + 8]
  PUTS32 10, "mmap"
  mov esi, [ebp + 48]
  mov edi, esi
  add edi, [ebp + 44]
.mmap:
  cmp esi, edi
  jae .mmap_done
  PUTS32 10, " "
  PUTHEX32R [esi + 8]
  PUTHEX32R [esi + 4]
  PUTS32 " "
  PUTHEX32R [esi + 16]
  PUTHEX32R [esi + 12]
  PUTS32 " type "
  PUTDEC32 [esi + 20]
  mov eax, [esi]
  lea esi, [esi + eax + 4]
  jmp .mmap
.mmap_done:
  PUTS32 10
  EXIT32 0x2B

align 16
load_end:
stack_top equ load_end + 4096      ; in the bss the loader zeroes
bss_end equ stack_top
