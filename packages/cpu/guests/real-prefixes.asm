; real-prefixes: real-mode 16-bit defaults with 66h/67h overrides, 32-bit registers, segment arithmetic, wrap of 16-bit offsets, far-pointer loads
%include "lib/rom.inc"

TEXT16
main:
  ; 16-bit default operand size; 66h makes it 32-bit
  mov eax, 0x12345678
  add ax, 0x1111
  PR eax
  add eax, 0x11110000
  PR eax
  NL
  ; segment:offset to linear: DS=0x1000 -> base 0x10000
  mov ax, 0x1000
  mov ds, ax
  mov dword [0x0010], 0xFEEDFACE
  xor ax, ax
  mov es, ax
  mov eax, [es:0xFFFC]
  mov ax, 0x0FFF
  mov es, ax
  mov eax, [es:0x0020]            ; 0FFF0h + 20h = linear 10010h
  PR eax
  NL
  ; 16-bit addressing wraps inside the segment: [bx+si] with BX+SI > FFFF
  mov ax, 0x1000
  mov ds, ax
  mov byte [0x0000], 0x5A
  mov bx, 0xFFFF
  mov si, 0x0001
  mov al, [bx + si]
  PUTS "wrap [bx+si]: "
  HEX8 al
  NL
  ; LEA with 66h and 67h
  mov ebx, 0x00012345
  mov ecx, 0x00000002
  lea eax, [ebx + ecx * 4 + 0x10]
  PR eax
  mov eax, 0xFFFFFFFF
  lea ax, [bx + si + 0x10]
  PR eax
  NL
  ; 66h on string ops and on push/pop
  xor ax, ax
  mov ds, ax
  mov es, ax
  mov si, 0x600
  mov di, 0x700
  mov dword [0x600], 0x11223344
  mov dword [0x604], 0x55667788
  mov cx, 2
  rep movsd
  MEMDUMP 0x700, 8
  PR esi, edi, ecx
  NL
  ; far pointers: LDS/LES/LFS/LGS/LSS load offset and segment
  mov word [0x610], 0x1234
  mov word [0x612], 0x5678
  lds bx, [0x610]
  mov ax, ds
  PUTS "lds: ds="
  HEX16 ax
  PUTS " bx="
  HEX16 bx
  xor ax, ax
  mov ds, ax
  mov dword [0x620], 0x9ABCDEF0
  mov word [0x624], 0x2000
  lfs ebx, [0x620]
  mov ax, fs
  PUTS " lfs: fs="
  HEX16 ax
  PR ebx
  NL
  ; CS-relative data, IP wrap is not exercised (code must stay inside the ROM)
  ROM_EXIT
