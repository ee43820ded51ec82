; SYNTAX TEST "source.nasm" "numeric constants in every NASM radix form (NASM manual 3.4.1)"

    dq 0x1f, 1fh, $1f, 0h1f, 0c8x
;      ^^^^ constant.numeric.hex.nasm
;            ^^^ constant.numeric.hex.nasm
;                 ^^^ constant.numeric.hex.nasm
;                      ^^^^ constant.numeric.hex.nasm
;                            ^^^^ constant.numeric.hex.nasm
    dq 0b101, 101b, 101y, 0y1_0
;      ^^^^^ constant.numeric.binary.nasm
;             ^^^^ constant.numeric.binary.nasm
;                   ^^^^ constant.numeric.binary.nasm
;                         ^^^^^ constant.numeric.binary.nasm
    dq 0o17, 17q, 17o, 0q17
;      ^^^^ constant.numeric.octal.nasm
;            ^^^ constant.numeric.octal.nasm
;                 ^^^ constant.numeric.octal.nasm
;                      ^^^^ constant.numeric.octal.nasm
    dq 0d99, 99d, 99, 1_000, 0t12
;      ^^^^ constant.numeric.decimal.nasm
;            ^^^ constant.numeric.decimal.nasm
;                 ^^ constant.numeric.decimal.nasm
;                     ^^^^^ constant.numeric.decimal.nasm
;                            ^^^^ constant.numeric.decimal.nasm
    dq 1.5, 3.14e-2, 1e10, 0x1.8p3, __?Infinity?__
;      ^^^ constant.numeric.float.nasm
;           ^^^^^^^ constant.numeric.float.nasm
;                    ^^^^ constant.numeric.float.nasm
;                          ^^^^^^^ constant.numeric.float.hex.nasm
;                                   ^^^^^^^^^^^^^^ constant.numeric.float.nasm
    mov rax, 0xC000_0082
;            ^^^^^^^^^^^ constant.numeric.hex.nasm
    mov rax, label1fh
;            ^^^^^^^^ - constant.numeric.hex.nasm
