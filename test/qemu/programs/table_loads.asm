; ltr of a null selector is #GP(0), of a data-segment selector #GP(selector) (SDM Vol 2A LTR);
; wrmsr clearing EFER.LME while paging is on is #GP(0) (SDM Vol 3A 10.8.5 / Vol 4 IA32_EFER; AMD APM
; Vol 2 14.6.1). QEMU TCG accepts the null ltr and the LME write (.sdm holds the SDM result).
%include "lib.inc"
section .text
_start:
    call sys_init
    TRY .r3
    xor eax, eax
    ltr ax
.r3:
    TRY .r4
    mov ax, KDATA
    ltr ax
.r4:
    TRY .r5
    mov ecx, 0xC0000080
    rdmsr
    and eax, ~0x100
    wrmsr
.r5:
    mov ecx, 0xC0000080
    rdmsr
    PHEX "efer", rax
    EXIT 0x21
