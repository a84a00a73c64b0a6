; icebp: the undocumented ICEBP/INT1 opcode (F1) raises #DB as a trap without setting DR6 cause bits
; differs-qemu: QEMU 7.2 TCG raises #UD for F1 with this CPU model
%include "lib/rom.inc"

TEXT16
main:
  GO_PM32 pm

TEXT32
pm:
  PUTS "icebp: "
  TRY
  db 0xF1
  ENDTRY
  ROM_EXIT
