; int n from ring 3 through a DPL0 gate -> #GP(n*8+2) (IDT bit, EXT=0) (SDM Vol 3A 6.12.1.1,
; 6.13 error code). The #GP is a fault: RIP points at the int instruction (SDM Vol 3A 6.5).
%include "lib.inc"
section .text
_start:
    call sys_init
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    lea rdi, [user2]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    lea rdi, [user3]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    lea rdi, [user4]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    EXIT 0x21
section .user_text align=4096
user:
    int 0x81
user2:
    int 0x0e
user3:
    db 0xcd, 0xff                   ; int 0xff
user4:
    int3                            ; the DPL check applies to int3 too (SDM Vol 2A INT n/INT3)
