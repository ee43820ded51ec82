; wrmsr #GP(0) on a non-canonical FS/GS/KERNEL_GS base, a reserved EFER bit, an unknown MSR
; (SDM Vol 2B WRMSR "Protected Mode Exceptions"; Vol 4 2.1); the MSR keeps its old value.
%include "lib.inc"
%macro WR 3
    TRY %%after
    mov ecx, %1
    mov edx, %2
    mov eax, %3
    wrmsr
    PUTS "no fault", 10
%%after:
%endmacro
section .text
_start:
    call sys_init
    WR 0xC0000101, 0x00008000, 0
    WR 0xC0000100, 0x12345678, 0
    WR 0xC0000102, 0xfffe0000, 0x1000
    WR 0xC0000080, 0, 0x501 | 0x2      ; EFER bit 1 is reserved
    WR 0xC0000080, 0, 0x501 | 0x8000   ; EFER bit 15 reserved
    TRY .r1
    mov ecx, 0xC0001234               ; no such MSR
    rdmsr
    PUTS "no fault", 10
.r1:
    mov ecx, 0xC0000101
    rdmsr
    PHEX "gs.base hi", rdx
    PHEX "faults", [exc_count]
    EXIT 0x21
