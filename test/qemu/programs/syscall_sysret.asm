; syscall/sysret round trip from ring 3 (SDM Vol 2B SYSCALL, SYSRET; Vol 3A 5.8.8):
; syscall: RCX = next RIP, R11 = RFLAGS, RFLAGS &= ~FMASK, CS = STAR[47:32], SS = STAR[47:32]+8;
; sysret (64-bit): RIP = RCX, RFLAGS = (R11 & 0x3C7FD7) | 2, CS = STAR[63:48]+16 | 3, SS = +8 | 3.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov ecx, 0xC0000081             ; STAR
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    mov ecx, 0xC0000082             ; LSTAR
    lea rax, [entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, 0xC0000084             ; FMASK: TF DF IF (0x700) and AC
    mov eax, 0x40700
    xor edx, edx
    wrmsr
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x3202 | 0x400 | 0x80 | 0x1  ; IOPL3 IF DF SF CF
    call enter_user
    PHEX "k.rcx-user_ret", [k_rcx]
    PHEX "k.r11", [k_r11]
    PHEX "k.rflags", [k_rflags]
    PHEX "k.cs", [k_cs]
    PHEX "k.ss", [k_ss]
    PHEX "k.rsp", [k_rsp]
    PHEX "u.rflags", [u_rflags]
    PHEX "u.cs", [u_cs]
    PHEX "u.ss", [u_ss]
    PHEX "u.rcx-user_ret", [u_rcx]
    PHEX "u.r11", [u_r11]
    EXIT 0x21

; LSTAR target: record state without touching the (user) stack, then return
entry:
    mov [k_r11], r11
    lea rax, [user_ret]
    mov rbx, rcx
    sub rbx, rax
    mov [k_rcx], rbx
    mov [k_rsp], rsp
    mov ax, cs
    movzx eax, ax
    mov [k_cs], rax
    mov ax, ss
    movzx eax, ax
    mov [k_ss], rax
    mov rsp, kstack_top             ; a kernel stack for pushfq
    pushfq
    pop qword [k_rflags]
    mov rsp, [k_rsp]
    ; return with R11 asking for AC, IOPL3, DF and arithmetic flags; plus reserved
    ; bits 3, 5, 15 that sysret drops (RF, VM, VIF, VIP, ID: sysret_rflags.asm)
    mov r11, 0x40000 | 0x3ed7 | 0x8028
    o64 sysret

section .user_text align=4096
user:
    mov rcx, 0x1234
    mov r11, 0x5678
    syscall
user_ret:
    pushfq
    pop qword [u_rflags]
    mov ax, cs
    movzx eax, ax
    mov [u_cs], rax
    mov ax, ss
    movzx eax, ax
    mov [u_ss], rax
    lea rax, [user_ret]
    sub rcx, rax
    mov [u_rcx], rcx
    mov [u_r11], r11
    cld
    int 0x80

section .user_data
u_rflags: dq 0
u_cs: dq 0
u_ss: dq 0
u_rcx: dq 0
u_r11: dq 0
section .data
k_rcx: dq 0
k_r11: dq 0
k_rflags: dq 0
k_cs: dq 0
k_ss: dq 0
k_rsp: dq 0
