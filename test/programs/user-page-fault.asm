; Ring 3 reads a supervisor-only page: #PF with error code P|U (5), CR2 = the address
; (SDM Vol 3A 4.7). The handler prints the error code and CR2, then exits with 14.
; run-args:
; expect-exit: 14
; expect-stdout: #PF err=0x0000000000000005 cr2=0x0000000000102000\n
bits 64
default rel
section .text
%include "lib/kernel.inc"

_start:
    lea rax, [kstack_top]
    call kernel_init
    mov esi, 14
    lea rdx, [pf_handler]
    xor ecx, ecx
    call set_gate
    push USER_DS
    lea rax, [user_stack_top]
    push rax
    push 0x2
    push USER_CS
    lea rax, [user_main]
    push rax
    iretq

pf_handler:
    lea rsi, [msg_pf]
    call print_str
    mov rax, [rsp]                 ; error code
    call print_hex
    lea rsi, [msg_cr2]
    call print_str
    mov rax, cr2
    call print_hex
    mov al, 10
    out 0xe9, al
    mov al, 14
    out 0xf4, al

section .rodata
msg_pf: db "#PF err=", 0
msg_cr2: db " cr2=", 0

section .user_text
user_main:
    mov rax, [secret]              ; a kernel page: U/S=0
    jmp user_main

section .user_data
align 16
user_stack: times 512 db 0
user_stack_top:

section .data
align 4096
secret: dq 0x5ec7e7

section .bss
alignb 16
kstack: resb 8192
kstack_top:
