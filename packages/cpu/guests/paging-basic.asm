; paging-basic: 32-bit paging with 4 KiB pages: identity map, remapping and aliasing pages, a high linear address, CR3 reload, INVLPG, paging off again
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  mov dword [DATA_BASE], 0x11111111
  mov dword [DATA_BASE + 0x1000], 0x22222222
  mov dword [DATA_BASE + 0x2000], 0x33333333
  PAGING_ON
  mov eax, cr0
  PUTS "cr0.pg="
  shr eax, 31
  HEX8 al
  mov eax, cr3
  PUTS " cr3="
  HEX32 eax
  NL
  PUTS "identity: "
  HEX32 [DATA_BASE]
  NL
  ; map linear 0x00400000 (outside the identity-mapped 4 MiB) to the data page
  MAP4K 0x00400000, DATA_BASE, 3
  PUTS "[00400000]="
  HEX32 [0x00400000]
  ; a second linear page for the same physical page: writes through one are visible in the other
  MAP4K 0x00401000, DATA_BASE, 3
  mov dword [0x00401004], 0xA11A5ED
  PUTS " alias [00400004]="
  HEX32 [0x00400004]
  PUTS " phys [DATA+4]="
  HEX32 [DATA_BASE + 4]
  NL
  ; a high address: 0xC0000000 + offset, the offset within the page is kept
  MAP4K 0xC0000000, DATA_BASE + 0x1000, 3
  PUTS "[c0000000]="
  HEX32 [0xC0000000]
  mov word [0xC0000FFE], 0xBEEF
  PUTS " [c0000ffe]="
  HEX16 [0xC0000FFE]
  NL
  ; remap with INVLPG (MAP4K invalidates): the new translation is used
  MAP4K 0x00400000, DATA_BASE + 0x2000, 3
  PUTS "remapped [00400000]="
  HEX32 [0x00400000]
  NL
  ; a dword that straddles two pages mapped to non-adjacent physical pages
  MAP4K 0x00402000, DATA_BASE + 0x2000, 3
  MAP4K 0x00403000, DATA_BASE, 3
  mov dword [0x00402FFE], 0x12345678
  PUTS "straddle: [DATA+2000+ffe]="
  HEX16 [DATA_BASE + 0x2FFE]
  PUTS " [DATA+0]="
  HEX16 [DATA_BASE]
  NL
  ; a whole new page directory: CR3 reload switches address spaces
  mov edi, 0x30000
  xor eax, eax
  mov ecx, 1024
  rep stosd
  mov dword [0x30000], PT_BASE | 7         ; share the identity table for 0-4 MiB
  mov dword [0x30000 + 4 * 0x300], 0x31000 | 7
  mov edi, 0x31000
  mov ecx, 1024
  rep stosd
  mov dword [0x31000], (DATA_BASE + 0x2000) | 7
  mov eax, 0x30000
  mov cr3, eax
  PUTS "new cr3: [c0000000]="
  HEX32 [0xC0000000]
  mov eax, PD_BASE
  mov cr3, eax
  PUTS " old cr3: [c0000000]="
  HEX32 [0xC0000000]
  NL
  PAGING_OFF
  mov eax, cr0
  shr eax, 31
  PUTS "paging off: cr0.pg="
  HEX8 al
  PUTS " [DATA]="
  HEX32 [DATA_BASE]
  NL
  ROM_EXIT
