; Gate problems while delivering (SDM Vol 3A 6.12.1.3, 6.15 "Interrupt 8"/"Interrupt 11", 6.13):
; a vector beyond the IDT limit is #GP(v*8+2); a not-present gate is #NP(v*8+2); a contributory
; fault while delivering a contributory fault (#NP during #NP) is #DF with error code 0.
%include "lib.inc"
section .text
_start:
    call sys_init
    ; #UD's gate not present -> #NP(0x32)
    and byte [idt + 6 * 16 + 5], 0x7f
    TRY .r1
    ud2
.r1:
    ; vector 0x81 beyond a shortened IDT limit -> #GP(0x40a)
    mov word [idtr], 0x81 * 16 - 1
    lidt [idtr]
    TRY .r2
    int 0x81
.r2:
    mov word [idtr], 4095
    lidt [idtr]
    ; #NP's own gate not present too -> #DF(0)
    and byte [idt + 11 * 16 + 5], 0x7f
    TRY .r3
    ud2
.r3:
    EXIT 0x21
