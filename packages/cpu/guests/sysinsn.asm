; sysinsn: SGDT/SIDT/SLDT/STR, LGDT with 16-bit operand size (24-bit base), LLDT with an LDT, LAR/LSL/VERR/VERW on many descriptor types, ARPL, SMSW/LMSW, CLTS, MOV to/from CR0/CR2/CR3/CR4 and DR7
%include "lib/rom.inc"

LDT_SEL equ SEL_FREE + 0x40      ; LDT descriptor -> LDT at DATA_BASE + 0x800

TEXT16
main:
  ; SMSW in real mode, LMSW cannot clear PE (tested in PM below)
  smsw ax
  and ax, 0x000F                 ; PE MP EM TS (ET/NE are model bits)
  PUTS "real smsw&f="
  HEX16 ax
  NL
  GO_PM32 pm

TEXT32
%macro LARLSL 1
  mov ax, %1
  PUTS "sel="
  HEX16 ax
  mov ebx, 0xEEEEEEEE
  mov ecx, 0xEEEEEEEE
  lar ebx, eax
  setz dl
  and ebx, ~0x000F0100             ; limit 19..16 are undefined (SDM Vol. 2 LAR: mask 00FxFF00h);
                                   ; the accessed bit is left out (see accessed-bit)
  lsl ecx, eax
  setz dh
  PUTS " lar zf="
  HEX8 dl
  PUTS " ar="
  HEX32 ebx
  PUTS " lsl zf="
  HEX8 dh
  PUTS " limit="
  HEX32 ecx
  verr ax
  setz dl
  verw ax
  setz dh
  PUTS " verr="
  HEX8 dl
  PUTS " verw="
  HEX8 dh
  NL
%endmacro

pm:
  sgdt [DATA_BASE]
  sidt [DATA_BASE + 8]
  PUTS "sgdt: "
  MEMDUMP DATA_BASE, 6
  PUTS "sidt: "
  MEMDUMP DATA_BASE + 8, 6
  ; LGDT with a 16-bit operand loads only 24 bits of the base
  mov word [DATA_BASE + 0x10], GDT_LIMIT
  mov dword [DATA_BASE + 0x12], 0xAB000000 | GDT_BASE
  o16 lgdt [DATA_BASE + 0x10]
  sgdt [DATA_BASE + 0x20]
  PUTS "after o16 lgdt of base ab001000: "
  MEMDUMP DATA_BASE + 0x20, 6
  lgdt [cs:lib16_gdtr + ROM_LINEAR]
  ; descriptors of every kind for LAR/LSL/VERR/VERW
  SET_DESC SEL_FREE + 0x00, 0x1000, 0x12345, 0x92, 0x4   ; data rw, byte granular
  SET_DESC SEL_FREE + 0x08, 0, 0x00001, 0x90, 0xC        ; data read-only, page granular
  SET_DESC SEL_FREE + 0x10, 0, 0xFFFFF, 0x98, 0xC        ; code execute-only
  SET_DESC SEL_FREE + 0x18, 0, 0xFFFFF, 0x9E, 0xC        ; code conforming readable
  SET_DESC SEL_FREE + 0x20, 0, 0xFFFFF, 0xF2, 0xC        ; data DPL3
  SET_DESC SEL_FREE + 0x28, 0, 0xFFFFF, 0x12, 0xC        ; data not present
  SET_DESC SEL_FREE + 0x30, 0x3000, 0x67, 0x89, 0x0      ; 32-bit TSS available
  mov dword [GDT_BASE + SEL_FREE + 0x38], 0              ; call gate (LAR valid, LSL invalid)
  mov dword [GDT_BASE + SEL_FREE + 0x3C], 0x0000EC00
  SET_DESC LDT_SEL, DATA_BASE + 0x800, 0x0F, 0x82, 0x0   ; LDT with two entries
  LARLSL 0
  LARLSL SEL_CODE32
  LARLSL SEL_DATA32
  LARLSL SEL_FREE + 0x00
  LARLSL SEL_FREE + 0x08
  LARLSL SEL_FREE + 0x10
  LARLSL SEL_FREE + 0x18
  LARLSL SEL_FREE + 0x20
  LARLSL SEL_FREE + 0x28
  LARLSL SEL_FREE + 0x30
  LARLSL SEL_FREE + 0x38
  LARLSL SEL_TSS
  LARLSL LDT_SEL
  LARLSL SEL_FREE + 0x03                                 ; RPL 3 on a DPL 0 segment
  LARLSL 0x7F8                                           ; empty slot
  LARLSL 0x800                                           ; beyond the limit
  ; an LDT: LLDT, then a selector with TI=1
  mov dword [DATA_BASE + 0x808], 0x0000FFFF
  mov dword [DATA_BASE + 0x80C], 0x00CF9200 | 0x05      ; data, base 0x05000000? no: base 23..16 = 05
  mov ax, LDT_SEL
  lldt ax
  sldt bx
  PUTS "sldt="
  HEX16 bx
  mov ax, 0x000C                                         ; LDT entry 1, TI=1
  mov fs, ax
  PUTS " fs (ldt) loaded"
  NL
  LARLSL 0x000C
  LARLSL 0x0014                                          ; beyond the LDT limit
  xor eax, eax
  lldt ax
  mov fs, ax
  str ax
  PUTS "str="
  HEX16 ax
  NL
  ; ARPL: raise RPL of the destination to the source's
  mov ax, 0x0010
  mov bx, 0x0003
  arpl ax, bx
  setz cl
  PUTS "arpl 0010,0003 -> "
  HEX16 ax
  PUTS " zf="
  HEX8 cl
  mov ax, 0x0013
  mov bx, 0x0001
  arpl ax, bx
  setz cl
  PUTS ", arpl 0013,0001 -> "
  HEX16 ax
  PUTS " zf="
  HEX8 cl
  NL
  ; SMSW / LMSW / CLTS; LMSW cannot clear PE, and only loads PE MP EM TS
  mov ax, 0x000E                                         ; MP EM TS, PE=0
  lmsw ax
  smsw bx
  and bx, 0x000F
  PUTS "lmsw 000e -> msw&f="
  HEX16 bx
  clts
  smsw bx
  and bx, 0x000F
  PUTS " after clts="
  HEX16 bx
  mov eax, cr0
  and eax, ~0x6
  mov cr0, eax
  NL
  ; control registers: CR0 paging bits, CR2 is writable, CR3 low bits, CR4 bits of this model
  mov eax, 0x12345678
  mov cr2, eax
  mov ebx, cr2
  PUTS "cr2="
  HEX32 ebx
  mov eax, 0x00123018                                   ; PWT and PCD kept, base page-aligned
  mov cr3, eax
  mov ebx, cr3
  PUTS " cr3="
  HEX32 ebx
  mov eax, 0x0000001D                                   ; VME TSD DE PSE (all on a P6)
  mov cr4, eax
  mov ebx, cr4
  PUTS " cr4="
  HEX32 ebx
  xor eax, eax
  mov cr4, eax
  mov cr3, eax
  mov eax, 0x00000400 | 0x3                             ; L0 G0 (the rest 0)
  mov dr7, eax
  mov ebx, dr7
  and ebx, 0xFFFF2BFF                                   ; bit 10 is reserved-1 on every model
  PUTS " dr7&="
  HEX32 ebx
  xor eax, eax
  mov dr7, eax
  NL
  PUTS "mov cr1: "
  EXPECT db 0x0F, 0x20, 0xC8                             ; mov eax, cr1
  ROM_EXIT
