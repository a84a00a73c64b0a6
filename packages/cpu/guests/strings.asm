; strings: MOVS CMPS SCAS LODS STOS in b/w/d with REP/REPE/REPNE, DF 0 and 1, counts 0/1/N, a16 forms and a source override
; differs-qemu: QEMU TCG does not check segment limits, so the REP MOVSD that crosses the ES limit completes instead of raising #GP
%include "lib/rom.inc"

SRC equ DATA_BASE + 0x100
DST equ DATA_BASE + 0x200

TEXT16
main:
  GO_PM32 pm

TEXT32
; fill SRC with 00 11 22 ... and DST with a5 a5 ...; SRC+8 holds a zero and DST+5 matches SRC+5
init_buffers:
  pushad
  mov edi, SRC
  xor eax, eax
  mov ecx, 32
.s:
  stosb
  add al, 0x11
  loop .s
  mov byte [SRC + 8], 0
  mov edi, DST
  mov al, 0xA5
  mov ecx, 32
  rep stosb
  mov byte [DST + 5], 0x55
  popad
  ret

; STR esi_off, edi_off, ecx, eax, flags, instruction...
%macro STR 6+
  call init_buffers
  mov esi, SRC + %1
  mov edi, DST + %2
  mov ecx, %3
  mov eax, %4
  SETFLAGS %5
  %6
  PUTS %str(%6), ":"
  pushfd
  sub esi, SRC
  sub edi, DST
  popfd
  PR esi, edi, ecx, eax
  PFLAGS F_STATUS | F_DF
  MEMDUMP DST, 16
%endmacro

pm:
  SET_DESC SEL_FREE, DATA_BASE, 0xFFFF, 0x92, 0x4
  STR 0, 0, 5, 0, 0, movsb
  STR 0, 0, 5, 0, 0, movsw
  STR 0, 0, 5, 0, 0, movsd
  STR 0, 0, 5, 0, 0, rep movsb
  STR 0, 0, 3, 0, 0, rep movsd
  STR 0, 0, 0, 0, 0, rep movsb
  STR 7, 7, 4, 0, F_DF, rep movsb
  STR 8, 8, 2, 0, F_DF, rep movsw
  STR 0, 0, 6, 0x12345678, 0, rep stosb
  STR 0, 2, 3, 0x12345678, 0, rep stosw
  STR 0, 4, 2, 0x12345678, F_DF, rep stosd
  STR 3, 0, 0, 0xFFFFFFFF, 0, lodsb
  STR 3, 0, 4, 0xFFFFFFFF, 0, rep lodsw
  STR 12, 0, 2, 0, F_DF, rep lodsd
  ; CMPS: SRC 00 11 22 33 44 55 .. vs DST a5 a5 a5 a5 a5 55 ..
  STR 0, 0, 1, 0, 0, cmpsb
  STR 5, 5, 1, 0, 0, cmpsb
  STR 0, 0, 8, 0, 0, repne cmpsb
  STR 0, 0, 3, 0, 0, repne cmpsb
  STR 5, 5, 4, 0, 0, repe cmpsb
  STR 0, 0, 4, 0, 0, repe cmpsw
  STR 0, 0, 0, 0, F_ZF, repe cmpsb
  ; SCAS: search EAX in DST
  STR 0, 0, 10, 0x55, 0, repne scasb
  STR 0, 0, 3, 0x55, 0, repne scasb
  STR 0, 0, 10, 0xA5, 0, repe scasb
  STR 0, 0, 4, 0xA5A5, 0, repe scasw
  STR 0, 8, 4, 0xA5A5A5A5, F_DF, repe scasd
  STR 0, 0, 0, 0xA5, 0, repne scasb
  ; a source segment override (ES base = DS base here) and 16-bit addressing (SI/DI/CX)
  STR 0, 0, 3, 0, 0, es movsb
  STR 0, 0, 3, 0, 0, rep ss movsw
  ; a16: only SI DI CX are used and updated; the upper halves of ESI EDI ECX stay
  call init_buffers
  mov esi, 0xABCD0000 | (SRC & 0xFFFF)
  mov edi, 0x12340000 | (DST & 0xFFFF)
  mov ecx, 0x55550003
  push es
  push ds
  mov ax, SEL_FREE
  mov ds, ax
  mov es, ax
  a16 rep movsb
  pop ds
  pop es
  PUTS "a16 rep movsb (ds=es base 0x10000):"
  PR esi, edi, ecx
  NL
  MEMDUMP DST, 8
  ; REP MOVSD that faults in the middle: ECX/ESI/EDI show the progress at the #GP
  mov esi, SRC
  mov edi, 0xFFF8
  mov ecx, 4
  push es
  mov ax, SEL_FREE
  mov es, ax
  TRY
  rep movsd
  ENDTRY
  pop es
  PR esi, ecx
  PUTS " edi="
  HEX32 edi
  NL
  ROM_EXIT
