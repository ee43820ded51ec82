; Lesson 1, broken: the syscall entry with one classic bug.
;
; The bug: the shortcut for unknown system calls was copied from the normal exit path and lost its
; swapgs. The user program returns to ring 3 with the KERNEL's GS base active (and the user's in
; IA32_KERNEL_GS_BASE). Its next syscall swaps them the wrong way round: gs.base becomes 0, and
; `mov [gs:percpu.user_rsp], rsp` writes to address 0, an unmapped page.
; Expected: run stops with an unhandled #PF (exit code 3); lint reports gs-kernel-base-on-exit
; at the sysret of the shortcut, and its quick fix inserts the missing swapgs.
; The text below is the correct lesson's, with the shortcut added.
;
; SYSCALL jumps to the address in IA32_LSTAR at CPL0, but it changes almost nothing else: RSP is
; still the user's stack and GS still points at the user's GS base (Intel SDM vol. 2B, SYSCALL;
; vol. 3A §5.8.8). The entry code must
;   1. swapgs, so gs.base becomes this CPU's kernel per-CPU block (IA32_KERNEL_GS_BASE),
;   2. save the user RSP in per-CPU storage and load the kernel RSP from it, before any push,
;   3. undo both on the way out: user RSP back, swapgs, o64 sysret.
; Every path out of the entry needs its own swapgs; lesson1-syscall-broken.asm forgets one.
;
; Run:  node dist/cli.js run examples/lesson1-syscall-broken.asm
; Lint: node dist/cli.js lint examples/lesson1-syscall-broken.asm

bits 64
default rel
org 0x100000

MSR_STAR            equ 0xC0000081
MSR_LSTAR           equ 0xC0000082
MSR_FMASK           equ 0xC0000084
MSR_GS_BASE         equ 0xC0000101
MSR_KERNEL_GS_BASE  equ 0xC0000102

SYS_WRITE   equ 1
SYS_EXIT    equ 60
ENOSYS      equ 38
MAX_WRITE   equ 256          ; the kernel never trusts a user length without a bound

; The per-CPU block that gs.base points at while the kernel runs.
struc percpu
    .user_rsp:   resq 1      ; the user RSP, saved at entry
    .kernel_rsp: resq 1      ; top of this CPU's kernel stack
endstruc

section .text align=4096
global _start
_start:
    ; Kernel mode: gs.base = the per-CPU block. The user's GS base (0 here) waits in
    ; IA32_KERNEL_GS_BASE until the first swapgs.
    mov ecx, MSR_GS_BASE
    lea rax, [cpu0]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, MSR_KERNEL_GS_BASE
    xor eax, eax
    xor edx, edx
    wrmsr

    ; IA32_STAR[47:32] = kernel CS (0x08, SS = 0x10); [63:48] = 0x18, so SYSRET loads
    ; CS = 0x18 + 16 = 0x28 | 3 and SS = 0x18 + 8 = 0x20 | 3 (SDM vol. 2B, SYSRET).
    mov ecx, MSR_STAR
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    mov ecx, MSR_LSTAR
    lea rax, [syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    ; IA32_FMASK: clear TF, IF, DF and AC on entry, so no interrupt arrives before swapgs.
    mov ecx, MSR_FMASK
    mov eax, 0x47700
    xor edx, edx
    wrmsr

    ; Enter ring 3 the way every syscall returns: RCX = user RIP, R11 = user RFLAGS.
    lea rcx, [user_main]
    mov r11, 0x202
    lea rsp, [user_stack_top]
    swapgs                      ; gs.base = user (0), IA32_KERNEL_GS_BASE = cpu0
    o64 sysret

; ---------------------------------------------------------------------------------------------
; swapgs-lab: syscall-entry
syscall_entry:
    swapgs                                  ; gs.base = cpu0 (kernel)
    mov [gs:percpu.user_rsp], rsp           ; save the user stack pointer per CPU...
    mov rsp, [gs:percpu.kernel_rsp]         ; ...and only then switch to the kernel stack
    push rcx                                ; user RIP
    push r11                                ; user RFLAGS

    cmp rax, SYS_WRITE
    je .write
    cmp rax, SYS_EXIT
    je .exit
    ; Unknown call: return -ENOSYS straight away (a "fast path").
    mov rax, -ENOSYS
    pop r11
    pop rcx
    mov rdx, rcx
    shl rdx, 16
    sar rdx, 16
    cmp rdx, rcx
    jne .exit_bad_rip
    mov rsp, [gs:percpu.user_rsp]
    o64 sysret                              ; BUG: this path never swaps the GS base back

.write:                                     ; rdi = buffer, rsi = length
    mov rcx, rsi
    cmp rcx, MAX_WRITE
    jbe .len_ok
    mov rcx, MAX_WRITE
.len_ok:
    mov r8, rcx                             ; return value: bytes written
    test rcx, rcx
    jz .written
.next_byte:
    mov al, [rdi]
    out 0xE9, al                            ; the debug console port
    inc rdi
    dec rcx
    jnz .next_byte
.written:
    mov rax, r8

.return:
    pop r11
    pop rcx
    ; SYSRET with a non-canonical RCX raises #GP in ring 0 on Intel (CVE-2012-0217):
    ; make sure the return address is canonical before using it.
    mov rdx, rcx
    shl rdx, 16
    sar rdx, 16
    cmp rdx, rcx
    jne .exit_bad_rip
    mov rsp, [gs:percpu.user_rsp]           ; back to the user stack
    swapgs                                  ; gs.base = user again
    o64 sysret                              ; 64-bit SYSRET (without o64 it returns to 32-bit code)

.exit_bad_rip:
    mov edi, 255
.exit:
    mov eax, edi
    out 0xF4, eax                           ; ends the machine with the exit code in eax

; ---------------------------------------------------------------------------------------------
section .user_text align=4096
user_main:
    mov eax, 99                             ; a call the kernel does not know
    syscall
    cmp rax, -ENOSYS
    jne .fail

    lea rdi, [hello]
    mov esi, hello_len
    mov eax, SYS_WRITE
    syscall

    lea rdi, [bye]
    mov esi, bye_len
    mov eax, SYS_WRITE
    syscall

    xor edi, edi
    mov eax, SYS_EXIT
    syscall
.fail:
    mov edi, 1
    mov eax, SYS_EXIT
    syscall

section .user_data align=4096
hello:      db "hello from ring 3", 10
hello_len   equ $ - hello
bye:        db "and back again, GS intact", 10
bye_len     equ $ - bye

section .data align=4096
cpu0:
    istruc percpu
        at percpu.user_rsp,   dq 0
        at percpu.kernel_rsp, dq kernel_stack_top
    iend

section .bss nobits align=4096
kernel_stack:       resb 4096
kernel_stack_top:

section .user_bss nobits align=4096
user_stack:         resb 4096
user_stack_top:
