; #PF at CPL0 (SDM Vol 3A 4.7): unmapped read (err 0), write (err 2), fetch (err 0: no NXE/SMEP);
; a non-canonical address is #GP(0), not #PF (SDM Vol 3A 6.15 #GP, 3.3.7.1).
%include "lib.inc"
section .text
_start:
    call sys_init
    TRY .r1
    mov rax, [0x2ff0000]
.r1:
    TRY .r2
    mov qword [0x2ff1008], 7
.r2:
    TRY .r3
    mov rax, 0x2ff2000
    call rax
.r3:
    TRY .r4
    mov rax, 0x0000800000000000
    mov rbx, [rax]
.r4:
    TRY .r5
    mov rbx, [rsp + 0x7fffffff]
.r5:

    EXIT 0x21
