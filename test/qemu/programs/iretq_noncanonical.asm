; iretq to ring 3 with a non-canonical RIP is #GP(0) in ring 0, at the iretq, with the kernel's
; stack (SDM Vol 2A IRET Operation, IA-32e mode: a non-canonical return RIP is #GP(0)). QEMU TCG
; returns to ring 3 and faults at the target instead (.sdm holds the SDM result).
%include "lib.inc"
section .text
_start:
    call sys_init
    TRY .r1
    push UDATA | 3
    lea rax, [ustack_top]
    push rax
    push 0x202
    push UCODE | 3
    mov rax, 0x0000800000000000
    push rax
    iretq
.r1:
    EXIT 0x21
