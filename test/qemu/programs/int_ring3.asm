; iretq to ring 3, then int 0x80 through a DPL3 interrupt gate: the CPU switches to TSS.RSP0,
; pushes SS, RSP, RFLAGS, CS, RIP of ring 3 (SDM Vol 3A 6.12.1, 6.14.2, 8.7); IF cleared by the
; interrupt gate.
%include "lib.inc"
section .text
_start:
    call sys_init
    lea rdi, [user]
    lea rsi, [ustack_top - 16]
    mov edx, 0x202
    call enter_user
    PHEX "kstack_top", kstack_top
    PHEX "rax from user", [user_rax]
    EXIT 0x21
section .user_text align=4096
user:
    mov ax, cs
    movzx eax, ax
    mov [user_rax], rax
    push 0x55
    int 0x80
section .user_data
user_rax: dq 0
