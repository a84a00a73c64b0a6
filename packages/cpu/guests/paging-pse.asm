; paging-pse: 4 MiB pages with CR4.PSE (PDE.PS=1), mixed with 4 KiB tables; PS ignored when CR4.PSE=0
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  mov dword [0x00010000], 0xAAAA0000
  mov dword [0x00410000], 0xBBBB0000
  PAGING_ON
  mov eax, cr4
  or eax, 0x10                       ; CR4.PSE
  mov cr4, eax
  ; PDE 2 (linear 0x00800000-0x00BFFFFF) -> a 4 MiB page at physical 0
  mov dword [PD_BASE + 2 * 4], 0x00000000 | 0x80 | 7
  ; PDE 3 (linear 0x00C00000) -> 4 MiB page at physical 0x00400000
  mov dword [PD_BASE + 3 * 4], 0x00400000 | 0x80 | 7
  ; PDE 0x3FF (linear 0xFFC00000) -> physical 0 as well
  mov dword [PD_BASE + 0x3FF * 4], 0x00000000 | 0x80 | 7
  mov eax, cr3
  mov cr3, eax
  PUTS "[00810000]="
  HEX32 [0x00810000]
  PUTS " [00c10000]="
  HEX32 [0x00C10000]
  PUTS " [ffc10000]="
  HEX32 [0xFFC10000]
  NL
  ; a write through a 4 MiB page lands in physical memory
  mov dword [0x00810004], 0x0DDBA11
  PUTS "phys [00010004]="
  HEX32 [0x00010004]
  NL
  ; with CR4.PSE=0 the PS bit is ignored: PDE 2 is then a page-table pointer to physical 0 (the
  ; real-mode IVT), whose entry 10h (IVT vector 10h, an even stub offset: P=0) maps 0x00810000
  mov eax, cr4
  and eax, ~0x10
  mov cr4, eax
  mov eax, cr3
  mov cr3, eax
  PUTS "pse off, ivt[10h]="
  HEX32 [0x10 * 4]
  PUTS ": "
  EXPECT mov eax, [0x00810000]
  PAGING_OFF
  ROM_EXIT
