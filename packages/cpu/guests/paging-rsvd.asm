; paging-rsvd: a reserved bit in a 4 MiB PDE (bit 21, above MAXPHYADDR 36 with PSE-36) gives #PF with P=1 and RSVD=1
; differs-qemu: QEMU TCG reports reserved-bit page faults of 32-bit paging without the P bit (error 8/0Ah instead of 9/0Bh)
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  PAGING_ON
  mov eax, cr4
  or eax, 0x10
  mov cr4, eax
  mov dword [PD_BASE + 3 * 4], 0x00200000 | 0x80 | 7
  mov eax, cr3
  mov cr3, eax
  PUTS "ring 0, 4 MiB PDE with reserved bit 21, read and write:", 10
  EXPECT mov eax, [0x00C00000]
  EXPECT mov dword [0x00C00000], 1
  ; the same page without the reserved bit works
  mov dword [PD_BASE + 3 * 4], 0x00000000 | 0x80 | 7
  invlpg [0x00C00000]
  PUTS "without it: "
  EXPECT mov eax, [0x00C00000]
  ROM_EXIT
