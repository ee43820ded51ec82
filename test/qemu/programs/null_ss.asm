; SS in 64-bit mode (SDM Vol 3A 5.8.? / Vol 2B MOV "64-bit mode": a null selector may be loaded into
; SS at CPL<3; Vol 2A IRET: returning to CPL3 with a null SS is #GP(0)): at CPL0 `mov ss, 0` works
; and interrupts then push SS=0; iretq to ring 3 with a null SS faults.
%include "lib.inc"
section .text
_start:
    call sys_init
    xor eax, eax
    mov ss, ax
    mov ax, ss
    movzx eax, ax
    PHEX "ss", rax
    TRY .r1
    int3
.r1:
    mov ax, ss
    movzx eax, ax
    PHEX "ss after resume", rax
    TRY .r2
    push 0                          ; SS = null for ring 3
    lea rax, [ustack_top]
    push rax
    push 0x202
    push UCODE | 3
    lea rax, [user]
    push rax
    iretq
.r2:
    EXIT 0x21
section .user_text align=4096
user:
    int 0x80
