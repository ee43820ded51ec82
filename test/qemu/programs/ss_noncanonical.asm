; A non-canonical address formed with RSP or RBP as base references SS: #SS(0), not #GP(0)
; (SDM Vol 3A 6.15 "Interrupt 12", Vol 2 MOV "64-Bit Mode Exceptions"). QEMU TCG raises #GP(0)
; for every non-canonical data address (.sdm holds the SDM result).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rax, 0x00a0000000000000
    TRY .r1
    mov rbx, [rsp + rax]
.r1:
    mov rbp, rsp
    TRY .r2
    mov [rbp + rax], rbx
.r2:
    TRY .r3
    mov rbx, [rax]                  ; DS reference: #GP(0)
.r3:
    EXIT 0x21
