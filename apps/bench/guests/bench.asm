; bench.asm - the benchmark workloads as one 64 KiB PC BIOS image, so every runner (QEMU TCG,
; Bochs, v86, virtkit's CPU, virtkit's qemu-system on its kvm module, the host's /dev/kvm) executes
; exactly the same bytes. Build: guests/build.sh (NASM, flat binary; guests/bench.bin is committed).
;
; The host patches the parameter block at file offset 0 before a run (src/rom.ts): the workload
; number and its iteration count N. The CPU starts at F000:FFF0 (SDM Vol. 3A 9.1.4 "First
; Instruction Executed"), the ROM is mapped below 1 MiB and below 4 GiB by every PC model.
;
; Protocol on I/O ports, the same on every runner:
;   port 0xE9 (Bochs port_e9_hack, QEMU debugcon)  'S' just before the measured region,
;       'E' just after it, then the registers as "eax ecx edx ebx ebp esi edi\n" in hex
;   xchg bx, bx right after each marker: Bochs' magic breakpoint, which prints its tick count
;       (a NOP everywhere else); a third one after the register line
;   port 0x501 (QEMU isa-debug-exit): the run is over
;   then CLI; HLT forever.
; The measured region is: the instructions after the 'S' OUT up to and including the 'E' OUT.
; Its length for each workload is given by WORKLOADS in src/rom.ts.

BITS 16
ROM_LINEAR      equ 0xF0000
TEXT32_OFF      equ 0x4000
PORT_DEBUGCON   equ 0xE9
PORT_DEBUG_EXIT equ 0x501
STACK_TOP       equ 0x7000
IDT_BASE        equ 0x800          ; 256 gates (0x800 bytes)
V_RESULT        equ 0x600          ; scratch dword
MMIO_ADDR       equ 0xD0000000     ; not RAM, not ROM, no device: every access is an MMIO exit under KVM

; workload numbers (src/rom.ts WORKLOAD_IDS)
W_EMPTY   equ 0
W_INTEGER equ 1
W_BRANCHY equ 2
W_MEMORY  equ 3
W_STRING  equ 4
W_PAGING  equ 5
W_X87     equ 6
W_PIO     equ 7
W_MMIO    equ 8

[section text16 start=0 vstart=0]
[section text32 start=TEXT32_OFF vstart=ROM_LINEAR+TEXT32_OFF]
[section resetvec start=0xFFF0 vstart=0xFFF0]
  jmp 0xF000:reset
  times 16 - ($ - $$) db 0

[section text16]
params:
  db "VKBENCH1"                   ; magic, checked by the host before patching
p_workload: dd 0                  ; file offset 8
p_n:        dd 0                  ; file offset 12

gdt:
  dq 0
  dq 0x00CF9B000000FFFF           ; 0x08: code, base 0, 4 GiB, 32-bit, execute/read
  dq 0x00CF93000000FFFF           ; 0x10: data, base 0, 4 GiB, read/write
gdt_end:
gdtr:
  dw gdt_end - gdt - 1
  dd ROM_LINEAR + gdt
idtr:
  dw 0x7FF
  dd IDT_BASE

reset:
  cli
  cld
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov ss, ax
  mov sp, STACK_TOP
  ; every runner starts from the same registers (EDX holds the CPU signature at reset)
  xor eax, eax
  xor ebx, ebx
  xor ecx, ecx
  xor edx, edx
  xor esi, esi
  xor edi, edi
  xor ebp, ebp
  fninit
  cmp dword [cs:p_workload], W_INTEGER
  jne to_pm32
  ; ---- integer loop: real mode, 32-bit operands (the same bytes as src/workloads.ts) --------
  ; count: 1 (mov) + 3N + 'E' OUT
  xor eax, eax
  mov al, 'S'
  out PORT_DEBUGCON, al
  xchg bx, bx
  mov ecx, [cs:p_n]
.l:
  add eax, ecx
  dec ecx
  jnz .l
  push eax
  mov al, 'E'
  out PORT_DEBUGCON, al
  pop eax
  ; (the POP is after the OUT: outside the region)
  xchg bx, bx
  ; fall through to 32-bit mode for the register line, keeping every register
to_pm32:
  push eax
  o32 lgdt [cs:gdtr]
  mov eax, cr0
  or al, 1
  mov cr0, eax
  jmp dword 0x08:pm32_entry

[section text32]
BITS 32
pm32_entry:
  mov ax, 0x10
  mov ds, ax
  mov es, ax
  mov fs, ax
  mov gs, ax
  mov ss, ax
  movzx esp, sp
  pop eax
  cmp dword [ROM_LINEAR + p_workload], W_INTEGER
  je finish
  mov ebx, [ROM_LINEAR + p_workload]
  cmp ebx, W_MMIO
  ja bad_workload
  jmp [dispatch + ebx * 4]

dispatch:
  dd w_empty, finish, w_branchy, w_memory, w_string, w_paging, w_x87, w_pio, w_mmio

bad_workload:
  mov al, '?'
  out PORT_DEBUGCON, al
  jmp exit

; 'S' marker: AL is clobbered; the workloads load their registers after it.
%macro START 0
  mov al, 'S'
  out PORT_DEBUGCON, al
  xchg bx, bx
%endmacro
; 'E' marker keeps EAX (the PUSH is inside the region, counted; the POP is after it).
%macro END 0
  push eax
  mov al, 'E'
  out PORT_DEBUGCON, al
  pop eax
  xchg bx, bx
  jmp finish
%endmacro

; ---- empty: only the markers (count: PUSH + 'E' MOV + OUT = 3) ----------------------------
w_empty:
  START
  END

; ---- branchy loop: a data-dependent branch every iteration ---------------------------------
; count: 3 + 6 ceil(N/2) + 5 floor(N/2) + 3
w_branchy:
  START
  mov ecx, [ROM_LINEAR + p_n]
  xor eax, eax
  xor ebx, ebx
.l:
  test cl, 1
  jz .even
  add eax, ecx
  jmp .next
.even:
  sub ebx, ecx
.next:
  dec ecx
  jnz .l
  END

; ---- memory loop: read an array, accumulate, write running sums (4 KiB each) ---------------
; count: 5 + 7N + 3
w_memory:
  mov edi, 0x100000
  xor eax, eax
.fill:
  mov [edi], eax
  add eax, 2654435761
  add edi, 4
  cmp edi, 0x101000
  jne .fill
  START
  mov esi, 0x100000
  mov edi, 0x110000
  mov ecx, [ROM_LINEAR + p_n]
  xor edx, edx
  xor ebx, ebx
.l:
  mov eax, [esi + edx * 4]
  add ebx, eax
  mov [edi + edx * 4], ebx
  inc edx
  and edx, 0x3FF
  dec ecx
  jnz .l
  END

; ---- string instructions: copy 64 KiB with REP MOVSD, fill 64 KiB with REP STOSD, N times --
; 128 KiB moved per iteration; count: 1 + N (7 + 2 REPs) + 3 where an emulator counts a REP
; as it retires it (virtkit: once per 4096 elements, Bochs: every iteration).
w_string:
  mov edi, 0x100000
  xor eax, eax
.fill:
  mov edx, eax
  xor edx, 0x5A5A5A5A
  mov [edi], edx
  inc eax
  add edi, 4
  cmp eax, 16384
  jne .fill
  mov eax, 0x12345678
  START
  mov eax, 0x12345678
  mov edx, [ROM_LINEAR + p_n]
.l:
  mov esi, 0x100000
  mov edi, 0x120000
  mov ecx, 16384
  rep movsd
  mov edi, 0x140000
  mov ecx, 16384
  rep stosd
  dec edx
  jnz .l
  END

; ---- paging: a CR3 reload (TLB flush) per pass, one read in each of 1024 pages ---------------
; The first pass finds the pages absent and the #PF handler maps them (demand paging).
; count: 1 + N (6 + 5 * 1024) + 1024 * 13 (the handler) + 3
w_paging:
  ; page directory at 0x10000, PT0 (identity 0-4 MiB) at 0x11000, PT1 (4-8 MiB, absent) at 0x12000
  xor eax, eax
  mov edi, 0x10000
  mov ecx, 3 * 1024
  rep stosd
  mov dword [0x10000], 0x11000 | 3
  mov dword [0x10004], 0x12000 | 3
  mov edi, 0x11000
  mov eax, 3
.pt0:
  mov [edi], eax
  add eax, 0x1000
  add edi, 4
  cmp edi, 0x12000
  jne .pt0
  ; data: dword i * 7 at the start of each page of 4-8 MiB
  mov edi, 0x400000
  xor eax, eax
.data:
  mov [edi], eax
  add eax, 7
  add edi, 0x1000
  cmp edi, 0x800000
  jne .data
  ; IDT: vector 14, 32-bit interrupt gate to the handler (SDM Vol. 3A 6.11)
  xor eax, eax
  mov edi, IDT_BASE
  mov ecx, 0x200
  rep stosd
  mov eax, pf_handler
  mov [IDT_BASE + 14 * 8], ax
  mov word [IDT_BASE + 14 * 8 + 2], 0x08
  mov word [IDT_BASE + 14 * 8 + 4], 0x8E00
  shr eax, 16
  mov [IDT_BASE + 14 * 8 + 6], ax
  lidt [ROM_LINEAR + idtr]
  mov eax, 0x10000
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  jmp .paged
.paged:
  xor ebx, ebx
  START
  mov ebp, [ROM_LINEAR + p_n]
.pass:
  mov eax, cr3
  mov cr3, eax
  mov esi, 0x400000
  mov ecx, 1024
.l:
  mov eax, [esi]
  add ebx, eax
  add esi, 4096
  dec ecx
  jnz .l
  dec ebp
  jnz .pass
  END

pf_handler:
  push eax
  push edx
  mov eax, cr2
  and eax, 0xFFFFF000
  mov edx, eax
  shr edx, 10
  and edx, 0xFFC
  or eax, 3
  mov [edx + 0x12000], eax
  pop edx
  pop eax
  add esp, 4                     ; the error code
  iret

; ---- x87: adds and multiplies on the register stack -------------------------------------
; count: 3 + 6N + 2 + 3
w_x87:
  START
  mov ecx, [ROM_LINEAR + p_n]
  fld1
  fldz
.l:
  fadd st0, st1
  fld st0
  fmul st0, st0
  fstp st0
  dec ecx
  jnz .l
  fistp dword [V_RESULT]         ; the sum (N)
  fstp st0
  push eax
  mov al, 'E'
  out PORT_DEBUGCON, al
  pop eax
  xchg bx, bx
  mov edx, [V_RESULT]
  jmp finish

; ---- port I/O: one OUT per iteration (one exit to user space under KVM) ---------------------
; count: 1 + 2N + 3
w_pio:
  START
  mov ecx, [ROM_LINEAR + p_n]
.l:
  out 0x80, al
  loop .l
  END

; ---- MMIO: one store to an address with no RAM behind it per iteration ----------------------
; count: 2 + 3N + 3
w_mmio:
  START
  mov ecx, [ROM_LINEAR + p_n]
  mov edi, MMIO_ADDR
.l:
  mov [edi], ecx
  dec ecx
  jnz .l
  END

; ---- after the region: the register line, then the exit ------------------------------------
finish:
  push edi
  push esi
  push ebp
  push ebx
  push edx
  push ecx
  push eax
  mov esi, 7
.reg:
  pop eax
  mov ecx, 8
.digit:
  rol eax, 4
  mov edx, eax
  and edx, 0xF
  push eax
  mov al, [hexdigits + edx]
  out PORT_DEBUGCON, al
  pop eax
  dec ecx
  jnz .digit
  dec esi
  jz .done
  mov al, ' '
  out PORT_DEBUGCON, al
  jmp .reg
.done:
  mov al, 10
  out PORT_DEBUGCON, al
  xchg bx, bx
exit:
  mov dx, PORT_DEBUG_EXIT
  xor al, al
  out dx, al
.halt:
  cli
  hlt
  jmp .halt

hexdigits: db "0123456789abcdef"
