; SYNTAX TEST "source.nasm" "registers of every kind"

    mov rax, r15
;       ^^^ variable.language.register.general.nasm
;            ^^^ variable.language.register.general.nasm
    mov r8d, r9w
;       ^^^ variable.language.register.general.nasm
;            ^^^ variable.language.register.general.nasm
    mov sil, r10b
;       ^^^ variable.language.register.general.nasm
;            ^^^^ variable.language.register.general.nasm
    mov ah, bh
;       ^^ variable.language.register.general.nasm
    mov gs, ax
;       ^^ variable.language.register.segment.nasm
    mov cr4, rax
;       ^^^ variable.language.register.control.nasm
    mov dr7, rax
;       ^^^ variable.language.register.debug.nasm
    vaddps zmm31, ymm2, xmm15
;          ^^^^^ variable.language.register.vector.nasm
;                 ^^^^ variable.language.register.vector.nasm
;                       ^^^^^ variable.language.register.vector.nasm
    kmovq k7, k1
;         ^^ variable.language.register.mask.nasm
    movq mm0, mm7
;        ^^^ variable.language.register.mmx.nasm
    fld st0
;       ^^^ variable.language.register.fpu.nasm
    lea rax, [rel table]
;             ^^^ storage.modifier.nasm
    mov rax, [gs:0x10]
;             ^^ meta.memory.nasm variable.language.register.segment.nasm
    mov rax, gs:[rbx*8 + 16]
;            ^^ variable.language.register.segment.nasm
;                ^^^ meta.memory.nasm variable.language.register.general.nasm
    mov rax, rax_copy
;            ^^^^^^^^ - variable.language.register.general.nasm
