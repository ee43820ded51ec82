; Each core has its own periodic timer and its own per-CPU data: the handler counts ticks through
; gs: (gs.base = this core's area), so the counts stay apart. Core 0 waits until every core saw
; three ticks, prints them and exits; core 1 keeps halting with IF=1 (waiting for its timer).
; run-args: --cpus 2 --timer 48:400 --quantum 50
; expect-exit: 0
; expect-stdout: cpu0 ticks>=3 cpu1 ticks>=3\n
bits 64
default rel
section .text
%include "lib/kernel.inc"

%define PCPU_TICKS 0
%define PCPU_SIZE 64

_start:
    rdpid rbx
    mov rax, rbx
    imul rax, rax, PCPU_SIZE
    lea rdi, [percpu]
    add rax, rdi
    wrmsr_rax MSR_GS_BASE
    mov esi, 48
    lea rdx, [tick]
    xor ecx, ecx
    call set_gate                  ; both cores write the same gate: harmless
    lidt [idtr]
    sti
    test rbx, rbx
    jnz .idle
.wait:
    hlt
    cmp qword [percpu + PCPU_TICKS], 3
    jb .wait
    cmp qword [percpu + PCPU_SIZE + PCPU_TICKS], 3
    jb .wait
    cli
    lea rsi, [msg]
    call print_str
    mov al, 0
    out 0xf4, al
.idle:
    hlt
    jmp .idle

tick:
    inc qword [gs:PCPU_TICKS]
    iretq

section .rodata
msg: db "cpu0 ticks>=3 cpu1 ticks>=3", 10, 0

section .bss
alignb 64
percpu: resb 2 * PCPU_SIZE
