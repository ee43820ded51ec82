; rd/wr{fs,gs}base are #UD while CR4.FSGSBASE (bit 16) is 0 (SDM Vol 2B RDFSBASE/WRFSBASE);
; with it set they read/write the bases MSRs see; a non-canonical wrgsbase is #GP(0).
%include "lib.inc"
section .text
_start:
    call sys_init
    TRY .r1
    rdgsbase rax
.r1:
    TRY .r2
    wrfsbase rax
.r2:
    mov rax, cr4
    or eax, 1 << 16
    mov cr4, rax
    mov rax, 0xffff800012345000
    wrgsbase rax
    mov ecx, 0xC0000101
    rdmsr
    shl rdx, 32
    or rax, rdx
    PHEX "gs msr", rax
    mov ecx, 0xC0000100
    mov edx, 0x7fff
    mov eax, 0xabc000
    wrmsr
    rdfsbase rbx
    PHEX "fs base", rbx
    swapgs
    rdgsbase rbx
    PHEX "gs after swapgs", rbx
    swapgs
    TRY .r3
    mov rax, 0x0000900000000000
    wrgsbase rax
.r3:
    rdgsbase rbx
    PHEX "gs kept", rbx
    EXIT 0x21
