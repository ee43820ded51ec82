; Sanity: entry state of the machine model (DESIGN.md): GPRs 0, RFLAGS 2, selectors, CR0/CR4, EFER,
; RSP, GDTR (SDM Vol 3A 2.5 control registers, 3.4 segments).
%include "lib.inc"
section .text
_start:
    mov r15, rsp
    pushfq
    pop r14
    PHEX "rax", rax
    PHEX "rbx", rbx
    PHEX "rdi", rdi
    PHEX "r13", r13
    PHEX "rsp", r15
    PHEX "rflags", r14
    mov ax, cs
    movzx eax, ax
    PHEX "cs", rax
    mov ax, ss
    movzx eax, ax
    PHEX "ss", rax
    mov ax, ds
    movzx eax, ax
    PHEX "ds", rax
    mov ax, gs
    movzx eax, ax
    PHEX "gs", rax
    mov rax, cr0
    PHEX "cr0", rax
    mov rax, cr4
    PHEX "cr4", rax
    mov ecx, 0xC0000080
    rdmsr
    PHEX "efer", rax
    sub rsp, 16
    sgdt [rsp]
    movzx eax, word [rsp]
    PHEX "gdt.limit", rax
    mov rbx, [rsp + 2]
    PHEX "gdt.base", rbx
    add rsp, 16
    EXIT 0x21
