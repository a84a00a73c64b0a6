; tasks: hardware task switches by JMP, CALL through a task gate, INT through an IDT task gate, IRET with NT; busy bits and back links; #GP/#TS/#NP on bad switches; #DF handled by a task gate
%include "lib/rom.inc"

TSS2 equ SEL_FREE              ; TSS at TSS2_BASE
TSS3 equ SEL_FREE + 8          ; TSS at TSS3_BASE
GATE3 equ SEL_FREE + 16        ; task gate -> TSS3
TSSDF equ SEL_FREE + 24        ; double-fault task
TSSBAD equ SEL_FREE + 32       ; TSS descriptor with a limit below 67h
TSSNP equ SEL_FREE + 40        ; TSS descriptor not present
TSSDF_BASE equ TSS3_BASE + 0x100

TEXT16
main:
  GO_PM32 pm

TEXT32
; TSS_INIT base, eip, esp: a ring-0 flat task with interrupts off
%macro TSS_INIT 3
  mov edi, %1
  xor eax, eax
  mov ecx, 0x68 / 4
  rep stosd
  mov dword [%1 + 0x1C], 0                 ; CR3 (paging is off)
  mov dword [%1 + 0x20], %2                ; EIP
  mov dword [%1 + 0x24], 2                 ; EFLAGS
  mov dword [%1 + 0x38], %3                ; ESP
  mov dword [%1 + 0x48], SEL_DATA32        ; ES
  mov dword [%1 + 0x4C], SEL_CODE32        ; CS
  mov dword [%1 + 0x50], SEL_DATA32        ; SS
  mov dword [%1 + 0x54], SEL_DATA32        ; DS
  mov dword [%1 + 0x58], SEL_DATA32        ; FS
  mov dword [%1 + 0x5C], SEL_DATA32        ; GS
  mov word [%1 + 0x66], 0x68               ; no I/O bitmap
%endmacro

%macro SHOW_BUSY 0
  PUTS " busy: main="
  mov al, [GDT_BASE + SEL_TSS + 5]
  shr al, 1
  and al, 1
  HEX8 al
  PUTS " t2="
  mov al, [GDT_BASE + TSS2 + 5]
  shr al, 1
  and al, 1
  HEX8 al
  PUTS " t3="
  mov al, [GDT_BASE + TSS3 + 5]
  shr al, 1
  and al, 1
  HEX8 al
%endmacro

%macro SHOW_TASK 0
  str ax
  PUTS " tr="
  HEX16 ax
  pushfd
  pop eax
  shr eax, 14
  and al, 1
  PUTS " nt="
  HEX8 al
  SHOW_BUSY
  NL
%endmacro

pm:
  TSS_INIT TSS2_BASE, task2, 0x4800
  TSS_INIT TSS3_BASE, task3, 0x4A00
  TSS_INIT TSSDF_BASE, task_df, STACK_DF_TOP
  SET_DESC TSS2, TSS2_BASE, 0x67, 0x89, 0
  SET_DESC TSS3, TSS3_BASE, 0x67, 0x89, 0
  SET_DESC TSSDF, TSSDF_BASE, 0x67, 0x89, 0
  SET_DESC TSSBAD, TSS2_BASE, 0x40, 0x89, 0
  SET_DESC TSSNP, TSS2_BASE, 0x67, 0x09, 0
  mov dword [GDT_BASE + GATE3], TSS3 << 16
  mov dword [GDT_BASE + GATE3 + 4], 0x8500
  SET_GATE 0x44, TSS3, 0, 0x85
  mov eax, 0xAAAA0001
  mov ebx, 0xBBBB0001
  PUTS "main:"
  SHOW_TASK
  PUTS "jmp to TSS2", 10
  jmp TSS2:0
after_jmp:
  PUTS "main again:"
  SHOW_TASK
  PUTS "  main TSS saved eip="
  HEX32 [TSS_BASE + 0x20]
  PUTS " eax="
  HEX32 [TSS_BASE + 0x28]
  NL
  PUTS "call through the task gate to TSS3", 10
  call GATE3:0
  PUTS "returned by IRET:"
  SHOW_TASK
  PUTS "INT 44h through an IDT task gate", 10
  int 0x44
  PUTS "returned again:"
  SHOW_TASK
  PUTS "jmp to the busy main TSS: "
  EXPECT jmp SEL_TSS:0
  PUTS "jmp to a TSS with limit 40h: "
  EXPECT jmp TSSBAD:0
  PUTS "call to a not-present TSS: "
  EXPECT call TSSNP:0
  ; double fault: #GP while the #GP gate is not present -> #NP -> #DF through a task gate
  SET_GATE 8, TSSDF, 0, 0x85
  and byte [IDT_BASE + 13 * 8 + 5], 0x7F
  PUTS "raising #GP with the #GP gate not present", 10
  mov ax, 0x1230
  mov ds, ax
  PUTS "not reached", 10
  ROM_EXIT

task2:
  PUTS "task2:"
  SHOW_TASK
  PUTS "  link="
  HEX16 [TSS2_BASE]
  PUTS " eax="
  HEX32 eax
  PUTS " esp="
  HEX32 esp
  NL
  jmp SEL_TSS:0
  PUTS "task2 resumed?", 10
  ROM_EXIT

task3:
  PUTS "task3:"
  SHOW_TASK
  PUTS "  link="
  HEX16 [TSS3_BASE]
  NL
  iretd
  jmp task3

task_df:
  ; error code of #DF on this task's stack, the faulting task's state in its TSS
  pop eax
  PUTS "#DF task: error code="
  HEX32 eax
  SHOW_TASK
  PUTS "  link="
  HEX16 [TSSDF_BASE]
  PUTS " interrupted task eax="
  HEX32 [TSS_BASE + 0x28]
  PUTS " ds="
  HEX16 [TSS_BASE + 0x54]
  NL
  ROM_EXIT
