; paging-pae: PAE paging: 4 KiB and 2 MiB pages through 64-bit entries, A/D bits, the PDPTE registers (loaded by MOV CR3, not re-read on a TLB miss), MOV CR3 with a reserved PDPTE bit (#GP), reserved bits in PDEs and PTEs (bit 62, XD without EFER.NXE, 2 MiB PDE bit 13) giving #PF with RSVD, INVLPG of a global page
; differs-qemu: QEMU TCG re-reads PDPTEs from memory instead of keeping the registers MOV CR3 loaded, accepts reserved PDPTE bits, and reports reserved-bit faults without the P bit
%include "lib/rom.inc"

PDPT   equ 0x22000
PD0    equ 0x23000                 ; linear 0 - 1 GiB
PT0    equ 0x24000                 ; linear 0 - 2 MiB, 4 KiB pages
PD1    equ 0x25000                 ; linear 1 - 2 GiB, first version
PD1B   equ 0x26000                 ; linear 1 - 2 GiB, second version
PD2    equ 0x27000
MARK4  equ 0x00400000              ; physical 4 MiB and 6 MiB hold markers
MARK6  equ 0x00600000
L1G    equ 0x40000000

TEXT16
main:
  GO_PM32 pm

TEXT32
; PTE64 table, index, low, high
%macro PTE64 4
  mov dword [%1 + (%2) * 8], %3
  mov dword [%1 + (%2) * 8 + 4], %4
%endmacro

pm:
  mov dword [MARK4], 0x44444444
  mov dword [MARK6], 0x66666666
  mov edi, PDPT
  xor eax, eax
  mov ecx, (PD2 + 0x1000 - PDPT) / 4
  rep stosd
  PTE64 PDPT, 0, PD0 | 1, 0
  PTE64 PDPT, 1, PD1 | 1, 0
  PTE64 PD0, 0, PT0 | 3, 0
  PTE64 PD0, 1, 0x00200000 | 0x83, 0       ; 2 MiB page, identity
  PTE64 PD1, 0, MARK4 | 0x83, 0
  PTE64 PD1B, 0, MARK6 | 0x83, 0
  mov edi, PT0
  mov eax, 3
  mov ecx, 512
.pte:
  mov [edi], eax
  mov dword [edi + 4], 0
  add edi, 8
  add eax, 0x1000
  loop .pte
  mov eax, cr4
  or eax, 0x20                             ; PAE
  mov cr4, eax
  mov eax, PDPT
  mov cr3, eax
  mov eax, cr0
  or eax, 0x80000000
  mov cr0, eax
  PUTS "PAE on: [40000000]="
  HEX32 [L1G]
  mov dword [0x00200010], 1
  PUTS " 2 MiB PDE after a write: "
  HEX32 [PD0 + 8]
  PUTS " 4 KiB PTE after a read: "
  mov eax, [0x00005000]
  HEX32 [PT0 + 5 * 8]
  NL

  PUTS "PDPTE changed in memory, INVLPG: [40000000]="
  mov dword [PDPT + 8], PD1B | 1
  invlpg [L1G]
  HEX32 [L1G]
  mov eax, cr3
  mov cr3, eax
  PUTS " after MOV CR3: "
  HEX32 [L1G]
  NL

  PUTS "MOV CR3 with a reserved bit in a present PDPTE: "
  PTE64 PDPT, 2, PD2 | 0x81, 0
  mov eax, PDPT
  EXPECT mov cr3, eax
  PTE64 PDPT, 2, 0, 0
  PUTS "  still mapped: "
  HEX32 [L1G]
  NL

  PUTS "reserved bits:", 10
  PTE64 PT0, 0x1FF, 0x001FF003, 0x40000000 ; bit 62
  invlpg [0x001FF000]
  EXPECT mov eax, [0x001FF000]
  PTE64 PT0, 0x1FF, 0x001FF003, 0x80000000 ; bit 63 (XD) without EFER.NXE
  invlpg [0x001FF000]
  EXPECT mov dword [0x001FF004], 1
  PTE64 PT0, 0x1FF, 0x001FF003, 0
  PTE64 PD0, 1, 0x00200000 | 0x2083, 0     ; 2 MiB PDE with bit 13 set
  invlpg [0x00200000]
  EXPECT mov eax, [0x00200000]
  PTE64 PD0, 1, 0x00200000 | 0x83, 0x00000100 ; bit 40 (above MAXPHYADDR)
  invlpg [0x00200000]
  EXPECT mov eax, [0x00200000]
  PTE64 PD0, 1, 0x00200000 | 0x83, 0
  invlpg [0x00200000]

  PUTS "global page, INVLPG: "
  mov eax, cr4
  or eax, 0x80                             ; PGE
  mov cr4, eax
  PTE64 PT0, 0x1FE, 0x001FE103, 0          ; G=1
  mov dword [0x001FE000], 0x1FE1FE1F
  mov eax, [0x001FE000]
  PTE64 PT0, 0x1FE, MARK6 | 0x103, 0
  invlpg [0x001FE000]
  HEX32 [0x001FE000]
  NL
  mov eax, cr4
  and eax, ~0x80
  mov cr4, eax
  mov eax, cr0
  and eax, 0x7FFFFFFF
  mov cr0, eax
  mov eax, cr4
  and eax, ~0x20
  mov cr4, eax
  ROM_EXIT
