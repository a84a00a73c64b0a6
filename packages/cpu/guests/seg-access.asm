; seg-access: checks made on each memory access in protected mode: null selector, write through a code segment, read of an execute-only code segment, write to a read-only data segment
; differs-qemu: QEMU TCG makes none of these per-access segment checks, so no #GP is raised
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  PUTS "null ES, read: "
  xor eax, eax
  mov es, ax                                ; loading a null selector into ES is allowed
  EXPECT mov eax, [es:0]
  PUTS "null ES, string store: "
  mov edi, DATA_BASE
  EXPECT stosb
  mov ax, SEL_DATA32
  mov es, ax
  PUTS "write through CS (readable code): "
  EXPECT mov dword [cs:DATA_BASE], 0
  PUTS "read through CS (readable code): "
  EXPECT mov eax, [cs:DATA_BASE]
  PUTS "read-only data segment, read then write: "
  SET_DESC SEL_FREE, 0, 0xFFFFF, 0x90, 0xC
  mov ax, SEL_FREE
  mov fs, ax
  EXPECT mov eax, [fs:DATA_BASE]
  EXPECT mov dword [fs:DATA_BASE], 0
  PUTS "execute-only code segment as CS, read through CS: "
  SET_DESC SEL_FREE + 8, 0, 0xFFFFF, 0x98, 0xC
  jmp SEL_FREE + 8:.xo
.xo:
  TRY
  mov eax, [cs:DATA_BASE]
  ENDTRY
  jmp SEL_CODE32:.back
.back:
  ROM_EXIT
