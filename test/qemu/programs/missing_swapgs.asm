; An interrupt entry from ring 3 that forgets swapgs reads per-CPU data through the *user's* GS
; base (SDM Vol 2B SWAPGS: GS.base is whatever ring 3 left): with an unmapped user GS base the
; gs: load faults with #PF, err 0 (supervisor read, not present), CR2 = user GS base + offset.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov edi, 0x80
    lea rsi, [entry]
    mov dl, 0xEE
    xor ecx, ecx
    call set_gate
    lea rax, [percpu]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000102
    wrmsr
    mov ecx, 0xC0000101             ; the user's GS base: unmapped
    mov edx, 0
    mov eax, 0x6000000
    wrmsr
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    EXIT 0x21
entry:
    mov rax, [gs:0x18]              ; BUG: no swapgs first
    iretq
section .data
percpu: dq 0, 0, 0, 0
section .user_text align=4096
user:
    int 0x80
