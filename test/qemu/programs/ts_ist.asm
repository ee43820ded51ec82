; An interrupt through a gate whose IST slot lies beyond the TSS limit raises #TS with the TSS
; selector as error code (SDM Vol 3A 6.14.5, 6.15 "Interrupt 10"); RSP0 within the limit still
; works. The TSS is reloaded with limit 0x23 (RSP0..RSP2 only).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov byte [gdt + TSSSEL + 5], 0x89   ; available again (ltr marked it busy)
    mov word [gdt + TSSSEL], 0x23
    mov ax, TSSSEL
    ltr ax
    mov edi, 3
    lea rsi, [isr_stubs + 3 * 16]
    mov dl, 0xEE
    mov cl, 1
    call set_gate
    TRY .r1
    int3
.r1:
    ; ring 3 -> ring 0 through RSP0 (offset 4, inside the limit)
    lea rdi, [user]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
    EXIT 0x21
section .user_text align=4096
user:
    int 0x80
