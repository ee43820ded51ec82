; The classic entry bug: syscall does not switch stacks (SDM Vol 2B SYSCALL: RSP is not saved or
; loaded), so a LSTAR stub that pushes before loading a kernel RSP writes through the user's RSP.
; With an unmapped user RSP the push faults (#PF, err 2, supervisor write) in ring 0; the CPU then
; cannot push the #PF frame on that same stack: #PF during #PF delivery is a #DF (SDM Vol 3A 6.15
; "Interrupt 8", Table 6-5), delivered here on IST1 with error code 0.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov edi, 8
    lea rsi, [isr_stubs + 8 * 16]
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
    mov ecx, 0xC0000084
    mov eax, 0x200
    xor edx, edx
    wrmsr
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    mov rax, cr2
    PHEX "cr2 at the end", rax
    EXIT 0x21
lstar:
    push rcx                        ; BUG: still on the user's stack
    mov rsp, kstack_top
    hlt
section .user_text align=4096
user:
    mov rsp, 0x5000000              ; unmapped
    syscall
