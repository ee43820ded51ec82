; SYNTAX TEST "source.nasm" "preprocessor directives, macro parameters and local labels"

%define MSR_GS_BASE 0xC0000101
; <------- keyword.control.directive.preprocessor.nasm
;       ^^^^^^^^^^^ entity.name.function.preprocessor.nasm
%xdefine TWICE(x) ((x) * 2)
; <-------- keyword.control.directive.preprocessor.nasm
;        ^^^^^ entity.name.function.preprocessor.nasm
%assign i i+1
; <------- keyword.control.directive.preprocessor.nasm
%macro SWAPGS_IF_USER 1-2 8
; <------ keyword.control.directive.preprocessor.nasm
;      ^^^^^^^^^^^^^^ entity.name.function.preprocessor.nasm
    test byte [rsp + %1], 3
;                    ^^ variable.parameter.macro.nasm
    jz %%skip
;      ^^^^^^ variable.other.label.macro-local.nasm
    swapgs
%%skip:
; <------ entity.name.function.label.macro-local.nasm
    mov rax, %{2}
;            ^^^^ variable.parameter.macro.nasm
    mov rbx, %0
;            ^^ variable.parameter.macro.nasm
    dq foo%+%1
;         ^^ keyword.operator.concat.nasm
;           ^^ variable.parameter.macro.nasm
%endmacro
; <--------- keyword.control.directive.preprocessor.nasm
%if CPUS > 1
; <--- keyword.control.directive.preprocessor.nasm
%elif CPUS = 1
; <----- keyword.control.directive.preprocessor.nasm
%else
; <----- keyword.control.directive.preprocessor.nasm
%endif
; <------ keyword.control.directive.preprocessor.nasm
%ifdef DEBUG
; <------ keyword.control.directive.preprocessor.nasm
%endif
%ifidni %1, rax
; <------- keyword.control.directive.preprocessor.nasm
%endif
%rep 4
; <---- keyword.control.directive.preprocessor.nasm
    nop
%endrep
; <------- keyword.control.directive.preprocessor.nasm
%include "percpu.inc"
; <-------- keyword.control.directive.preprocessor.nasm
;        ^^^^^^^^^^^^ string.quoted.double.nasm
%error "bad"
; <------ keyword.control.directive.preprocessor.nasm
%push ctx
; <----- keyword.control.directive.preprocessor.nasm
    jmp %$loop
;       ^^^^^^ variable.other.context-local.nasm
%pop
