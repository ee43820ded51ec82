; SYNTAX TEST "source.nasm" "mnemonics, prefixes and NASM's condition-code aliases"

    swapgs
;   ^^^^^^ keyword.other.mnemonic.nasm
    SYSRET
;   ^^^^^^ keyword.other.mnemonic.nasm
    o64 sysret
;   ^^^ keyword.other.prefix.nasm
;       ^^^^^^ keyword.other.mnemonic.nasm
    iretq
;   ^^^^^ keyword.other.mnemonic.nasm
    lfence
;   ^^^^^^ keyword.other.mnemonic.nasm
    wrmsr
;   ^^^^^ keyword.other.mnemonic.nasm
    jz .done
;   ^^ keyword.other.mnemonic.nasm
;      ^^^^^ variable.other.label.local.nasm - keyword.other.mnemonic.nasm
    cmovnc rax, rbx
;   ^^^^^^ keyword.other.mnemonic.nasm
    setpe al
;   ^^^^^ keyword.other.mnemonic.nasm
    lock cmpxchg [rdi], rsi
;   ^^^^ keyword.other.prefix.nasm
;        ^^^^^^^ keyword.other.mnemonic.nasm
    rep movsb
;   ^^^ keyword.other.prefix.nasm
;       ^^^^^ keyword.other.mnemonic.nasm
    vpternlogq zmm1, zmm2, zmm3, 0x96
;   ^^^^^^^^^^ keyword.other.mnemonic.nasm
    rdgsbase rax
;   ^^^^^^^^ keyword.other.mnemonic.nasm
    mov rax, addr_of_thing
;   ^^^ keyword.other.mnemonic.nasm
;            ^^^^^^^^^^^^^ - keyword.other.mnemonic.nasm
    notamnemonic rax
;   ^^^^^^^^^^^^ - keyword.other.mnemonic.nasm
