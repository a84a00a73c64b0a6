; paging-pf: every #PF cause with its error code (P W U RSVD) and CR2: not-present PTE/PDE, supervisor/user, read-only with CR0.WP 0/1, combined PDE/PTE rights, page-straddling accesses, instruction fetch (reserved bits: paging-rsvd)
%include "lib/rom.inc"

P equ 1
W equ 2
U equ 4
LNP   equ 0x00400000   ; not present
LRO   equ 0x00401000   ; present, read-only, user
LSUP  equ 0x00402000   ; present, writable, supervisor
LRW   equ 0x00403000   ; present, writable, user (next page LNP2 not present)
LNP2  equ 0x00404000
LCODE equ 0x00405000   ; code page whose successor is not present
LNP3  equ 0x00406000

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  PAGING_ON
  MAP4K LNP, DATA_BASE, 0
  MAP4K LRO, DATA_BASE, P | U
  MAP4K LSUP, DATA_BASE, P | W
  MAP4K LRW, DATA_BASE, P | W | U
  MAP4K LNP2, DATA_BASE, W | U
  MAP4K LCODE, DATA_BASE + 0x1000, P | W | U
  MAP4K LNP3, DATA_BASE, 0
  PUTS "ring 0, not present read / write:", 10
  EXPECT mov eax, [LNP + 0x10]
  EXPECT mov dword [LNP + 0x20], 1
  PUTS "ring 0, PDE not present (linear 00800000):", 10
  EXPECT mov eax, [0x00800004]
  PUTS "ring 0, write to a read-only page with CR0.WP=0 then WP=1:", 10
  EXPECT mov dword [LRO], 1
  mov eax, cr0
  or eax, 0x10000
  mov cr0, eax
  EXPECT mov dword [LRO + 4], 2
  mov eax, cr0
  and eax, ~0x10000
  mov cr0, eax
  PUTS "ring 0, dword straddling into a not-present page (read, write):", 10
  EXPECT mov eax, [LRW + 0xFFE]
  mov dword [LRW + 0xFF8], 0x11111111
  EXPECT mov dword [LRW + 0xFFD], 0x22222222
  PUTS "  the present half was not written: "
  HEX32 [LRW + 0xFF8]
  HEX32 [LRW + 0xFFC]
  NL
  PUTS "ring 0, REP STOSD running into a not-present page stops with ECX left:", 10
  mov edi, LRW + 0xFF8
  mov ecx, 4
  mov eax, 0x33333333
  EXPECT rep stosd
  PR ecx, edi
  NL
  PUTS "ring 0, instruction fetch running off the end of a page:", 10
  ; copy "nop; nop; jmp back" where the JMP straddles into the next (not-present) page
  mov edi, LCODE + 0xFFE
  mov byte [edi], 0x90
  mov byte [edi + 1], 0xE9                 ; jmp rel32: its displacement is in the next page
  TRY
  jmp LCODE + 0xFFE
  ENDTRY
  PUTS "ring 0, a far jump to a not-present page:", 10
  EXPECT jmp LNP3
  ; user mode
  GO_RING3 ring3

ring3:
  PUTS "ring 3, not present read / write:", 10
  EXPECT mov eax, [LNP]
  EXPECT mov dword [LNP], 1
  PUTS "ring 3, supervisor page read / write:", 10
  EXPECT mov eax, [LSUP]
  EXPECT mov dword [LSUP], 1
  PUTS "ring 3, read-only user page read / write:", 10
  EXPECT mov eax, [LRO]
  EXPECT mov dword [LRO], 1
  PUTS "ring 3, user writable page:", 10
  EXPECT mov dword [LRW], 0x44444444
  GO_RING0 back0

back0:
  ; combined rights: the PDE's U/S and R/W restrict the PTE's (SDM Vol. 3A 4.6)
  mov eax, [PD_BASE + 4]
  mov [V_SCRATCH + 0x40], eax
  and dword [PD_BASE + 4], ~U
  mov eax, cr3
  mov cr3, eax
  GO_RING3 ring3b
ring3b:
  PUTS "ring 3, PDE supervisor / PTE user read:", 10
  EXPECT mov eax, [LRW]
  GO_RING0 back1
back1:
  mov eax, [V_SCRATCH + 0x40]
  and eax, ~W
  mov [PD_BASE + 4], eax
  mov eax, cr3
  mov cr3, eax
  GO_RING3 ring3c
ring3c:
  PUTS "ring 3, PDE read-only / PTE writable write, then read:", 10
  EXPECT mov dword [LRW], 5
  EXPECT mov eax, [LRW]
  GO_RING0 back2
back2:
  mov eax, [V_SCRATCH + 0x40]
  mov [PD_BASE + 4], eax
  mov eax, cr3
  mov cr3, eax
  ROM_EXIT
