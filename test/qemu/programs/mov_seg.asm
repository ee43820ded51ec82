; Segment loads in 64-bit mode (SDM Vol 3A 3.4.4, 5.4.1; Vol 2B MOV "Protected Mode Exceptions"):
; mov gs from the GDT replaces gs.base with the descriptor base (0) and leaves KERNEL_GS_BASE;
; a null selector loads into DS/ES/FS/GS at any CPL; a selector beyond the GDT limit is
; #GP(selector & 0xfffc); a code selector into DS is #GP(selector); SS with RPL != CPL is #GP.
%include "lib.inc"
%macro GSBASE 1
    mov ecx, 0xC0000101
    rdmsr
    shl rdx, 32
    or rax, rdx
    PHEX %1, rax
%endmacro
%macro SETGS 0
    mov ecx, 0xC0000101
    mov edx, 0xffff8000
    mov eax, 0x1000
    wrmsr
%endmacro
section .text
_start:
    call sys_init
    mov ecx, 0xC0000102
    mov edx, 0xffff8000
    mov eax, 0x2000
    wrmsr
    SETGS
    mov ax, KDATA
    mov gs, ax
    GSBASE "after mov gs,0x10"
    SETGS
    mov ax, UDATA | 3
    mov gs, ax
    GSBASE "after mov gs,0x23"
    mov ax, gs
    movzx eax, ax
    PHEX "gs", rax
    mov ecx, 0xC0000102
    rdmsr
    shl rdx, 32
    or rax, rdx
    PHEX "kgs", rax
    xor eax, eax
    mov ds, ax
    mov ax, ds
    movzx eax, ax
    PHEX "ds", rax
    mov ax, KDATA
    mov ds, ax
    TRY .r0
    mov ax, 0x1230
    mov es, ax
.r0:
    TRY .r1
    mov ax, 0x1234                  ; TI=1 with a null LDTR
    mov es, ax
.r1:
    TRY .r2
    mov ax, KCODE
    mov ds, ax
.r2:
    TRY .r3
    mov ax, KDATA | 3
    mov ss, ax
.r3:
    TRY .r4
    mov ax, UDATA | 3
    mov ss, ax
.r4:
    mov ax, ss
    movzx eax, ax
    PHEX "ss", rax
    EXIT 0x21
