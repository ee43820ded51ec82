; sysret without REX.W returns to compatibility mode: CS = STAR[63:48] | 3 (0x1b, the 32-bit
; user code selector), SS = STAR[63:48] + 8 | 3, EIP = ECX (SDM Vol 2B SYSRET Operation); the
; 32-bit code's int 0x80 goes through the 64-bit IDT with CS 0x1b in the frame (SDM Vol 3A 6.14.2).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov ecx, 0xC0000081
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    TRY .back
    lea rcx, [u_compat]
    mov r11d, 0x202
    lea rsp, [ustack_top]
    sysret
.back:
    EXIT 0x21
section .user_text align=4096
u_compat:                           ; 32-bit code (the project assembler is 64-bit only):
    db 0x8c, 0xc8                   ; mov eax, cs
    db 0xcd, 0x80                   ; int 0x80
