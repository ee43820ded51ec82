; swapgs exchanges GS.base with IA32_KERNEL_GS_BASE (SDM Vol 2B SWAPGS; Vol 3A 5.8.8 / Vol 4 MSRs
; 0xC0000101, 0xC0000102); gs: accesses use the current base; a second swapgs swaps back.
%include "lib.inc"
section .text
_start:
    lea rax, [percpu_user]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000101             ; GS_BASE
    wrmsr
    lea rax, [percpu_kernel]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000102             ; KERNEL_GS_BASE
    wrmsr
    mov rbx, [gs:0]
    PHEX "gs:0 before", rbx
    swapgs
    mov ecx, 0xC0000101
    rdmsr
    shl rdx, 32
    or rax, rdx
    lea rbx, [percpu_kernel]
    sub rax, rbx
    PHEX "gs.base-kernel", rax
    mov ecx, 0xC0000102
    rdmsr
    shl rdx, 32
    or rax, rdx
    lea rbx, [percpu_user]
    sub rax, rbx
    PHEX "kgs-user", rax
    mov rbx, [gs:0]
    PHEX "gs:0 after", rbx
    mov rbx, [gs:8]
    PHEX "gs:8 after", rbx
    swapgs
    mov rbx, [gs:0]
    PHEX "gs:0 back", rbx
    ; swapgs does not change the GS selector
    mov ax, gs
    movzx eax, ax
    PHEX "gs sel", rax
    EXIT 0x21

section .data
percpu_user:   dq 0x1111111111111111, 0x2222222222222222
percpu_kernel: dq 0xaaaaaaaaaaaaaaaa, 0xbbbbbbbbbbbbbbbb
