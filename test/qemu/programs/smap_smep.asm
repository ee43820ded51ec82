; SMAP (CR4 bit 21): a supervisor data access to a user page faults with #PF(P=1, U=0) unless
; RFLAGS.AC=1 (stac/clac) (SDM Vol 3A 4.6.1); SMEP (CR4 bit 20): a supervisor fetch from a user
; page is #PF with I/D=1 (err 0x11) (SDM Vol 3A 4.6.1, 4.7).
%include "lib.inc"
section .text
_start:
    call sys_init
    mov rax, [user_word]
    PHEX "no smap", rax
    mov rax, cr4
    or eax, 1 << 21
    mov cr4, rax
    TRY .r1
    mov rax, [user_word]
    PUTS "no fault", 10
.r1:
    TRY .r2
    mov dword [user_word], 5
    PUTS "no fault", 10
.r2:
    stac
    mov rax, [user_word]
    PHEX "with stac", rax
    clac
    TRY .r3
    mov rax, [user_word]
    PUTS "no fault", 10
.r3:
    ; a user function called from ring 0 without SMEP runs
    call user_fn
    PHEX "user_fn", rax
    mov rax, cr4
    or eax, 1 << 20
    mov cr4, rax
    TRY .r4
    call user_fn
    PUTS "no fault", 10
.r4:
    EXIT 0x21
section .user_text align=4096
user_fn:
    mov eax, 0x5e5e
    ret
section .user_data
user_word: dq 0x1234567
