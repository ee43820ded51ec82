; The interrupt-entry pattern (SDM Vol 2B SWAPGS; Vol 3A 6.14.2 frame): a handler for int 0x80
; that swapgs only when the frame's CS has RPL 3, reads per-CPU data through gs:, and swapgs back
; before iretq. Called from ring 3 (GS base = user value) and from ring 0 (GS base = kernel value).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov edi, 0x80
    lea rsi, [handler]
    mov dl, 0xEE
    xor ecx, ecx
    call set_gate
    lea rax, [percpu]
    mov rdx, rax
    shr rdx, 32
    mov ecx, 0xC0000102             ; KERNEL_GS_BASE = &percpu (user runs with its own)
    wrmsr
    mov ecx, 0xC0000101
    mov edx, 0x7f00
    xor eax, eax
    wrmsr
    mov [kernel_rsp], rsp
    TRY back
    push UDATA | 3
    lea rax, [ustack_top]
    push rax
    push 0x202
    push UCODE | 3
    lea rax, [user]
    push rax
    iretq
back:
    mov rsp, [kernel_rsp]
    PHEX "user saw", [u_seen]
    PHEX "calls", [percpu + 8]
    PHEX "last cs", [percpu + 16]
    ; now from ring 0: GS base must be the kernel's already (swap it in first)
    swapgs
    int 0x80
    PHEX "calls", [percpu + 8]
    PHEX "last cs", [percpu + 16]
    mov ecx, 0xC0000101
    rdmsr
    shl rdx, 32
    or rax, rdx
    lea rbx, [percpu]
    sub rax, rbx
    PHEX "gs.base-percpu", rax
    EXIT 0x21
handler:
    test byte [rsp + 8], 3
    jz .kernel
    swapgs
.kernel:
    inc qword [gs:8]
    push rax
    mov rax, [rsp + 16]
    mov [gs:16], rax
    mov rax, [gs:0]
    mov [rsp], rax                  ; rax := percpu[0] for the caller
    pop rax
    test byte [rsp + 8], 3
    jz .out
    swapgs
.out:
    iretq
section .data
kernel_rsp: dq 0
percpu: dq 0x1234abcd, 0, 0
section .user_text align=4096
user:
    int 0x80
    mov [u_seen], rax
    int 0x80
    hlt                             ; #GP(0) to the generic handler, which resumes at `back`
section .user_data
u_seen: dq 0
