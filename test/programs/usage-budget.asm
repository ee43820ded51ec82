; An endless loop: the instruction budget ends the run with exit code 4 and a message.
; run-args: --max-instructions 1000
; expect-exit: 4
; expect-stderr: instruction budget of 1000 exhausted
bits 64
_start:
    jmp _start
