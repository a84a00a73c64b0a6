; addressing: every 16- and 32-bit ModRM/SIB effective-address form through LEA, default segments (SS for BP/EBP/ESP bases), segment overrides with distinct bases
%include "lib/rom.inc"

RESULTS equ DATA_BASE + 0x1000

TEXT16
main:
  GO_PM32 pm

TEXT32
%macro SETREGS 0
  mov eax, 0x00000001
  mov ecx, 0x00000020
  mov edx, 0x00000300
  mov ebx, 0x00004000
  mov ebp, 0x00050000
  mov esi, 0x00600000
  mov edi, 0x07000000
%endmacro

; print N dwords from RESULTS, 8 per line
print_results:
  xor esi, esi
.l:
  test esi, 7
  jnz .same
  NL
  HEX16 si
  PUTS ":"
.same:
  PUTS " "
  HEX32 [RESULTS + esi * 4]
  inc esi
  cmp esi, ecx
  jb .l
  NL
  ret

pm:
  mov [V_SCRATCH + 0x40], esp
  mov esp, 0x00000000 + 0x6F00   ; a fixed ESP so ESP-based forms print the same on every run
  SETREGS
  ; 32-bit ModRM forms with reg field 0 (EAX destination): mod 0-2, rm 0-7 (rm 4 uses SIB 0x24 = [esp])
%assign n 0
%assign mod 0
%rep 3
%assign rm 0
%rep 8
  %if rm == 4
    db 0x8D, (mod << 6) | rm, 0x24
  %else
    db 0x8D, (mod << 6) | rm
  %endif
  %if mod == 0 && rm == 5
    dd 0x12345678
  %elif mod == 1
    db 0x80
  %elif mod == 2
    dd 0x87654321
  %endif
  mov [RESULTS + n * 4], eax
  SETREGS
%assign n n + 1
%assign rm rm + 1
%endrep
%assign mod mod + 1
%endrep
  mov esp, [V_SCRATCH + 0x40]
  PUTS "lea eax, [modrm mod 0..2 rm 0..7] (rm 4 with SIB 24h) with"
  PUTS " eax=1 ecx=20 edx=300 ebx=4000 esp=6f00 ebp=50000 esi=600000 edi=7000000"
  mov ecx, n
  call print_results

  ; every SIB byte with mod 0 (base 5 = disp32 only), mod 1 (disp8 -1), mod 2 (disp32 0x1000)
%assign mod 0
%rep 3
  mov [V_SCRATCH + 0x40], esp
  mov esp, 0x6F00
  SETREGS
%assign n 0
%assign sib 0
%rep 256
  db 0x8D, (mod << 6) | 4, sib
  %if mod == 0 && (sib & 7) == 5
    dd 0x00A00000
  %elif mod == 1
    db 0xFF
  %elif mod == 2
    dd 0x00001000
  %endif
  mov [RESULTS + n * 4], eax
  mov eax, 0x00000001
%assign n n + 1
%assign sib sib + 1
%endrep
  mov esp, [V_SCRATCH + 0x40]
  PUTS 10, "lea eax, [SIB 00..ff] mod "
  PUTS '0' + mod
  mov ecx, 256
  call print_results
%assign mod mod + 1
%endrep

  ; 16-bit addressing (67h): mod 0-2, rm 0-7; BX=4000 BP=0000 SI=0020 DI=0300 wrap at 64 KiB
%macro SETREGS16 0
  mov ebx, 0xFFFF4000
  mov ebp, 0xFFFFF000
  mov esi, 0xFFFF0020
  mov edi, 0xFFFF0300
%endmacro
  SETREGS16
%assign n 0
%assign mod 0
%rep 3
%assign rm 0
%rep 8
  db 0x67, 0x8D, (mod << 6) | rm
  %if mod == 0 && rm == 6
    dw 0x1234
  %elif mod == 1
    db 0x80
  %elif mod == 2
    dw 0xF000
  %endif
  mov [RESULTS + n * 4], eax
%assign n n + 1
%assign rm rm + 1
%endrep
%assign mod mod + 1
%endrep
  PUTS 10, "a16 lea eax, [modrm mod 0..2 rm 0..7] with bx=4000 bp=f000 si=0020 di=0300"
  mov ecx, n
  call print_results
  ; operand size 16 truncates a 32-bit address; operand size 32 zero-extends a 16-bit one
  mov ebx, 0x12345678
  mov eax, 0xFFFFFFFF
  lea ax, [ebx + 0x1111]
  PR eax
  mov eax, 0xFFFFFFFF
  a16 lea eax, [bx + 0xF000]
  PR eax
  NL

  ; default segments: DS base 0x10000 for [EBX], SS base 0 for [EBP]/[ESP]; overrides pick others
  SET_DESC SEL_FREE, 0x10000, 0xFFFFF, 0x92, 0xC
  SET_DESC SEL_FREE + 8, 0x20000, 0xFFFFF, 0x92, 0xC
  mov dword [0x3000], 0x0000AAAA          ; linear 0x3000 (seen through SS)
  mov dword [0x13000], 0x0001AAAA         ; linear 0x13000 (seen through DS base 0x10000)
  mov dword [0x23000], 0x0002AAAA         ; linear 0x23000 (ES/FS/GS base 0x20000)
  mov ax, SEL_FREE + 8
  mov es, ax
  mov fs, ax
  mov gs, ax
  mov ax, SEL_FREE
  mov ds, ax
  mov ebx, 0x3000
  mov ebp, 0x3000
  mov eax, [ebx]
  PR eax
  mov eax, [ebp]
  PR eax
  mov eax, [ebp + ebx * 1 - 0x3000]       ; base EBP: SS
  PR eax
  mov eax, [ebx + ebp * 1 - 0x3000]       ; base EBX, index EBP: DS
  PR eax
  mov eax, [es:ebx]
  PR eax
  mov eax, [ss:ebx]
  PR eax
  mov eax, [ds:ebp]
  PR eax
  mov eax, [fs:ebp]
  PR eax
  mov eax, [gs:ebx]
  PR eax
  mov eax, [cs:ebx]                       ; CS base 0 (readable code segment)
  PR eax
  NL
  a16 mov eax, [bp + di - 0x3000 + 0x3000]
  PR eax
  mov esi, 0x3000
  a16 mov eax, [si]
  PR eax
  a16 mov eax, [bp + si - 0x3000]
  PR eax
  NL
  mov ax, SEL_DATA32
  mov ds, ax
  mov es, ax
  mov fs, ax
  mov gs, ax
  ; moffs forms (A0-A3) use DS and a full-width offset
  mov dword [DATA_BASE + 0x10], 0x0BADF00D
  mov eax, 0
  mov eax, [DATA_BASE + 0x10]
  PR eax
  NL
  mov al, 0x77
  mov [DATA_BASE + 0x11], al
  MEMDUMP DATA_BASE + 0x10, 4
  ROM_EXIT
