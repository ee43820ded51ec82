; mov to CR0/CR4 consistency checks (SDM Vol 2B MOV to CR "Protected Mode Exceptions", Vol 3A
; 10.8.5): clearing CR4.PAE in 64-bit mode, CR0.NW=1 with CD=0, clearing CR0.PE with PG=1 are
; #GP(0); CR2 is writable. (Clearing CR0.PG: cr0_pg.asm.) QEMU TCG accepts NW without CD and
; PE=0 with PG=1 (and then dies), so .sdm holds the SDM result.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rbx, cr0
    TRY .r2
    mov rax, rbx
    or eax, 1 << 29                 ; NW without CD
    mov cr0, rax
.r2:
    TRY .r3
    mov rax, rbx
    and eax, ~1
    mov cr0, rax
.r3:
    TRY .r4
    mov rax, cr4
    and eax, ~0x20
    mov cr4, rax
.r4:
    mov rax, cr0
    PHEX "cr0", rax
    mov rax, cr4
    PHEX "cr4", rax
    mov rax, 0xdead0000
    mov cr2, rax
    mov rax, cr2
    PHEX "cr2", rax
    EXIT 0x21
