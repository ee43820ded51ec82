; rdtscp loads ECX with IA32_TSC_AUX and zero-extends (SDM Vol 2B RDTSCP), following a wrmsr of
; TSC_AUX (0xC0000103). (rdpid is left out: QEMU 7.2 TCG `-cpu max` lacks it.)
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
