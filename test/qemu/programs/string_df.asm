; String instructions with DF=1 walk down (SDM Vol 1 3.4.3.2, Vol 2B MOVS/STOS/LODS/SCAS/CMPS):
; rep movsb over an overlapping range, rep stosq, lodsw, repne scasb, repe cmpsd; final RSI, RDI,
; RCX and the copied bytes.
%include "lib.inc"
section .text
_start:
    std
    lea rsi, [buf + 7]
    lea rdi, [buf + 11]
    mov ecx, 8
    rep movsb
    lea rbx, [buf]
    sub rsi, rbx
    sub rdi, rbx
    PHEX "movsb rsi", rsi
    PHEX "movsb rdi", rdi
    PHEX "movsb rcx", rcx
    PHEX "buf0", [buf]
    PHEX "buf8", [buf + 8]
    lea rdi, [qbuf + 24]
    mov rax, 0x1122334455667788
    mov ecx, 3
    rep stosq
    sub rdi, rbx
    PHEX "stosq rdi", rdi
    PHEX "q0", [qbuf]
    PHEX "q8", [qbuf + 8]
    PHEX "q24", [qbuf + 24]
    lea rsi, [buf + 4]
    xor eax, eax
    lodsw
    sub rsi, rbx
    PHEX "lodsw ax", rax
    PHEX "lodsw rsi", rsi
    lea rdi, [buf + 15]
    mov al, 0x03
    mov ecx, 16
    repne scasb
    pushfq
    pop rdx
    and edx, 0x8d5
    sub rdi, rbx
    PHEX "scasb rdi", rdi
    PHEX "scasb rcx", rcx
    PHEX "scasb flags", rdx
    lea rsi, [buf + 12]
    lea rdi, [buf + 8]
    mov ecx, 3
    repe cmpsd
    pushfq
    pop rdx
    and edx, 0x8d5
    sub rsi, rbx
    sub rdi, rbx
    PHEX "cmpsd rsi", rsi
    PHEX "cmpsd rdi", rdi
    PHEX "cmpsd rcx", rcx
    PHEX "cmpsd flags", rdx
    cld
    EXIT 0x21
section .data
buf: db 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15
qbuf: dq 0, 0, 0, 0, 0
