; sgdt/sidt/str/sldt report what lgdt/lidt/ltr loaded (SDM Vol 2B SGDT, SIDT, STR; Vol 3A 2.4);
; mov to/from CR8 is the task priority (SDM Vol 3A 10.8.6.1).
%include "lib.inc"
section .text
_start:
    call sys_init
    sub rsp, 16
    sgdt [rsp]
    movzx eax, word [rsp]
    mov rbx, [rsp + 2]
    lea rcx, [gdt]
    sub rbx, rcx
    PHEX "gdt limit", rax
    PHEX "gdt base - gdt", rbx
    sidt [rsp]
    movzx eax, word [rsp]
    mov rbx, [rsp + 2]
    lea rcx, [idt]
    sub rbx, rcx
    PHEX "idt limit", rax
    PHEX "idt base - idt", rbx
    add rsp, 16
    xor eax, eax
    str ax
    PHEX "tr", rax
    mov eax, -1
    sldt eax
    PHEX "ldtr", rax
    ; ltr of a busy TSS is #GP(selector) (SDM Vol 2B LTR)
    TRY .r1
    mov ax, TSSSEL
    ltr ax
.r1:
    mov eax, 5
    mov cr8, rax
    mov rax, cr8
    PHEX "cr8", rax
    xor eax, eax
    mov cr8, rax
    EXIT 0x21
