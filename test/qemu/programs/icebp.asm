; icebp / int1 (0xf1) raises #DB as a trap: the frame's RIP is the next instruction (SDM Vol 2A
; INT n/INTO/INT3/INT1; Vol 3A 17.3.1 "#DB"). QEMU 7.2 TCG raises #UD for it (.sdm holds the
; SDM result).
%include "lib.inc"
section .text
_start:
    call sys_init
    TRY .r1
    db 0xf1
    nop
.r1:
    EXIT 0x21
