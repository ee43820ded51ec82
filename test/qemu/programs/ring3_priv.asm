; Privileged instructions at CPL3 -> #GP(0) (SDM Vol 3A 5.9; Vol 2 each instruction's "Protected
; Mode Exceptions"): swapgs, rdmsr, wrmsr, hlt, mov from cr0, lgdt, cli/sti and in/out with IOPL<3
; (SDM Vol 1 18.2.1 / Vol 3A 5.8 IOPL; no I/O bitmap: TSS limit below the bitmap base).
; With IOPL=3, cli/sti and out succeed at CPL3.
%include "lib.inc"
%macro U 2
    lea rdi, [%1]
    lea rsi, [ustack_top]
    mov edx, %2
    call enter_user
%endmacro
section .text
_start:
    call sys_init
    U u_swapgs, 0x202
    U u_rdmsr, 0x202
    U u_wrmsr, 0x202
    U u_hlt, 0x202
    U u_cr0, 0x202
    U u_lgdt, 0x202
    U u_cli, 0x202
    U u_sti, 0x202
    U u_out, 0x202
    U u_in, 0x202
    U u_iopl3, 0x3202
    EXIT 0x21
section .user_text align=4096
u_swapgs:
    swapgs
u_rdmsr:
    mov ecx, 0xC0000101
    rdmsr
u_wrmsr:
    wrmsr
u_hlt:
    hlt
u_cr0:
    mov rax, cr0
u_lgdt:
    lgdt [ustack]
u_cli:
    cli
u_sti:
    sti
u_out:
    out 0xe9, al
u_in:
    in al, 0x60
u_iopl3:
    cli
    pushfq
    pop rbx
    mov al, 'U'
    out 0xe9, al
    mov al, 10
    mov dx, 0xe9
    out dx, al
    sti
    mov rax, rbx
    int 0x80
