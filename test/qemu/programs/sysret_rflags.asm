; sysret loads RFLAGS = (R11 & 0x3C7FD7) | 2 (SDM Vol 2B SYSRET Operation): from R11 with every
; bit but TF set, ring 3 gets ID, VIP, VIF, AC, OF..CF, IOPL 3, NT, but not RF or VM. QEMU TCG
; drops VIF/VIP and lets RF/VM through (.sdm holds the SDM result).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov ecx, 0xC0000081
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    TRY back
    lea rcx, [user]
    mov r11, 0xffffffffffffffff & ~0x100
    mov rsp, ustack_top
    o64 sysret
back:
    mov rsp, [saved_rsp]
    PHEX "user rflags", [u_rflags]
    EXIT 0x21
section .data
saved_rsp: dq 0x70013000
section .user_text align=4096
user:
    pushfq
    pop rax
    mov [u_rflags], rax
    push 0x202 | 0x3000
    popfq                           ; AC off again before anything else
    int 0x80
section .user_data
u_rflags: dq 0
