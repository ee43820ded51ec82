; Two cores, one per-CPU area each: every core points gs.base at its own area (indexed by its
; APIC id from rdpid, which reads IA32_TSC_AUX), stores its id and gs.base there, and core 0
; prints what each area holds once both are ready. Core 1 ends with cli; hlt.
; run-args: --cpus 2 --quantum 7
; expect-exit: 0
; expect-stdout: cpu0 self=0x0000000000104000\ncpu1 self=0x0000000000104040\n
bits 64
default rel
section .text
%include "lib/kernel.inc"

%define PCPU_SELF 0
%define PCPU_ID 8
%define PCPU_READY 16
%define PCPU_SIZE 64

_start:
    rdpid rax                      ; core index = APIC id
    mov rbx, rax
    imul rax, rax, PCPU_SIZE
    lea rdi, [percpu]
    add rax, rdi
    wrmsr_rax MSR_GS_BASE
    mov ecx, MSR_GS_BASE
    rdmsr
    shl rdx, 32
    or rax, rdx
    mov [gs:PCPU_SELF], rax        ; self pointer: what this core's gs.base is
    mov [gs:PCPU_ID], rbx
    mov qword [gs:PCPU_READY], 1
    test rbx, rbx
    jnz .park
.wait_all:
    pause
    cmp qword [percpu + PCPU_SIZE + PCPU_READY], 1
    jne .wait_all
    xor ebx, ebx
.print:
    mov rdi, rbx
    imul rdi, rdi, PCPU_SIZE
    lea rax, [percpu]
    add rdi, rax
    lea rsi, [msg_cpu]
    call print_str
    mov rax, [rdi + PCPU_ID]
    add al, '0'
    out 0xe9, al
    lea rsi, [msg_self]
    call print_str
    mov rax, [rdi + PCPU_SELF]
    call print_hex
    mov al, 10
    out 0xe9, al
    inc ebx
    cmp ebx, 2
    jb .print
.park:
    cli
    hlt

section .rodata
msg_cpu: db "cpu", 0
msg_self: db " self=", 0

section .bss
alignb 64
percpu: resb 2 * PCPU_SIZE
