; Intel: sysret with a non-canonical RCX raises #GP(0) in ring 0, before any state is loaded
; (SDM Vol 2B SYSRET "64-Bit Mode Exceptions", the basis of CVE-2012-0217). QEMU TCG (and AMD)
; do not: .sdm holds the Intel result (frame at the sysret, CS 0x08, the kernel's RSP).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov ecx, 0xC0000081
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    TRY .r1
    mov rcx, 0x0000800000000000
    mov r11, 0x202
    o64 sysret
.r1:
    PUTS "back", 10
    EXIT 0x21
