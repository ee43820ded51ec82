; CPUID bits the machine model pins (SDM Vol 2A CPUID): leaf 1 EBX[31:24] initial APIC id (core
; 0); leaf 7.0 EBX FSGSBASE (0), SMEP (7), SMAP (20); leaf 0x80000001 EDX SYSCALL (11), LM (29),
; RDTSCP (27). Only these bits are compared (models differ elsewhere).
%include "lib.inc"
section .text
_start:
    mov eax, 1
    cpuid
    shr ebx, 24
    PHEX "apic id", rbx
    mov eax, 7
    xor ecx, ecx
    cpuid
    and ebx, (1 << 0) | (1 << 7) | (1 << 20)
    PHEX "leaf7 ebx bits", rbx
    mov eax, 0x80000001
    cpuid
    and edx, (1 << 11) | (1 << 29) | (1 << 27)
    PHEX "ext edx bits", rdx
    EXIT 0x21
