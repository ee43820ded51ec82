; SYNTAX TEST "source.nasm" "label definitions and references"

_start:
; <------ entity.name.function.label.nasm
;     ^ punctuation.separator.label.nasm
syscall_entry: swapgs
; <------------- entity.name.function.label.nasm
;              ^^^^^^ keyword.other.mnemonic.nasm
.out:
; <---- entity.name.function.label.local.nasm
  .loop: dec rcx
; ^^^^^ entity.name.function.label.local.nasm
;        ^^^ keyword.other.mnemonic.nasm
..@special:
; <---------- entity.name.function.label.special.nasm
    jmp ..@special
;       ^^^^^^^^^^ variable.other.label.special.nasm
    jne .out
;       ^^^^ variable.other.label.local.nasm
    jmp $
;       ^ variable.language.location.nasm
    times 510-($-$$) db 0
;              ^ variable.language.location.nasm
;                ^^ variable.language.location.nasm
    mov eax, __?BITS?__
;            ^^^^^^^^^^ support.constant.builtin.nasm
