; #PF from ring 3 (SDM Vol 3A 4.7, Figure 4-12): error code P (bit 0), W/R (bit 1), U/S (bit 2),
; I/D (bit 4, only with NXE or SMEP: 0 here); CR2 = the linear address.
%include "lib.inc"
section .text
_start:
    call sys_init
%macro U 1
    lea rdi, [%1]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
%endmacro
    U u_read_sup
    U u_write_sup
    U u_read_unmapped
    U u_write_unmapped
    U u_exec_sup
    U u_push_sup
    EXIT 0x21
section .user_text align=4096
u_read_sup:
    mov rax, [secret]
u_write_sup:
    mov dword [secret + 4], 1
u_read_unmapped:
    mov rax, [0x3000000]
u_write_unmapped:
    mov [0x3000008], al
u_exec_sup:
    jmp _start
u_push_sup:
    lea rsp, [secret + 8]
    push rax
section .data
secret: dq 0x5ec2e7, 0
