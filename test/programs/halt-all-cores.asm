; Four cores each print their APIC id (CPUID leaf 1 EBX[31:24]) and halt with IF=0; the machine
; ends with exit code 0 when every core has stopped. Round-robin order with a quantum of 1000
; lets core 0 finish first, then 1, 2, 3.
; run-args: --cpus 4
; expect-exit: 0
; expect-stdout: 0123
bits 64
_start:
    mov eax, 1
    cpuid
    shr ebx, 24
    lea eax, [rbx + '0']
    out 0xe9, al
    cli
    hlt
