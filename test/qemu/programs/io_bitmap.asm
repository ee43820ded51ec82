; The TSS I/O permission bitmap (SDM Vol 1 19.5.2, Vol 3A 8.7): at CPL3 with IOPL 0, `out` to a
; port whose bit is 0 works, to a port whose bit is 1 (or beyond the TSS limit) is #GP(0); a
; word-sized access checks both ports' bits.
%include "lib.inc"
section .text
_start:
    call sys_init
    ; a second TSS with the bitmap at offset 104: ports 0..0x3ff, all 1 except 0xe9 and 0xea
    lea rdi, [tss2]
    lea rax, [kstack_top]
    mov [rdi + 4], rax
    mov word [rdi + 0x66], 104
    lea rdi, [tss2 + 104]
    mov al, 0xff
    mov ecx, 128 + 1
    rep stosb
    and byte [tss2 + 104 + (0xe9 >> 3)], ~(1 << (0xe9 & 7))
    and byte [tss2 + 104 + (0xea >> 3)], ~(1 << (0xea & 7))
    lea rax, [tss2]
    lea rdi, [gdt + TSSSEL]
    mov word [rdi], 104 + 128       ; limit: the trailing 0xff byte included
    mov [rdi + 2], ax
    shr rax, 16
    mov [rdi + 4], al
    mov byte [rdi + 5], 0x89
    mov [rdi + 7], ah
    shr rax, 16
    mov [rdi + 8], eax
    mov ax, TSSSEL
    ltr ax
%macro U 1
    lea rdi, [%1]
    lea rsi, [ustack_top]
    mov edx, 0x202
    call enter_user
%endmacro
    U u_ok
    U u_blocked
    U u_word_ok
    U u_word_straddle
    U u_beyond
    EXIT 0x21
section .data
align 16
tss2: times 104 + 129 db 0
section .user_text align=4096
u_ok:
    mov al, 'k'
    out 0xe9, al
    mov al, 10
    out 0xe9, al
    int 0x80
u_blocked:
    out 0x80, al
u_word_ok:
    mov dx, 0xe9
    mov ax, 0x0a4f                  ; 'O' to 0xe9, 0x0a to 0xea (ignored by debugcon)
    out dx, al
    mov al, 10
    out dx, al
    int 0x80
u_word_straddle:
    mov dx, 0xe8
    out dx, ax                      ; ports 0xe8 (blocked) and 0xe9
u_beyond:
    mov dx, 0x1000
    out dx, al
