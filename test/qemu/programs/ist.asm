; IST: a gate with IST=1 always switches to TSS.IST1, at CPL0 too, and the frame is at its top
; (SDM Vol 3A 6.14.5, 8.7); a gate with IST=0 at CPL0 stays on the current stack.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov edi, 3
    lea rsi, [isr_stubs + 3 * 16]
    mov dl, 0xEE                    ; DPL3 so int3 from ring 3 is allowed
    mov cl, 1
    call set_gate
    PHEX "ist1_top", ist1_top
    TRY .r1
    int3
.r1:
    TRY .r2
    ud2
.r2:
    ; from ring 3 the IST wins over RSP0
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    EXIT 0x21
section .user_text align=4096
user:
    int3
