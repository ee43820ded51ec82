; SYNTAX TEST "source.nasm" "strings, comments and swapgs-lab annotations"

    db 'it''s', 0
;      ^^^^^^^ string.quoted.single.nasm
    db "a;b", 0
;      ^^^^^ string.quoted.double.nasm
;          ^ - comment.line.semicolon.nasm
    db `tab\there\n\x41\u263a`, 0
;      ^^^^^^^^^^^^^^^^^^^^^^^ string.quoted.other.backtick.nasm
;          ^^ constant.character.escape.nasm
;                ^^ constant.character.escape.nasm
;                  ^^^^ constant.character.escape.nasm
;                      ^^^^^^ constant.character.escape.nasm
    db 'no\n escapes'
;         ^^ - constant.character.escape.nasm
    mov al, 'A'
;           ^^^ string.quoted.single.nasm
    nop ; a comment with mov rax, 1
;       ^ comment.line.semicolon.nasm punctuation.definition.comment.nasm
;                        ^^^ comment.line.semicolon.nasm - keyword.other.mnemonic.nasm
; swapgs-lab: syscall-entry
; ^^^^^^^^^^ comment.line.semicolon.nasm meta.annotation.swapgs-lab.nasm keyword.other.annotation.swapgs-lab.nasm
;             ^^^^^^^^^^^^^ comment.line.semicolon.nasm meta.annotation.swapgs-lab.nasm constant.language.entry-kind.swapgs-lab.nasm
; swapgs-lab: interrupt-entry
;             ^^^^^^^^^^^^^^^ constant.language.entry-kind.swapgs-lab.nasm
; swapgs-lab: not-entry
;             ^^^^^^^^^ constant.language.entry-kind.swapgs-lab.nasm
    push rax ; swapgs-lab-disable-line stack-before-kernel-rsp
;              ^^^^^^^^^^^^^^^^^^^^^^^ comment.line.semicolon.nasm meta.annotation.suppression.swapgs-lab.nasm keyword.other.annotation.swapgs-lab.nasm
;                                      ^^^^^^^^^^^^^^^^^^^^^^^ constant.other.rule-id.swapgs-lab.nasm
; swapgs-lab-disable-next-line gs-user-base-in-kernel, swapgs-speculation
; ^^^^^^^^^^^^^^^^^^^^^^^^^^^^ keyword.other.annotation.swapgs-lab.nasm
;                              ^^^^^^^^^^^^^^^^^^^^^^ constant.other.rule-id.swapgs-lab.nasm
;                                                      ^^^^^^^^^^^^^^^^^ constant.other.rule-id.swapgs-lab.nasm
; the word swapgs-lab alone is just a comment
;          ^^^^^^^^^^ comment.line.semicolon.nasm - keyword.other.annotation.swapgs-lab.nasm
    db "unterminated
;      ^^^^^^^^^^^^^ string.quoted.double.nasm
    nop
;   ^^^ keyword.other.mnemonic.nasm - string.quoted.double.nasm
