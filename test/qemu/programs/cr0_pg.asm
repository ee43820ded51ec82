; Clearing CR0.PG in 64-bit mode is #GP(0) (SDM Vol 2B MOV to/from Control Registers "64-Bit Mode
; Exceptions"; Vol 3A 10.8.5.4: leave IA-32e mode from compatibility mode only). QEMU TCG turns
; paging off instead (.sdm holds the SDM result).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rbx, cr0
    TRY .r1
    mov rax, rbx
    and eax, 0x7fffffff
    mov cr0, rax
.r1:
    mov rax, cr0
    PHEX "cr0", rax
    EXIT 0x21
