; iretq (SDM Vol 2A IRET Operation, 64-bit mode): at CPL3, a return CS with RPL < CPL is
; #GP(selector); at CPL0 iretq to CPL0 pops RSP and SS too and restores IF/IOPL/AC from the image;
; a null CS is #GP(0).
%include "lib.inc"
section .text
_start:
    call sys_init
    ; same-privilege iretq: new RSP and RFLAGS taken from the frame
    mov rbx, rsp
    lea rax, [scratch_top]
    push KDATA
    push rax
    push 0x3246 | 0x40000
    push KCODE
    lea rax, [.after]
    push rax
    iretq
.after:
    pushfq
    pop rax
    mov rcx, rsp
    mov rsp, rbx
    PHEX "rflags", rax
    PHEX "rsp", rcx
    push 2
    popfq
    ; null CS
    TRY .r1
    push KDATA
    push rbx
    push 2
    push 0
    lea rax, [.r1]
    push rax
    iretq
.r1:
    ; ring 3 trying to iretq into ring 0
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    EXIT 0x21
section .data
scratch: times 64 dq 0
scratch_top:
section .user_text align=4096
user:
    push UDATA | 3
    push rsp
    push 0x202
    push KCODE
    push 0
    iretq
