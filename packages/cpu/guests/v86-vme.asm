; v86-vme: CR4.VME at IOPL 0 (CLI/STI/PUSHF/POPF/IRET work on VIF, INT n redirected through the V86 IVT by the TSS bitmap, 32-bit forms and TF still trap, VIP makes STI/POPF IF=1 #GP) and CR4.PVI at CPL 3
; differs-qemu: QEMU TCG does not implement CR4.VME (PUSHF at IOPL 0 in V86 mode still raises #GP)
%include "lib/rom.inc"

VEC_REDIR equ 0x40                       ; bitmap bit clear: redirected through the IVT at 0
VEC_IDT   equ 0x41                       ; bitmap bit set: the protected-mode rules (#GP at IOPL < 3)
; The 32-byte interrupt redirection bitmap lies just below the I/O map base (SDM Vol. 3A 20.3.3).
REDIR_MAP equ TSS_BASE + TSS_IOMAP - 32

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  mov word [VEC_REDIR * 4], v86_isr40
  mov word [VEC_REDIR * 4 + 2], ROM_SEG
  or byte [REDIR_MAP + (VEC_IDT >> 3)], 1 << (VEC_IDT & 7)
  mov eax, cr4
  or eax, 1                                ; VME
  mov cr4, eax
  PUTS "V86 with CR4.VME at IOPL 0", 10
  GO_V86 v86_vme, 0

TEXT16
v86_vme:
  pushf
  pop ax
  PUTS "pushf (IF shows VIF, IOPL shows 3): "
  HEX16 ax
  NL
  cli
  sti
  pushf
  pop ax
  PUTS "after sti: "
  HEX16 ax
  cli
  pushf
  pop ax
  PUTS " after cli: "
  HEX16 ax
  NL
  push word 0x0202
  popf
  pushf
  pop ax
  PUTS "popf 0202: "
  HEX16 ax
  push word 0x08C3
  popf
  pushf
  pop ax
  PUTS " popf 08c3: "
  HEX16 ax
  NL
  PUTS "popf with TF set: "
  push word 0x0102
  EXPECT popf
  pop ax
  PUTS "pushfd / popfd / iretd (32-bit forms): "
  EXPECT pushfd
  PUTS "  "
  EXPECT popfd
  PUTS "  "
  EXPECT iretd
  PUTS "INT 40h redirected through the V86 IVT (VIF=1 at the INT):", 10
  sti
  int VEC_REDIR
  pushf
  pop ax
  PUTS "  back, flags="
  HEX16 ax
  NL
  PUTS "INT 41h with its bitmap bit set: "
  EXPECT int VEC_IDT
  PUTS "INT3 is not redirected (DPL 0 gate): "
  EXPECT int3
  ESCAPE_ON_FAULT vip
  hlt

v86_isr40:
  pushf
  pop ax
  PUTS "  isr40: flags="
  HEX16 ax
  mov bp, sp
  PUTS " pushed flags="
  HEX16 [bp + 4]
  PUTS " return="
  HEX16 [bp + 2]
  PUTS ":"
  HEX16 [bp]
  NL
  iret

TEXT32
vip:
  PUTS "V86 with VIP set and VIF clear:", 10
  GO_V86 v86_vip, 0x100000                 ; VIP

TEXT16
v86_vip:
  PUTS "sti: "
  EXPECT sti
  PUTS "popf with IF=1: "
  push word 0x0202
  EXPECT popf
  pop ax
  push word 0x0002
  popf
  pushf
  pop ax
  PUTS "popf with IF=0 is allowed: "
  HEX16 ax
  NL
  ESCAPE_ON_FAULT pvi
  hlt

TEXT32
pvi:
  ; VIP survives the exception that left V86 mode: clear VIP and VIF with an IRETD at CPL 0
  pushfd
  and dword [esp], ~0x180000
  push cs
  push dword .flags_clear
  iretd
.flags_clear:
  mov eax, cr4
  and eax, ~1
  or eax, 2                                ; PVI, no VME
  mov cr4, eax
  PUTS "CPL 3 with CR4.PVI at IOPL 0:", 10
  GO_RING3 r3pvi
r3pvi:
  cli
  pushfd
  pop eax
  PUTS "after cli: eflags="
  HEX32 eax
  sti
  pushfd
  pop eax
  PUTS " after sti: eflags="
  HEX32 eax
  NL
  PUTS "popfd does not touch VIF or IF: "
  push dword 0x202
  popfd
  pushfd
  pop eax
  HEX32 eax
  NL
  GO_RING0 nopvi
nopvi:
  ; VIP survives the exception that left V86 mode: clear VIP and VIF with an IRETD at CPL 0
  pushfd
  and dword [esp], ~0x180000
  push cs
  push dword .flags_clear
  iretd
.flags_clear:
  mov eax, cr4
  and eax, ~2
  mov cr4, eax
  GO_RING3 r3plain
r3plain:
  PUTS "CPL 3 without PVI: cli "
  EXPECT cli
  PUTS "  sti "
  EXPECT sti
  GO_RING0 done
done:
  ROM_EXIT
