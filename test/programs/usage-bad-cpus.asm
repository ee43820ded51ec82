; `--cpus 100000`: a usage error (exit 2) that gives the allowed range.
; run-args: --cpus 100000
; expect-exit: 2
; expect-stderr: --cpus must be between 1 and 64
bits 64
_start:
    hlt
