; `--entry` naming a label that does not exist: a usage error (exit 2) that names it.
; run-args: --entry nosuch
; expect-exit: 2
; expect-stderr: entry label 'nosuch' not found
bits 64
_start:
    hlt
