; v86: virtual-8086 mode entered by IRETD with VM=1: segment arithmetic, exceptions to the protected-mode handler, IOPL-sensitive instructions at IOPL 3 and 0, I/O bitmap, INT n
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  PUTS "entering V86 with IOPL 3", 10
  GO_V86 v86_iopl3, F_IOPL3

TEXT16
v86_iopl3:
  PUTS "v86: cs="
  HEX16 cs
  PUTS " ss="
  HEX16 ss
  PUTS " sp="
  HEX16 sp
  NL
  ; real-mode style addressing: DS=0x1000 -> base 0x10000
  mov ax, 0x1000
  mov ds, ax
  mov word [0x0020], 0xBEEF
  xor ax, ax
  mov ds, ax
  mov ax, [0x0020 + 0x10000 - 0x10000]
  PUTS "ds=0 [0020]="
  HEX16 ax
  mov ax, 0x1000
  mov es, ax
  PUTS " es=1000 [0020]="
  HEX16 [es:0x0020]
  NL
  ; 32-bit operands and registers work in V86 mode
  mov eax, 0x12345678
  add eax, 0x11111111
  PR eax
  NL
  ; IOPL 3: PUSHF/POPF/CLI/STI are allowed; PUSHF shows VM as 0 and IOPL 3
  pushf
  pop ax
  PUTS "pushf="
  HEX16 ax
  pushfd
  pop eax
  PUTS " pushfd="
  HEX32 eax
  NL
  cli
  PUTS "cli ok", 10
  ; an exception in V86 mode goes through the protected-mode IDT (32-bit gate, ring 0)
  mov ax, 1
  mov bl, 0
  EXPECT div bl
  ; INT n to a DPL0 gate from V86 is #GP(vector*8+2) (SDM Vol. 3A 20.3.1.1)
  EXPECT int 0x21
  ; INT3 through a DPL0 gate: #GP as well
  EXPECT int3
  ; privileged instructions are #GP(0) (CPL 3)
  EXPECT hlt
  EXPECT mov eax, cr0
  ; I/O through the TSS bitmap: 0xE9 allowed (this line prints), port 0x80 denied
  mov al, '>'
  out 0xE9, al
  PUTS " port e9 ok", 10
  EXPECT out 0x80, al
  ; back to ring 0 through INT 0x30 (a DPL3 interrupt gate; allowed at IOPL 3)
  GO_RING0 back1

TEXT32
back1:
  PUTS "back in ring 0: cs="
  HEX16 cs
  NL
  PUTS "entering V86 with IOPL 0", 10
  GO_V86 v86_iopl0, 0

TEXT16
v86_iopl0:
  ; IOPL < 3: CLI STI PUSHF POPF INT n IRET are #GP(0) (SDM Vol. 3A 20.2.7, no VME)
  EXPECT cli
  EXPECT sti
  EXPECT pushf
  EXPECT popf
  EXPECT int 0x30
  ; IN/OUT still follow the I/O bitmap only
  mov al, '>'
  out 0xE9, al
  PUTS " port e9 ok at IOPL 0", 10
  EXPECT in al, 0x60
  ; leave: the next fault continues in ring 0
  ESCAPE_ON_FAULT back2
  int 0x30

TEXT32
back2:
  PUTS "escaped from V86 by #GP: cs="
  HEX16 cs
  mov ax, ds
  PUTS " ds="
  HEX16 ax
  NL
  ROM_EXIT
