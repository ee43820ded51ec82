; Single-step across privilege changes (SDM Vol 3A 17.3.1.4; Vol 2B SYSCALL/SYSRET): with FMASK
; not clearing TF, a syscall executed with TF=1 traps (#DB) right after it, at the LSTAR target,
; in ring 0 with the user's RSP still loaded; a sysret whose R11 sets TF traps right away, in ring 3
; before the first user instruction (unlike iretq; test/qemu/DIVERGENCES.md D6).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov edi, 1                      ; #DB on IST1 (the user RSP is live at the LSTAR target)
    lea rsi, [isr_stubs + 1 * 16]
    mov dl, 0x8E
    mov cl, 1
    call set_gate
    mov ecx, 0xC0000081
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    mov ecx, 0xC0000082
    lea rax, [lstar]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xC0000084             ; FMASK = IF only
    mov eax, 0x200
    xor edx, edx
    wrmsr
    lea rdi, [user_tf]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    ; sysret with TF in R11
    TRY .back
    lea rcx, [user_after_sysret]
    mov r11, 0x302
    o64 sysret
.back:
    EXIT 0x21
lstar:
    nop
    hlt
section .user_text align=4096
user_tf:
    pushfq
    or qword [rsp], 0x100
    popfq
    syscall
user_after_sysret:
    inc eax
    inc eax
    int 0x80
