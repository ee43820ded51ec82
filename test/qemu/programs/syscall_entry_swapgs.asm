; The usual kernel entry (SDM Vol 2B SWAPGS "the kernel ... swapgs to get its own GS"): syscall
; from ring 3 with a user GS base; the LSTAR stub swapgs, saves the user RSP in per-CPU data at
; gs:8, loads the kernel stack from gs:0, does work on it, then undoes it and sysrets. The user
; then reads GS base (rdgsbase with CR4.FSGSBASE) and its RSP.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rax, cr4
    or eax, 1 << 16
    mov cr4, rax
    mov ecx, 0xC0000081
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    mov ecx, 0xC0000082
    lea rax, [entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xC0000084
    mov eax, 0x47700
    xor edx, edx
    wrmsr
    lea rax, [percpu]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000102             ; KERNEL_GS_BASE = &percpu
    wrmsr
    lea rax, [kstack_top]
    mov [percpu], rax
    mov ecx, 0xC0000101             ; user GS base
    mov edx, 0x00007f00
    mov eax, 0x00001000
    wrmsr
    lea rdi, [user]
    lea rsi, [ustack_top - 64]
    mov edx, 0x202
    call enter_user
    PHEX "user gs", [u_gs]
    PHEX "user rsp", [u_rsp]
    PHEX "kernel saw rsp", [percpu + 8]
    PHEX "kernel saw gs", [k_gs]
    PHEX "kernel stack use", [k_depth]
    PHEX "rax back", [u_rax]
    mov ecx, 0xC0000102
    rdmsr
    shl rdx, 32
    or rax, rdx
    lea rbx, [percpu]
    sub rax, rbx
    PHEX "kgs-percpu", rax
    EXIT 0x21
entry:
    swapgs
    mov [gs:8], rsp
    mov rsp, [gs:0]
    push rcx
    push r11
    rdgsbase rcx
    mov [k_gs], rcx
    lea rcx, [kstack_top]
    sub rcx, rsp
    mov [k_depth], rcx
    mov eax, 0x600d
    pop r11
    pop rcx
    mov rsp, [gs:8]
    swapgs
    o64 sysret
section .data
percpu: dq 0, 0
k_gs: dq 0
k_depth: dq 0
section .user_text align=4096
user:
    mov eax, 1
    syscall
    mov [u_rax], rax
    rdgsbase rbx
    mov [u_gs], rbx
    mov [u_rsp], rsp
    int 0x80
section .user_data
u_gs: dq 0
u_rsp: dq 0
u_rax: dq 0
