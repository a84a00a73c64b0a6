; exceptions: each exception class with its error code: #DB (single step, DR0 execute, DR1 write; ICEBP: see icebp), #BP, #OF, #UD forms, #NM, #NP, #SS, #GP causes, IDT limit and gate checks
%include "lib/rom.inc"

TEXT16
main:
  ; ARPL is not recognised in real mode: #UD
  EXPECT arpl ax, bx
  GO_PM32 pm

TEXT32
pm:
  PUTS "#DB single step (trap after the instruction):", 10
  pushfd
  or dword [esp], F_TF
  popfd
  mov eax, 1
  PUTS "#DB execution breakpoint DR0 (fault before the instruction):", 10
  mov eax, .bp_here
  mov dr0, eax
  mov eax, 0x00000001                       ; L0, RW0=00 execute, LEN0=00
  mov dr7, eax
  TRY
.bp_here:
  nop
  ENDTRY
  PUTS "#DB data write breakpoint DR1 (trap after the write):", 10
  mov eax, DATA_BASE + 0x40
  mov dr1, eax
  mov eax, 0x00D00004                       ; L1, RW1=01 write, LEN1=11 (4 bytes)
  mov dr7, eax
  mov dword [DATA_BASE + 0x40], 1
  mov eax, [DATA_BASE + 0x40]               ; a read does not trigger a write breakpoint
  mov byte [DATA_BASE + 0x42], 2            ; a byte inside the range does
  xor eax, eax
  mov dr7, eax
  PUTS "#BP from INT3 (CC) and INT 3 (CD 03), traps:", 10
  int3
  db 0xCD, 0x03
  PUTS "#OF from INTO with OF=1 (trap), none with OF=0:", 10
  mov al, 0x7F
  add al, 1
  into
  xor eax, eax
  into
  PUTS "#UD: UD2, 0F FF, MOV CS, LEA reg-reg, RSM (LOCK misuse: see lock-prefix):", 10
  EXPECT ud2
  EXPECT db 0x0F, 0xFF
  EXPECT db 0x8E, 0xC8                      ; mov cs, ax
  EXPECT db 0x8D, 0xC0                      ; lea eax, eax
  EXPECT db 0x0F, 0xAA                      ; rsm outside SMM
  PUTS "#NM: ESC with CR0.TS=1, WAIT with MP=1 TS=1, ESC with EM=1:", 10
  mov eax, cr0
  or eax, 0x8                               ; TS
  mov cr0, eax
  EXPECT fninit
  EXPECT fwait                              ; MP=0: WAIT ignores TS
  mov eax, cr0
  or eax, 0x2                               ; MP
  mov cr0, eax
  EXPECT fwait
  clts
  mov eax, cr0
  or eax, 0x4                               ; EM
  and eax, ~0x2
  mov cr0, eax
  EXPECT fld1
  mov eax, cr0
  and eax, ~0x4
  mov cr0, eax
  PUTS "#NP: loading a not-present data segment, far call to a not-present code segment:", 10
  SET_DESC SEL_FREE, 0, 0xFFFFF, 0x12, 0xC  ; data, P=0
  SET_DESC SEL_FREE + 8, 0, 0xFFFFF, 0x1A, 0xC ; code, P=0
  mov ax, SEL_FREE
  EXPECT mov ds, ax
  EXPECT call SEL_FREE + 8:0
  PUTS "#NP: INT through a not-present gate:", 10
  SET_GATE 0x40, SEL_CODE32, 0, 0x0E
  EXPECT int 0x40
  PUTS "#SS: loading a not-present stack segment:", 10
  SET_DESC SEL_FREE + 16, 0, 0xFFFFF, 0x12, 0xC
  mov ax, SEL_FREE + 16
  EXPECT mov ss, ax
  PUTS "#GP: execute-only segment into DS, bad SS and DS loads (access checks: see seg-access):", 10
  SET_DESC SEL_FREE + 24, 0, 0xFFFFF, 0x98, 0xC ; execute-only code
  mov ax, SEL_FREE + 24
  EXPECT mov ds, ax
  mov ax, SEL_DATA3                         ; DPL 3 data into SS at CPL 0
  EXPECT mov ss, ax
  mov ax, SEL_CODE32
  EXPECT mov ss, ax                         ; code segment into SS
  mov ax, SEL_TSS
  EXPECT mov ds, ax                         ; system descriptor into DS
  mov ax, 0x7F8
  EXPECT mov ds, ax                         ; last GDT slot: zero descriptor, not null selector
  mov ax, 0x800
  EXPECT mov ds, ax                         ; beyond the GDT limit
  mov ax, 0x0004
  EXPECT mov ds, ax                         ; TI=1 with an empty LDT (LDTR null)
  PUTS "#GP: INT n through a zero IDT entry and beyond the IDT limit:", 10
  EXPECT int 0x80
  lidt [cs:short_idt]
  EXPECT int 0x31
  lidt [cs:lib32_idtr]
  PUTS "#GP from ring 3: HLT, CLI (IOPL 0), MOV CR0, LGDT, IN from a denied port, INT to a DPL0 gate:", 10
  GO_RING3 r3
r3:
  EXPECT hlt
  EXPECT cli
  EXPECT mov eax, cr0
  EXPECT lgdt [DATA_BASE]
  EXPECT in al, 0x60
  EXPECT int 0x21
  EXPECT int3
  GO_RING0 back
back:
  ROM_EXIT

short_idt:
  dw 0x30 * 8 + 7                           ; vectors 0..0x30
  dd IDT_BASE
