; Classic bug: an interrupt handler that does swapgs without testing the interrupted CS. The
; first tick arrives in the kernel (gs.base = per-CPU data already), so swapgs installs the
; user's gs.base and the handler counts in the user's TLS (0x1234 + 1 >= 3): it thinks three
; ticks happened and quits after printing one 'K' (the correct twin prints KUU).
; run-args: --timer 32:300
; expect-exit: 5
; expect-stdout: K\n
bits 64
default rel
section .text
%include "lib/kernel.inc"

%define PCPU_TICKS 0

_start:
    lea rax, [kstack_top]
    call kernel_init
    mov esi, 32
    lea rdx, [timer_handler]
    xor ecx, ecx
    call set_gate
    lea rax, [percpu]
    wrmsr_rax MSR_GS_BASE          ; the kernel runs with gs.base = per-CPU data
    lea rax, [user_tls]
    wrmsr_rax MSR_KERNEL_GS_BASE   ; the user's value waits in KernelGSBase
    sti
.wait:
    cmp qword [gs:PCPU_TICKS], 1   ; one tick while in the kernel
    jb .wait
    cli
    swapgs                         ; leaving for ring 3: user GS in place
    push USER_DS
    lea rax, [user_stack_top]
    push rax
    push 0x202
    push USER_CS
    lea rax, [user_main]
    push rax
    iretq

timer_handler:
    swapgs                         ; BUG: also when the tick interrupted the kernel
    push rax
    inc qword [gs:PCPU_TICKS]
    mov al, 'K'
    test byte [rsp + 16], 3
    jz .print
    mov al, 'U'
.print:
    out 0xe9, al
    cmp qword [gs:PCPU_TICKS], 3
    jae .done
    pop rax
    test byte [rsp + 8], 3
    jz .to_kernel
    swapgs
.to_kernel:
    iretq
.done:
    mov al, 10
    out 0xe9, al
    mov al, 5
    out 0xf4, al

section .user_text
user_main:
    inc rbx
    mov rax, [gs:0]                ; user TLS through the user's gs.base
    jmp user_main

section .user_data
user_tls: dq 0x1234
align 16
user_stack: times 1024 db 0
user_stack_top:

section .bss
percpu: resq 8
alignb 16
kstack: resb 8192
kstack_top:
