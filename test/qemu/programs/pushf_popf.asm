; popfq by privilege (SDM Vol 2B POPF Operation, 64-bit mode): CPL0 changes IF, IOPL, AC; CPL3
; with IOPL<3 leaves IF and IOPL unchanged (no fault), changes AC; CPL3 with IOPL=3 changes IF but
; not IOPL. VM and RF are never set by popfq; reserved bit 1 reads as 1.
%include "lib.inc"
section .text
_start:
    call sys_init
    push 0x3200 | 0x40000 | 0x8d5  ; IOPL3 IF AC OF SF ZF AF PF CF... and TF off
    popfq
    pushfq
    pop rax
    push 2
    popfq
    PHEX "cpl0", rax
    push 0x30000 | 0x200
    popfq                           ; RF, VM requested
    pushfq
    pop rax
    push 2
    popfq
    PHEX "cpl0 rf/vm", rax
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x202                  ; IOPL 0
    call enter_user
    PHEX "cpl3 iopl0: after popf(0x3000|AC, IF=0)", [u_res]
    PHEX "cpl3 iopl0: after popf(0)", [u_res + 8]
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x1202                 ; IOPL 1
    call enter_user
    PHEX "cpl3 iopl1: after popf(0x3000|AC, IF=0)", [u_res]
    PHEX "cpl3 iopl1: after popf(0)", [u_res + 8]
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x3202                 ; IOPL 3
    call enter_user
    PHEX "cpl3 iopl3: after popf(0x3000|AC, IF=0)", [u_res]
    PHEX "cpl3 iopl3: after popf(0)", [u_res + 8]
    EXIT 0x21
section .user_text align=4096
user:
    push 0x3000 | 0x40000
    popfq
    pushfq
    pop qword [u_res]
    push 0
    popfq
    pushfq
    pop qword [u_res + 8]
    int 0x80
section .user_data
u_res: dq 0, 0
