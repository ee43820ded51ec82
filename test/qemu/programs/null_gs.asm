; Loading a null selector into FS/GS in 64-bit mode (SDM Vol 3A 3.4.4, Vol 2B MOV/POP): no fault at
; CPL0; on Intel the hidden base is cleared (AMD keeps it: Linux X86_BUG_NULL_SEG); push/pop of
; fs/gs move the selector; pop gs of a GDT selector loads that descriptor's base (0).
%include "lib.inc"
%macro BASE 2
    mov ecx, %2
    rdmsr
    shl rdx, 32
    or rax, rdx
    PHEX %1, rax
%endmacro
%macro SETB 1
    mov ecx, %1
    mov edx, 0xffff8000
    mov eax, 0x5000
    wrmsr
%endmacro
section .text
_start:
    call sys_init
    SETB 0xC0000101
    xor eax, eax
    mov gs, ax
    BASE "gs base after mov gs,0", 0xC0000101
    SETB 0xC0000100
    push 0
    pop fs
    BASE "fs base after pop fs,0", 0xC0000100
    SETB 0xC0000101
    push KDATA
    pop gs
    BASE "gs base after pop gs,0x10", 0xC0000101
    push gs
    pop rax
    PHEX "push gs", rax
    EXIT 0x21
