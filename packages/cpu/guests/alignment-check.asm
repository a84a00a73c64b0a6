; alignment-check: #AC(0) for misaligned accesses at CPL 3 with CR0.AM=1 and EFLAGS.AC=1; none at CPL 0 or with either bit clear
; differs-qemu: QEMU TCG does not implement alignment checking (no #AC)
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  mov eax, cr0
  or eax, 0x40000                  ; AM
  mov cr0, eax
  pushfd
  or dword [esp], F_AC
  popfd
  PUTS "ring 0, AM=1 AC=1, misaligned dword: "
  EXPECT mov eax, [DATA_BASE + 1]
  GO_RING3 r3
r3:
  PUTS "ring 3, misaligned dword read: "
  EXPECT mov eax, [DATA_BASE + 1]
  PUTS "ring 3, misaligned word write: "
  EXPECT mov word [DATA_BASE + 3], 1
  PUTS "ring 3, aligned dword: "
  EXPECT mov eax, [DATA_BASE + 4]
  PUTS "ring 3, byte access at an odd address: "
  EXPECT mov al, [DATA_BASE + 1]
  PUTS "ring 3, misaligned push (esp odd): "
  mov ebx, esp
  dec esp
  TRY
  push eax
  ENDTRY
  mov esp, ebx
  pushfd
  and dword [esp], ~F_AC
  popfd
  PUTS "ring 3, AC=0: "
  EXPECT mov eax, [DATA_BASE + 1]
  GO_RING0 r0
r0:
  mov eax, cr0
  and eax, ~0x40000
  mov cr0, eax
  ROM_EXIT
