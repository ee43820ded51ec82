; mov to/from DR0-DR7 at CPL0 (SDM Vol 2A MOV—Move to/from Debug Registers; Vol 3A 17.2): DR0-3
; hold addresses, DR6 reads with its reserved bits set (0xFFFF0FF0), DR7 bit 10 reads as 1; a
; single-step #DB sets DR6.BS (bit 14) (SDM Vol 3A 17.2.3); at CPL3 mov from DR7 is #GP(0).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rax, 0x123450
    mov dr0, rax
    mov rbx, dr0
    PHEX "dr0", rbx
    xor eax, eax
    mov dr6, rax
    mov rax, dr6
    PHEX "dr6", rax
    xor eax, eax
    mov dr7, rax
    mov rax, dr7
    PHEX "dr7", rax
    TRY .r1
    pushfq
    or qword [rsp], 0x100
    popfq
    nop
    nop
.r1:
    mov rax, dr6
    PHEX "dr6 after single-step", rax
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    EXIT 0x21
section .user_text align=4096
user:
    mov rax, dr7
