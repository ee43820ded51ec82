; Assorted faults (SDM Vol 2A CMPXCHG8B/16B, MOVDQA, Vol 3A 4.7, Vol 2 "LOCK"):
; cmpxchg16b on a non-16-byte-aligned operand is #GP(0); movdqa misaligned is #GP(0);
; a canonical high-half address that is not mapped is #PF (err 0), not #GP; lock on a register
; destination is #UD; cmpxchg16b aligned works.
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rax, cr4
    or eax, 1 << 9                  ; OSFXSR for the SSE case
    mov cr4, rax
    TRY .r1
    xor eax, eax
    xor edx, edx
    cmpxchg16b [blob + 8]
.r1:
    TRY .r2
    movdqa xmm0, [blob + 8]
.r2:
    TRY .r3
    mov rbx, 0xffff800000000000
    mov rax, [rbx]
.r3:
    TRY .r4
    db 0xf0, 0x01, 0xc0             ; lock add eax, eax
.r4:
    mov rax, [blob]
    mov rdx, [blob + 8]
    mov rbx, 0x1111
    mov rcx, 0x2222
    lock cmpxchg16b [blob]
    setz al
    movzx eax, al
    PHEX "cmpxchg16b zf", rax
    PHEX "blob0", [blob]
    PHEX "blob8", [blob + 8]
    EXIT 0x21
section .data
align 16
blob: dq 0xaaaa, 0xbbbb, 0, 0
