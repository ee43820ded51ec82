; iretq that loads TF=1: unlike sysret, no trap right after the iretq; the returned-to instruction
; runs first, then #DB with RIP at the next one (SDM Vol 3A 17.3.1.4: no single-step trap after the
; instruction that sets TF). Same-privilege and ring-3 returns.
%include "lib.inc"
section .text
_start:
    call sys_init
    TRY .r1
    mov rbx, rsp
    push KDATA
    push rbx
    push 0x102
    push KCODE
    lea rax, [.target]
    push rax
    iretq
.target:
    inc eax
    inc eax
.r1:
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x302
    call enter_user
    EXIT 0x21
section .user_text align=4096
user:
    inc eax
    inc eax
    int 0x80
