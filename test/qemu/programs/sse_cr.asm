; SSE instructions need CR4.OSFXSR=1 (else #UD), CR0.EM=0 (else #UD) and CR0.TS=0 (else #NM)
; (SDM Vol 3A 13.1.3 / 2.5, Vol 2 MOVDQU "Exceptions"; Vol 3A Table 13-1). The machine model's
; CR4 at entry is PAE only, so a program must set OSFXSR before SSE works, as on silicon.
%include "lib.inc"
section .text
_start:
    call sys_init
    TRY .r1
    movdqu xmm0, [data]
    PUTS "sse without osfxsr", 10
.r1:
    mov rax, cr4
    or eax, 1 << 9
    mov cr4, rax
    movdqu xmm0, [data]
    movq rax, xmm0
    PHEX "movq", rax
    mov rax, cr0
    or eax, 1 << 3                  ; TS
    mov cr0, rax
    TRY .r2
    pxor xmm1, xmm1
.r2:
    clts
    mov rax, cr0
    or eax, 1 << 2                  ; EM
    mov cr0, rax
    TRY .r3
    pxor xmm1, xmm1
.r3:
    and eax, ~(1 << 2)
    mov cr0, rax
    EXIT 0x21
section .data
align 16
data: dq 0x0123456789abcdef, 0xfedcba9876543210
