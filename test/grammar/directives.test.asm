; SYNTAX TEST "source.nasm" "assembler directives and data"

bits 64
; <---- keyword.other.directive.nasm
default rel
; <------- keyword.other.directive.nasm
;       ^^^ storage.modifier.nasm
org 0x100000
; <--- keyword.other.directive.nasm
section .text align=4096
; <------- keyword.other.directive.nasm
;       ^^^^^ entity.name.section.nasm
;             ^^^^^^ storage.modifier.section.nasm
segment .user_data progbits write
; <------- keyword.other.directive.nasm
;       ^^^^^^^^^^ entity.name.section.nasm
;                  ^^^^^^^^ storage.modifier.section.nasm
global _start
; <------ keyword.other.directive.nasm
extern printk
; <------ keyword.other.directive.nasm
MSR_LSTAR equ 0xC0000082
; <--------- entity.name.constant.nasm
;         ^^^ keyword.other.directive.nasm
    times 16 db 0
;   ^^^^^ keyword.other.directive.nasm
;            ^^ storage.type.data.nasm
msg: db "hi", 10
;    ^^ storage.type.data.nasm
table dq handler, 0
; <----- entity.name.function.label.nasm
;     ^^ storage.type.data.nasm
    dw 1
;   ^^ storage.type.data.nasm
    dd 1
;   ^^ storage.type.data.nasm
    dt 1.0
;   ^^ storage.type.data.nasm
    do 1
;   ^^ storage.type.data.nasm
    dy 1
;   ^^ storage.type.data.nasm
    dz 1
;   ^^ storage.type.data.nasm
    resb 64
;   ^^^^ storage.type.reserve.nasm
    resq 1
;   ^^^^ storage.type.reserve.nasm
    resz 1
;   ^^^^ storage.type.reserve.nasm
    align 16
;   ^^^^^ keyword.other.directive.nasm
    alignb 8
;   ^^^^^^ keyword.other.directive.nasm
struc percpu
; <----- keyword.other.directive.nasm
    .user_rsp: resq 1
;   ^^^^^^^^^ entity.name.function.label.local.nasm
endstruc
; <-------- keyword.other.directive.nasm
    istruc percpu
;   ^^^^^^ keyword.other.directive.nasm
        at percpu.user_rsp, dq 0
;       ^^ keyword.other.directive.nasm
    iend
;   ^^^^ keyword.other.directive.nasm
    incbin "blob.bin"
;   ^^^^^^ keyword.other.directive.nasm
cpu x64
; <--- keyword.other.directive.nasm
absolute 0
; <-------- keyword.other.directive.nasm
[bits 64]
; <- punctuation.definition.memory.begin.nasm
;^^^^ keyword.other.directive.nasm
