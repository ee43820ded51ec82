; Faults report the faulting instruction, traps the next one (SDM Vol 3A 6.5, 6.15):
; #DE from div by 0 and from an overflowing idiv, #UD from ud2 and from a 64-bit-invalid opcode,
; #BP from int3 (trap: RIP after it), int 3 (cd 03), lock on a non-lockable instruction #UD.
%include "lib.inc"
section .text
_start:
    call sys_init
    TRY .r1
    xor edx, edx
    mov eax, 5
    xor ecx, ecx
    div ecx
.r1:
    TRY .r2
    mov rdx, -1
    mov rax, 0x8000000000000000
    mov rcx, -1
    mov rdx, 0xffffffffffffffff
    idiv rcx
.r2:
    TRY .r3
    ud2
.r3:
    TRY .r4
    db 0x06                         ; push es: invalid in 64-bit mode
.r4:
    TRY .r5
    int3
.r5:
    TRY .r6
    db 0xcd, 0x03
.r6:
.r7:
    TRY .r8
    db 0xf0, 0x90                   ; lock nop -> #UD
.r8:
    EXIT 0x21
