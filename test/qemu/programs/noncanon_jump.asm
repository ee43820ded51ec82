; A near jmp/call/ret to a non-canonical target raises #GP(0) on the transfer itself, so the frame's
; RIP is the jmp/call/ret (SDM Vol 2A JMP, CALL, Vol 2B RET "64-Bit Mode Exceptions": #GP(0) if
; the target offset is non-canonical). QEMU TCG reports the fault at the target instead (.sdm).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rax, 0x0000800000000000
    TRY .r1
    jmp rax
.r1:
    TRY .r2
    call rax
.r2:
    TRY .r3
    push rax
    ret
.r3:
    EXIT 0x21
