; A syscall round trip: ring 0 sets up STAR/LSTAR/FMASK/KERNEL_GS_BASE, enters ring 3 with
; o64 sysret; user code prints through a write syscall and ends with an exit syscall.
; The entry swaps to the kernel's GS, saves the user RSP in per-CPU data, switches stacks.
; run-args:
; expect-exit: 42
; expect-stdout: hi from ring 3\n
bits 64
default rel

%define MSR_STAR 0xC0000081
%define MSR_LSTAR 0xC0000082
%define MSR_FMASK 0xC0000084
%define MSR_KERNEL_GS_BASE 0xC0000102

; per-CPU data layout
%define PCPU_KSTACK 8
%define PCPU_USER_RSP 16

section .text
_start:
    lea rax, [percpu]
    mov rdx, rax
    shr rdx, 32
    mov ecx, MSR_KERNEL_GS_BASE
    wrmsr
    xor eax, eax
    mov edx, 0x00180008         ; syscall CS=0x08 SS=0x10; sysret CS=0x28|3 SS=0x20|3
    mov ecx, MSR_STAR
    wrmsr
    lea rax, [syscall_entry]
    mov rdx, rax
    shr rdx, 32
    mov ecx, MSR_LSTAR
    wrmsr
    mov eax, 0x700              ; clear TF, IF, DF on entry
    xor edx, edx
    mov ecx, MSR_FMASK
    wrmsr
    lea rax, [kstack_top]
    mov [percpu + PCPU_KSTACK], rax
    lea rsp, [user_stack_top]
    lea rcx, [user_main]
    mov r11d, 0x202
    o64 sysret

syscall_entry:
    swapgs
    mov [gs:PCPU_USER_RSP], rsp
    mov rsp, [gs:PCPU_KSTACK]
    push rcx
    push r11
    cmp eax, 60
    je .exit
    mov eax, edi
    out 0xe9, al
    pop r11
    pop rcx
    mov rsp, [gs:PCPU_USER_RSP]
    swapgs
    o64 sysret
.exit:
    mov eax, edi
    out 0xf4, al

section .user_text
user_main:
    lea rsi, [msg]
.loop:
    movzx edi, byte [rsi]
    test edi, edi
    jz .done
    mov eax, 1
    push rsi
    syscall
    pop rsi
    inc rsi
    jmp .loop
.done:
    mov eax, 60
    mov edi, 42
    syscall

section .user_data
msg: db "hi from ring 3", 10, 0
align 16
user_stack: times 4096 db 0
user_stack_top:

section .bss
percpu: resq 4
kstack: resb 4096
kstack_top:
