; movx-misc: MOVZX MOVSX CBW CWDE CWD CDQ LAHF SAHF XLAT CLC STC CMC CLD STD, MOV with immediates and NOP forms
%include "lib/rom.inc"
%include "lib/table.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
vals:
  dd 6
  ROW 0x0000007F, 0x12345678, 0, 0x11111111, 0
  ROW 0x00000080, 0x12345678, 0, 0x11111111, F_STATUS
  ROW 0x00007FFF, 0x12345678, 0, 0x11111111, F_CF
  ROW 0x00008000, 0x12345678, 0, 0x11111111, F_ZF | F_SF
  ROW 0x80000000, 0x12345678, 0, 0x11111111, F_PF | F_AF
  ROW 0xFFFFFFFF, 0x12345678, 0, 0x11111111, 0

pm:
  TABLE_TEST vals, R_AB, F_STATUS, movzx ebx, al
  TABLE_TEST vals, R_AB, F_STATUS, movsx ebx, al
  TABLE_TEST vals, R_AB, F_STATUS, movzx bx, al
  TABLE_TEST vals, R_AB, F_STATUS, movsx bx, al
  TABLE_TEST vals, R_AB, F_STATUS, movzx ebx, ax
  TABLE_TEST vals, R_AB, F_STATUS, movsx ebx, ax
  TABLE_TEST vals, R_EAX | R_EDX, F_STATUS, cbw
  TABLE_TEST vals, R_EAX | R_EDX, F_STATUS, cwde
  TABLE_TEST vals, R_EAX | R_EDX, F_STATUS, cwd
  TABLE_TEST vals, R_EAX | R_EDX, F_STATUS, cdq
  ; LAHF: AH = SF ZF 0 AF 0 PF 1 CF; SAHF loads SF ZF AF PF CF from AH (OF kept)
  TABLE_TEST vals, R_EAX, F_STATUS, lahf
  TABLE_TEST vals, R_EAX, F_STATUS, sahf
  TABLE_TEST vals, R_EAX, F_STATUS, cmc
  TABLE_TEST vals, R_EAX, F_STATUS, clc
  TABLE_TEST vals, R_EAX, F_STATUS, stc
  ; STD/CLD
  std
  PFLAGS F_DF
  cld
  PFLAGS F_DF
  ; XLAT: AL = [EBX + AL] (DS), also with a segment override
  mov edi, DATA_BASE
  xor eax, eax
.fill:
  mov [edi + eax], al
  not byte [edi + eax]
  inc eax
  cmp eax, 256
  jb .fill
  mov ebx, DATA_BASE
  mov eax, 0x12345603
  xlatb
  PR eax
  mov al, 0xFF
  xlatb
  PR eax
  mov al, 0x10
  es xlatb
  PR eax
  NL
  ; MOV immediates to memory with every operand size, and the C6/C7 forms
  mov byte [DATA_BASE + 0x200], 0x12
  mov word [DATA_BASE + 0x201], 0x3456
  mov dword [DATA_BASE + 0x203], 0x789ABCDE
  MEMDUMP DATA_BASE + 0x200, 8
  ; multi-byte NOP (0F 1F /0) and XCHG EAX,EAX (90) change nothing
  SETFLAGS F_CF
  mov eax, 0x55
  db 0x0F, 0x1F, 0x00           ; nop dword [eax] (no memory access)
  db 0x66, 0x90                 ; o16 nop
  nop
  PR eax
  PFLAGS
  ROM_EXIT
