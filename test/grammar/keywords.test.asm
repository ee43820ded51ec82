; SYNTAX TEST "source.nasm" "size keywords, modifiers and word operators"

    mov qword [gs:8], rsp
;       ^^^^^ storage.type.size.nasm
    add byte [rax], 1
;       ^^^^ storage.type.size.nasm
    fld tword [rbx]
;       ^^^^^ storage.type.size.nasm
    movdqa oword [rsi], xmm0
;          ^^^^^ storage.type.size.nasm
    vmovdqa32 zword [rdi], zmm0
;             ^^^^^ storage.type.size.nasm
    mov dword ptr [rax], 1
;             ^^^ - storage.type.size.nasm
    push strict dword 5
;        ^^^^^^ storage.modifier.nasm
    jmp short .again
;       ^^^^^ storage.modifier.nasm
    call far [rax]
;        ^^^ storage.modifier.nasm
    jmp near target
;       ^^^^ storage.modifier.nasm
    mov eax, [abs 0x1000]
;             ^^^ storage.modifier.nasm
    mov eax, [nosplit rax*2]
;             ^^^^^^^ storage.modifier.nasm
    mov ax, seg sym wrt other
;           ^^^ keyword.operator.word.nasm
;                   ^^^ keyword.operator.word.nasm
    mov eax, 5 {evex}
;              ^^^^^^ meta.decorator.nasm
    vaddps zmm1{k1}{z}, zmm2, [rax]{1to16}
;                   ^ storage.modifier.decorator.nasm
;               ^^ variable.language.register.mask.nasm
