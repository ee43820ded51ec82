; wrmsr/rdmsr round trips of FS_BASE, GS_BASE, KERNEL_GS_BASE, STAR, LSTAR, FMASK, TSC_AUX
; (SDM Vol 2B RDMSR/WRMSR; Vol 4 Table 2-2) with canonical high-half values; fs: uses FS_BASE.
%include "lib.inc"
%macro RT 4 ; name, msr, hi, lo
    mov ecx, %2
    mov edx, %3
    mov eax, %4
    wrmsr
    xor eax, eax
    xor edx, edx
    rdmsr
    shl rdx, 32
    or rax, rdx
    PHEX %1, rax
%endmacro
section .text
_start:
    RT "fs_base", 0xC0000100, 0xffff8000, 0x12345000
    RT "gs_base", 0xC0000101, 0xffffffff, 0xfffff000
    RT "kgs_base", 0xC0000102, 0x00007fff, 0xfffff008
    RT "star", 0xC0000081, 0x00230010, 0xdeadbeef
    RT "lstar", 0xC0000082, 0xffffffff, 0x81000000
    RT "fmask", 0xC0000084, 0x00000000, 0x00047700
    RT "tsc_aux", 0xC0000103, 0x00000000, 0x00000042
    ; FS base used by fs: accesses
    lea rax, [cell]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000100
    wrmsr
    mov rbx, [fs:8]
    PHEX "fs:8", rbx
    EXIT 0x21
section .data
cell: dq 0x0102030405060708, 0x1122334455667788
