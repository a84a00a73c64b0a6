; x87-basics: FNINIT state, constants, integer/real loads and stores, + - * / sqrt, compares into FNSTSW/SAHF, masked #Z #I results, stack overflow, unmasked #MF with CR0.NE
; differs-qemu: QEMU TCG does not detect x87 stack overflow (no IE/SF/C1 on the ninth push) and pops the stack on an unmasked zero-divide (TOP differs afterwards)
%include "lib/rom.inc"

M equ DATA_BASE + 0x100         ; scratch for stores

TEXT16
main:
  GO_PM32 pm

TEXT32
%macro ST_TWORD 1               ; pop ST0 as 80-bit and print it
  fstp tword [M]
  PUTS %1, "="
  call print_tword
%endmacro

print_tword:                    ; sign/exponent word then the 64-bit significand
  HEX16 [M + 8]
  PUTS ":"
  HEX32 [M + 4]
  HEX32 [M]
  NL
  ret

; SW: the whole status word (after compares, where C3 C2 C0 are defined). SWA: after arithmetic,
; where the SDM leaves C0 C2 C3 undefined (they print as 0).
%macro SW 0
  fnstsw ax
  PUTS " sw="
  HEX16 ax
%endmacro
%macro SWA 0
  fnstsw ax
  and ax, 0xBAFF
  PUTS " sw&baff="
  HEX16 ax
%endmacro

pm:
  mov eax, cr0
  and eax, ~0xC                 ; TS EM off
  or eax, 0x22                  ; MP, NE (native #MF)
  mov cr0, eax
  fninit
  fnstcw [M]
  fnstsw ax
  PUTS "after fninit: cw="
  HEX16 [M]
  PUTS " sw="
  HEX16 ax
  fnstenv [M + 0x20]
  PUTS " tag="
  HEX16 [M + 0x28]
  NL
  fld1
  ST_TWORD "1"
  fldz
  ST_TWORD "0"
  fldpi
  ST_TWORD "pi"
  fldl2e
  ST_TWORD "log2(e)"
  fldl2t
  ST_TWORD "log2(10)"
  fldlg2
  ST_TWORD "log10(2)"
  fldln2
  ST_TWORD "ln(2)"
  ; integer and real conversions
  mov dword [M + 0x40], 12345
  fild dword [M + 0x40]
  mov dword [M + 0x44], -7
  fild dword [M + 0x44]
  fdivp st1, st0                ; 12345 / -7
  fst qword [M + 0x48]
  PUTS "12345/-7 as double="
  HEX32 [M + 0x4C]
  HEX32 [M + 0x48]
  fist dword [M + 0x50]
  PUTS " fist(nearest)="
  HEX32 [M + 0x50]
  fnstcw [M + 0x54]
  or word [M + 0x54], 0x0C00    ; round toward zero
  fldcw [M + 0x54]
  fistp dword [M + 0x50]
  PUTS " fistp(chop)="
  HEX32 [M + 0x50]
  NL
  fninit
  mov dword [M + 0x40], 2
  fild dword [M + 0x40]
  fsqrt
  fst dword [M + 0x58]
  PUTS "sqrt(2) float="
  HEX32 [M + 0x58]
  SWA
  NL
  ST_TWORD "sqrt(2)"
  ; 3 * 0.1 + 1
  mov dword [M + 0x40], 3
  fild dword [M + 0x40]
  mov dword [M + 0x60], 0x3DCCCCCD          ; 0.1f
  fmul dword [M + 0x60]
  fld1
  faddp st1, st0
  ST_TWORD "3*0.1f+1"
  ; compares: C3 C2 C0 after FCOM, then FNSTSW AX; SAHF; conditional jumps
  fld1
  fldz
  fcom st1                      ; 0 vs 1: less (C0)
  SW
  fnstsw ax
  sahf
  PFLAGS F_ZF | F_PF | F_CF
  fxch st1
  fcomp st1                     ; 1 vs 0: greater
  SW
  NL
  fcomp st0                     ; equal to itself (C3)
  SW
  NL
  fninit
  ; masked exceptions: 1/0 = +inf with ZE; 0/0 = default NaN with IE; sqrt(-1) = default NaN
  fld1
  fldz
  fdivp st1, st0
  SWA
  ST_TWORD " 1/0"
  fninit
  fldz
  fldz
  fdivp st1, st0
  SWA
  ST_TWORD " 0/0"
  fninit
  fld1
  fchs
  fsqrt
  SWA
  ST_TWORD " sqrt(-1)"
  ; stack overflow: a ninth push sets IE, SF and C1
  fninit
%rep 9
  fld1
%endrep
  SWA
  NL
  ; an unmasked zero-divide: the exception is reported as #MF at the next waiting instruction
  fninit
  fnstcw [M]
  and word [M], ~0x0004         ; unmask ZE
  fldcw [M]
  fld1
  fldz
  fdivp st1, st0                ; sets ZE and ES; no fault yet
  SWA
  PUTS " (pending)", 10
  EXPECT fwait
  fnclex
  SWA
  NL
  fninit
  ROM_EXIT
