; syscall/sysret are #UD when EFER.SCE = 0 (SDM Vol 2B SYSCALL, SYSRET "#UD If IA32_EFER.SCE = 0");
; sysret at CPL3 is #GP(0) (SDM Vol 2B SYSRET "#GP(0) If CPL != 0").
%include "lib.inc"
section .text
_start:
    call sys_init
    mov ecx, 0xC0000081
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    lea rdi, [u_sysret]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    mov ecx, 0xC0000080
    rdmsr
    and eax, ~1                     ; SCE off
    wrmsr
    lea rdi, [u_syscall]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    TRY .r1
    o64 sysret
.r1:
    EXIT 0x21
section .user_text align=4096
u_sysret:
    o64 sysret
u_syscall:
    syscall
