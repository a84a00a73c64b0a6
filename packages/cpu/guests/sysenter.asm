; sysenter: SYSENTER/SYSEXIT: #GP(0) in real mode, with IA32_SYSENTER_CS null, SYSEXIT outside CPL 0; the flat selectors they load (RPL of the MSR ignored), ESP/EIP from the MSRs and ECX/EDX, IF cleared by SYSENTER, SYSENTER from V86 mode
%include "lib/rom.inc"

MSR_SYSENTER_CS  equ 0x174
MSR_SYSENTER_ESP equ 0x175
MSR_SYSENTER_EIP equ 0x176
KSTACK equ 0x6800
USTACK equ 0x5800

%macro WRMSR 2
  mov ecx, %1
  mov eax, %2
  xor edx, edx
  wrmsr
%endmacro

TEXT16
main:
  PUTS "real mode: "
  EXPECT sysenter
  GO_PM32 pm

TEXT32
pm:
  PUTS "IA32_SYSENTER_CS = 0: sysenter "
  EXPECT sysenter
  PUTS "  sysexit "
  EXPECT sysexit
  WRMSR MSR_SYSENTER_CS, SEL_CODE32 | 3     ; the RPL bits of the MSR are ignored
  WRMSR MSR_SYSENTER_ESP, KSTACK
  WRMSR MSR_SYSENTER_EIP, kernel_entry
  mov [V_SCRATCH], esp
  ; SYSEXIT to ring 3 at user_code with ESP = USTACK
  mov edx, user_code
  mov ecx, USTACK
  sti
  PUTS "sysexit with IF=1", 10
  sysexit

user_code:
  PUTS "ring 3 after sysexit: cs="
  mov ax, cs
  HEX16 ax
  PUTS " ss="
  mov ax, ss
  HEX16 ax
  PUTS " esp="
  HEX32 esp
  pushfd
  pop eax
  PUTS " if="
  shr eax, 9
  and al, 1
  HEX8 al
  NL
  mov ebx, 0x1234abcd
  sysenter

kernel_entry:
  PUTS "ring 0 after sysenter: cs="
  mov ax, cs
  HEX16 ax
  PUTS " ss="
  mov ax, ss
  HEX16 ax
  PUTS " esp="
  HEX32 esp
  PR ebx
  pushfd
  pop eax
  PUTS " if="
  shr eax, 9
  and al, 1
  HEX8 al
  NL
  ; back to the library's ring-0 state
  mov ax, SEL_DATA32
  mov ds, ax
  mov es, ax
  mov esp, [V_SCRATCH]
  PUTS "sysexit at CPL 3: "
  GO_RING3 r3
r3:
  EXPECT sysexit
  GO_RING0 v86test
v86test:
  WRMSR MSR_SYSENTER_EIP, from_v86
  mov [V_SCRATCH], esp
  PUTS "sysenter from V86 mode: "
  GO_V86 v86_code, F_IOPL3

TEXT16
v86_code:
  sysenter

TEXT32
from_v86:
  pushfd
  pop eax
  PUTS "cs="
  mov bx, cs
  HEX16 bx
  PUTS " vm="
  shr eax, 17
  and al, 1
  HEX8 al
  NL
  mov ax, SEL_DATA32
  mov ds, ax
  mov es, ax
  mov fs, ax
  mov gs, ax
  mov esp, [V_SCRATCH]
  ROM_EXIT
