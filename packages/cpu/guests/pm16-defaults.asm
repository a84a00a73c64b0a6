; pm16-defaults: 16-bit protected mode (D=0 code segment): 16-bit operand and address defaults, 66h/67h overrides, 16-bit near CALL/RET, LOOP on CX, string ops on SI/DI, stack on SP with a 16-bit SS
%include "lib/rom.inc"

TEXT16
main:
  GO_PM16 pm16

pm16:
  PUTS "pm16: cs="
  HEX16 cs
  PUTS " ss="
  HEX16 ss
  NL
  ; PUSH/POP default to 16 bits; 66h makes them 32 bits
  mov sp, 0x6800
  push ax
  o32 push eax
  mov bx, 0x6800
  sub bx, sp
  PUTS "push ax + push eax moved sp by "
  HEX16 bx
  NL
  add sp, 6
  ; a near CALL pushes a 16-bit IP; RET pops 16 bits
  mov bx, sp
  call .sub
  PUTS "call/ret balanced: "
  sub bx, sp
  HEX16 bx
  NL
  jmp .after
.sub:
  mov ax, sp
  PUTS "  in call: stack used="
  mov dx, bx
  sub dx, ax
  HEX16 dx
  NL
  ret
.after:
  ; LOOP counts CX; with 67h ECX
  mov ecx, 0x00010003
  xor dx, dx
.l1:
  inc dx
  loop .l1
  PR ecx
  PUTS " iterations="
  HEX16 dx
  NL
  mov ecx, 0x00000003
  xor dx, dx
.l2:
  inc dx
  a32 loop .l2
  PR ecx
  PUTS " iterations="
  HEX16 dx
  NL
  ; string instructions use SI/DI by default
  mov esi, 0xFFFF0600
  mov edi, 0xFFFF0700
  mov dword [0x600], 0x44332211
  mov cx, 4
  rep movsb
  PR esi, edi
  NL
  MEMDUMP 0x700, 4
  ; 16-bit addressing default; 67h allows 32-bit forms
  mov bx, 0x600
  mov si, 2
  mov ax, [bx + si]
  PUTS "[bx+si]="
  HEX16 ax
  mov ebx, 0x600
  mov ecx, 1
  a32 mov eax, [ebx + ecx * 2]
  PUTS " [ebx+ecx*2]="
  HEX32 eax
  NL
  ; an exception in 16-bit PM goes through the 32-bit gate (32-bit frame) and resumes here
  mov ax, 1
  mov cl, 0
  EXPECT div cl
  ; a 16-bit far return and IRET frame
  push cs
  push word .far_back
  retf
.far_back:
  PUTS "16-bit retf ok", 10
  pushf
  push cs
  push word .iret_back
  iret
.iret_back:
  PUTS "16-bit iret ok", 10
  GO_PM32 done

TEXT32
done:
  ROM_EXIT
