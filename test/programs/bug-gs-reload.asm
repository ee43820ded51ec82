; Classic bug: reloading GS from the GDT in 64-bit mode replaces gs.base with the descriptor's
; base (0), so the per-CPU pointer the kernel set with wrmsr is gone (SDM Vol 3A 3.4.4).
; The next gs: access reads address 0 and faults; `--trace gs` shows the segment load.
; run-args: --trace gs
; expect-exit: 3
; expect-stdout: ok\n
; expect-stderr: \[cpu0\] test/programs/bug-gs-reload\.asm:27: gs\.base 0x101000 -> 0x0 \(segment-load\)  gs\.base=0x0 KernelGSBase=0x0\n[^]*unhandled #PF\(0\) at test/programs/bug-gs-reload\.asm:28: unmapped read from 0x0
bits 64
default rel
section .text
_start:
    lea rax, [percpu]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000101            ; IA32_GS_BASE
    wrmsr
    mov rax, [gs:0]                ; per-CPU magic through gs.base
    cmp rax, 0x4b4f
    jne .bad
    mov al, 'o'
    out 0xe9, al
    mov al, 'k'
    out 0xe9, al
    mov al, 10
    out 0xe9, al
    mov ax, 0x10                   ; "reload the data segments" ...
    mov gs, ax                     ; ... and gs.base becomes 0
    mov rax, [gs:0]
.bad:
    mov al, 1
    out 0xf4, al

section .data
align 4096
percpu: dq 0x4b4f
