; A kernel's own 4-level page tables (SDM Vol 3A 4.5, 4.6, 4.7, 4.10.4): after mov cr3 the CPU
; walks the program's tables. Identity map of the program, plus aliases at 4 MiB:
; 0x400000 -> ro_page read-only, 0x401000 -> nx_page with XD (EFER.NXE=1), 0x600000 not present.
; Checks: alias reads; supervisor write to a read-only page #PF(P|W) with CR0.WP=1, allowed with
; WP=0; a not-present PDE #PF(0); fetch from an XD page #PF(P|I/D); invlpg after a PTE change.
%include "lib.inc"
section .text
_start:
    call sys_init
    lea rsp, [own_stack_top]
    ; PML4[0] -> PDPT[0] -> PD[0] -> PT_LOW (0-2 MiB), PD[2] -> PT_ALIAS (4-6 MiB)
    lea rax, [pdpt]
    or rax, 3
    mov [pml4], rax
    lea rax, [pd]
    or rax, 3
    mov [pdpt], rax
    lea rax, [pt_low]
    or rax, 3
    mov [pd], rax
    lea rax, [pt_alias]
    or rax, 3
    mov [pd + 2 * 8], rax
    ; identity: every page of the program, supervisor, writable
    mov rax, 0x100000
.map:
    mov rdx, rax
    shr rdx, 12
    and edx, 511
    lea rcx, [rax + 3]
    lea rbx, [pt_low]
    mov [rbx + rdx * 8], rcx
    add rax, 4096
    lea rcx, [prog_end]
    cmp rax, rcx
    jb .map
    lea rax, [ro_page]
    or rax, 1                       ; present, read-only, supervisor
    mov [pt_alias], rax
    lea rax, [nx_page]
    or rax, 3
    bts rax, 63                     ; XD
    mov [pt_alias + 8], rax
    mov ecx, 0xC0000080
    rdmsr
    or eax, 1 << 11                 ; NXE
    wrmsr
    lea rax, [pml4]
    mov cr3, rax
    PHEX "alias read", [0x400000]
    TRY .r1
    mov qword [0x400000], 0x77
.r1:
    mov rax, cr0
    and eax, ~(1 << 16)             ; WP off: supervisor writes ignore R/W
    mov cr0, rax
    mov qword [0x400000], 0x77
    PHEX "ro_page after WP=0 write", [ro_page]
    or eax, 1 << 16
    mov cr0, rax
    TRY .r2
    mov rax, [0x600000]
.r2:
    TRY .r3
    mov rax, 0x401000
    call rax
.r3:
    ; retarget the read-only alias to nx_page, invlpg, read again
    lea rax, [nx_page]
    or rax, 1
    mov [pt_alias], rax
    invlpg [0x400000]
    PHEX "alias after invlpg", [0x400000]
    EXIT 0x21

section .data
align 4096
ro_page: dq 0x0123456789abcdef
align 4096
nx_page:
    mov eax, 1                      ; code bytes in a data page (fetch must fault first)
    ret
align 4096

section .bss
alignb 4096
pml4: resb 4096
pdpt: resb 4096
pd: resb 4096
pt_low: resb 4096
pt_alias: resb 4096
own_stack: resb 16384
own_stack_top:
prog_end:
