; RFLAGS.TF: a #DB trap after each instruction; the instruction that sets TF with popfq completes
; first, then the next instruction runs and traps (SDM Vol 3A 17.3.1.4 "single-step", 6.15
; "Interrupt 1"); the frame's RIP is the instruction after the one that trapped, TF set in the
; image. (DR6.BS: debug_regs.asm.)
%include "lib.inc"
section .text
_start:
    call sys_init
    xor eax, eax
    TRY .r1
    pushfq
    or qword [rsp], 0x100
    popfq
    inc eax                         ; runs, then #DB
    inc eax
.r1:
    PHEX "eax", rax
    EXIT 0x21
