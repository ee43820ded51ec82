; Interrupt frames in 64-bit mode: the CPU aligns RSP down to 16 bytes before pushing, even at
; the same privilege level (SDM Vol 3A 6.14.2), and the frame holds the old RSP and SS.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rbx, rsp
    TRY .r1
    sub rsp, 8
    int3
.r1:
    TRY .r2
    sub rsp, 4
    int3
.r2:
    TRY .r3
    sub rsp, 13
    ud2
.r3:
    mov rsp, rbx
    TRY .r4
    sub rsp, 1
    mov eax, 1
    xor ecx, ecx
    div ecx
.r4:
    mov rsp, rbx
    EXIT 0x21
