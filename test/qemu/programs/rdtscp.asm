; rdtscp loads ECX with IA32_TSC_AUX and zero-extends (SDM Vol 2B RDTSCP); rdpid reads the same
; MSR (SDM Vol 2B RDPID); both follow a wrmsr of TSC_AUX (0xC0000103).
%include "lib.inc"
section .text
_start:
    mov rcx, -1
    rdtscp
    PHEX "rcx at reset", rcx
    mov ecx, 0xC0000103
    mov eax, 0x12345
    xor edx, edx
    wrmsr
    mov rcx, -1
    rdtscp
    PHEX "rcx", rcx
    mov rax, -1
    rdpid rax
    PHEX "rdpid", rax
    ; the TSC advances
    rdtsc
    shl rdx, 32
    or rax, rdx
    mov rbx, rax
    rdtsc
    shl rdx, 32
    or rax, rdx
    cmp rax, rbx
    seta al
    movzx eax, al
    PHEX "tsc advanced", rax
    EXIT 0x21
