; RFLAGS.RF in exception frames (SDM Vol 3A 17.3.1.1): for every fault-class exception other than
; an instruction-breakpoint #DB the RFLAGS image pushed has RF=1 (so iretq resumes without a
; second instruction breakpoint); traps (#BP from int3, int n) push RF=0. The common handler of
; lib.inc masks RF, so this program has its own. QEMU TCG never sets RF here (.sdm holds the SDM
; result).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov edi, 6                      ; #UD (fault)
    lea rsi, [raw]
    mov dl, 0x8E
    xor ecx, ecx
    call set_gate
    mov edi, 3                      ; #BP (trap)
    call set_gate
    mov edi, 0                      ; #DE (fault)
    call set_gate
    mov byte [skip], 2
    ud2
    mov byte [skip], 0
    int3
    mov byte [skip], 2
    xor ecx, ecx
    div ecx
    EXIT 0x21
; prints the frame's RFLAGS as pushed, then resumes `skip` bytes further
raw:
    push rax
    mov rax, [rsp + 24]
    PHEX "rflags image", rax
    movzx eax, byte [skip]
    add [rsp + 8], rax
    pop rax
    iretq
section .data
skip: db 0
