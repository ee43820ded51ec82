; #AC(0) on a misaligned access at CPL3 with CR0.AM=1 and RFLAGS.AC=1 (SDM Vol 3A 6.15
; "Interrupt 17"); no #AC at CPL0, nor at CPL3 with AC=0.
%include "lib.inc"
section .text
_start:
    call sys_init
    pushfq
    or qword [rsp], 0x40000
    popfq
    mov rax, [ustack + 1]           ; CPL0: no check
    push 2
    popfq
    PUTS "cpl0 ok", 10
    lea rdi, [user_noac]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    lea rdi, [user_ac]
    lea rsi, [ustack_top]
    mov edx, 0x40202
    call enter_user
    EXIT 0x21
section .user_text align=4096
user_noac:
    mov eax, [ustack + 2]
    int 0x80
user_ac:
    mov ax, [ustack + 4]            ; aligned for a word
    mov eax, [ustack + 2]           ; misaligned dword
    int 0x80
