; An assembly error: `run` prints it as file:line:col and exits with 2 without running.
; run-args:
; expect-exit: 2
; expect-stderr: usage-assembly-error\.asm:8:\d+: error:
bits 64
_start:
    mov eax, 1
    movz eax, ebx
    hlt
