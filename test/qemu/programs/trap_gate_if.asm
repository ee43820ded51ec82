; Interrupt gates clear IF on entry, trap gates leave it; both clear TF, NT, RF and VM but keep AC
; and the arithmetic flags (SDM Vol 3A 6.12.1.3); iretq restores the interrupted RFLAGS.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov edi, 0x40
    lea rsi, [probe]
    mov dl, 0x8E                    ; interrupt gate
    xor ecx, ecx
    call set_gate
    mov edi, 0x41
    lea rsi, [probe]
    mov dl, 0x8F                    ; trap gate
    call set_gate
    push 0x202 | 0x40000 | 0x4000 | 0x800   ; IF AC NT OF
    popfq
    int 0x40
    pushfq
    pop rbx
    push 2
    popfq
    PHEX "int gate: inside", [seen]
    PHEX "int gate: after iretq", rbx
    push 0x202 | 0x40000 | 0x4000 | 0x800
    popfq
    int 0x41
    pushfq
    pop rbx
    push 2
    popfq
    PHEX "trap gate: inside", [seen]
    PHEX "trap gate: after iretq", rbx
    EXIT 0x21
probe:
    pushfq
    pop qword [seen]
    iretq
section .data
seen: dq 0
