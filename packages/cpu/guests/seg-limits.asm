; seg-limits: segment limit checks: real mode 64 KiB (#GP, #SS for SS), protected-mode expand-up/expand-down, byte/page granularity, stack #SS with error code, code-segment limit
; differs-qemu: QEMU TCG does not check segment limits (real or protected mode), so none of the limit faults here are raised
%include "lib/rom.inc"

TEXT16
main:
  ; real mode: a32 offsets above FFFFh fault: #GP for DS, #SS for SS-relative (SDM Vol. 3A 20.1.1)
  mov esi, 0x10000
  EXPECT mov al, [esi]
  mov ebp, 0x10000
  EXPECT mov al, [ebp]
  ; a word at offset FFFF straddles the limit
  mov bx, 0xFFFF
  EXPECT mov ax, [bx]
  mov esi, 0xFFFF
  EXPECT mov al, [esi]
  GO_PM32 pm

TEXT32
pm:
  ; expand-up, byte granular, limit 0xFFF: offsets 0..FFF valid
  SET_DESC SEL_FREE, DATA_BASE, 0xFFF, 0x92, 0x4
%macro LOAD_ES_FREE 0
  push eax
  mov ax, SEL_FREE
  mov es, ax
  pop eax
%endmacro
  LOAD_ES_FREE
  PUTS "expand-up limit fff: "
  EXPECT mov al, [es:0xFFF]
  EXPECT mov eax, [es:0xFFD]
  EXPECT mov al, [es:0x1000]
  ; page granular: limit 0 with G=1 covers 0..FFF
  SET_DESC SEL_FREE, DATA_BASE, 0, 0x92, 0xC
  LOAD_ES_FREE
  PUTS "page granular limit 0: "
  EXPECT mov al, [es:0xFFF]
  EXPECT mov al, [es:0x1000]
  ; expand-down (type 0x96): valid offsets are limit+1 .. FFFFFFFF (B=1)
  SET_DESC SEL_FREE, DATA_BASE, 0xFFF, 0x96, 0x4
  LOAD_ES_FREE
  PUTS "expand-down limit fff, B=1: "
  EXPECT mov al, [es:0xFFF]
  EXPECT mov al, [es:0x1000]
  EXPECT mov al, [es:0xFFFFFFFF]
  ; expand-down with B=0: upper bound FFFF
  SET_DESC SEL_FREE, DATA_BASE, 0xFFF, 0x96, 0x0
  LOAD_ES_FREE
  PUTS "expand-down limit fff, B=0: "
  EXPECT mov al, [es:0xFFFF]
  EXPECT mov al, [es:0x10000]
  mov ax, SEL_DATA32
  mov es, ax
  ; stack segment limit: a PUSH below an expand-down stack's limit raises #SS(0). The fault is taken
  ; in ring 3 so that the handler runs on the ring-0 stack from the TSS, not on the faulting one.
  SET_DESC SEL_FREE + 8, 0, 0x4EFF, 0xF6, 0x4   ; DPL3 expand-down, byte granular: 0x4F00..FFFFFFFF valid
  GO_RING3 r3
r3:
  PUTS "stack limit (third push faults): "
  ; arm the resume point before SS changes: TRY/ENDTRY address their variables through SS
  mov dword [ss:V_RESUME], .caught
  mov [ss:V_RESUME_CS], cs
  mov ax, SEL_FREE + 8 + 3
  mov ss, ax
  mov esp, 0x4F08
  push eax
  push eax
  push eax
.caught:
  mov ebx, esp
  mov ax, SEL_DATA3
  mov ss, ax
  mov esp, STACK3_TOP
  PUTS "esp at the fault="
  HEX32 ebx
  NL
  GO_RING0 r0
r0:
  ; V86 mode: the 64 KiB real-mode limits apply, a32 offsets above FFFFh are #GP(0)
  GO_V86 v86, F_IOPL3
TEXT16
v86:
  PUTS "v86 limit: "
  mov esi, 0x10000
  EXPECT mov al, [esi]
  GO_RING0 r0b
TEXT32
r0b:
  ; a near JMP beyond the CS limit raises #GP(0) at the JMP
  SET_DESC SEL_FREE + 16, 0, beyond - 1, 0x9A, 0x4
  PUTS "code limit: "
  jmp SEL_FREE + 16:.limited
.limited:
  TRY
  jmp beyond
  ENDTRY
  jmp SEL_CODE32:.back
.back:
  ROM_EXIT

beyond:
  PUTS "not reached", 10
  ROM_EXIT
