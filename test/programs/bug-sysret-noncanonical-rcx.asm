; Classic bug (CVE-2012-0217): sysret to a non-canonical RCX. Intel CPUs raise #GP(0) while
; still at CPL 0, after the kernel already restored the user RSP and user gs.base: the #GP
; handler runs on a user-chosen stack (no privilege change, so no TSS stack switch) with the
; user's GS. The handler shows CPL 0 and the user stack pointer (SDM Vol 2B SYSRET).
; run-args:
; expect-exit: 13
; expect-stdout: #GP at CPL 0 on the user stack\n
bits 64
default rel
section .text
%include "lib/kernel.inc"

_start:
    lea rax, [kstack_top]
    call kernel_init
    mov esi, 13
    lea rdx, [gp_handler]
    xor ecx, ecx
    call set_gate
    xor eax, eax
    mov edx, 0x00180008
    mov ecx, MSR_STAR
    wrmsr
    lea rsp, [user_stack_top]      ; the "user" RSP the kernel restored
    mov rcx, 0x0000800000000000    ; non-canonical return address
    mov r11d, 0x202
    o64 sysret

gp_handler:
    mov ax, cs
    test al, 3
    jnz .other
    lea rax, [user_stack]
    cmp rsp, rax
    jb .other
    lea rax, [user_stack_top]
    cmp rsp, rax
    ja .other
    lea rsi, [msg]
    call print_str
    mov al, 13
    out 0xf4, al
.other:
    mov al, 99
    out 0xf4, al

section .rodata
msg: db "#GP at CPL 0 on the user stack", 10, 0

section .user_data
align 16
user_stack: times 1024 db 0
user_stack_top:

section .bss
alignb 16
kstack: resb 4096
kstack_top:
