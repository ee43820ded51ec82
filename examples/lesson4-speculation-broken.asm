; Lesson 4, broken: the interrupt entry without its fences.
;
; The bug: no lfence after the CPL-dependent branch. Architecturally nothing changes (the run
; prints KKKUUUUU like the correct twin), but a mispredicted branch lets `mov rbx, [gs:percpu.ticks]` run
; speculatively with the wrong GS base.
; Expected: run prints KKKUUUUU and exits 0; lint warns swapgs-speculation at the first gs:
; access after the branch; its quick fix puts an lfence on each side of the branch.
; The text below is the correct lesson's.
;
; Lesson 2's entry branches on the saved CS and runs swapgs on one side only. A CPU may predict
; that branch wrongly and run the next instructions speculatively with the wrong GS base: skip
; the swapgs after an interrupt from ring 3 and `mov rbx, [gs:percpu.ticks]` loads through the USER's
; base, or run the swapgs after an interrupt from ring 0. The results are thrown away, but the
; cache keeps a trace, and a user program can measure it (a Spectre v1 gadget).
; The fix (Linux FENCE_SWAPGS_USER_ENTRY / FENCE_SWAPGS_KERNEL_ENTRY) is an lfence on each side
; of the branch, before the first gs: access: lfence does not let later instructions start
; until it completes (Intel SDM vol. 2A, LFENCE), so nothing runs ahead of the CS test.
; The emulator does not speculate, so this program and its broken twin print the same thing;
; only the linter (swapgs-speculation) tells them apart.
;
; The program is lesson 2's: three ticks in ring 0, five in ring 3, one letter per tick.
;
; Run:  node dist/cli.js run examples/lesson4-speculation-broken.asm --timer 32:500   (prints KKKUUUUU)
; Lint: node dist/cli.js lint examples/lesson4-speculation-broken.asm

bits 64
default rel
org 0x100000

MSR_GS_BASE         equ 0xC0000101
MSR_KERNEL_GS_BASE  equ 0xC0000102
TIMER_VECTOR        equ 32
KERNEL_TICKS        equ 3
TOTAL_TICKS         equ 8
KERNEL_CS           equ 0x08
USER_CS             equ 0x28 | 3
USER_SS             equ 0x20 | 3
TSS_SELECTOR        equ 0x30

struc percpu
    .ticks:     resq 1
endstruc

section .text align=4096
global _start
_start:
    ; gs.base = the kernel per-CPU block; the user's base (0) waits in IA32_KERNEL_GS_BASE.
    mov ecx, MSR_GS_BASE
    lea rax, [cpu0]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, MSR_KERNEL_GS_BASE
    xor eax, eax
    xor edx, edx
    wrmsr

    ; A 64-bit TSS descriptor (SDM vol. 3A §9.2.3): limit 0x67, type 9 (available TSS), present;
    ; the base is spread over the descriptor, so it is assembled at run time.
    lea rax, [tss]
    mov ebx, eax
    and ebx, 0x00FFFFFF
    shl rbx, 16
    or rbx, 0x67
    mov rcx, 0x89
    shl rcx, 40
    or rbx, rcx
    mov rcx, rax
    shr rcx, 24
    and ecx, 0xFF
    shl rcx, 56
    or rbx, rcx
    mov [gdt.tss], rbx
    shr rax, 32
    mov [gdt.tss + 8], rax
    lgdt [gdtr]
    mov ax, TSS_SELECTOR
    ltr ax

    ; An interrupt gate for the timer (SDM vol. 3A §7.14.1): offset, selector, type 0xE, present.
    lea rax, [timer_entry]
    lea rdi, [idt + TIMER_VECTOR * 16]
    mov [rdi], ax
    mov word [rdi + 2], KERNEL_CS
    mov word [rdi + 4], 0x8E00
    shr rax, 16
    mov [rdi + 6], ax
    shr rax, 16
    mov [rdi + 8], eax
    lidt [idtr]

    ; Let the timer interrupt the kernel a few times.
    sti
.wait:
    hlt                                     ; with IF=1, waits for the next timer tick
    cmp qword [gs:percpu.ticks], KERNEL_TICKS
    jb .wait
    cli

    ; Enter ring 3 with iretq: push the frame an interrupt from ring 3 would have pushed.
    push USER_SS
    lea rax, [user_stack_top]
    push rax
    push 0x202                              ; RFLAGS: IF=1
    push USER_CS
    lea rax, [user_main]
    push rax
    swapgs                                  ; gs.base = user (0) for ring 3
    iretq

; ---------------------------------------------------------------------------------------------
; The stack on entry: [rsp] RIP, [rsp+8] CS, [rsp+16] RFLAGS, [rsp+24] RSP, [rsp+32] SS.
; swapgs-lab: interrupt-entry
timer_entry:
    test byte [rsp + 8], 3                  ; RPL of the interrupted CS: 3 = came from user mode
    jz .from_kernel
    swapgs                                  ; from ring 3: gs.base = kernel per-CPU block
.from_kernel:                               ; BUG: no lfence on either side of the branch
    push rax
    push rbx
    mov rbx, [gs:percpu.ticks]              ; this CPU's tick count
    inc rbx
    mov [gs:percpu.ticks], rbx
    mov al, 'K'
    test byte [rsp + 24], 3                 ; (two pushes since entry: CS is now at rsp+24)
    jz .print
    mov al, 'U'
.print:
    out 0xE9, al
    cmp rbx, TOTAL_TICKS
    jae .done
    pop rbx
    pop rax
    test byte [rsp + 8], 3                  ; going back to user mode?
    jz .return
    swapgs                                  ; yes: give ring 3 its own GS base back
.return:
    iretq

.done:
    mov al, 10
    out 0xE9, al
    xor eax, eax
    out 0xF4, eax                           ; end the machine, exit code 0

; ---------------------------------------------------------------------------------------------
section .user_text align=4096
user_main:
    inc rax                                 ; ring 3 busy work until the timer fires
    pause
    jmp user_main

; ---------------------------------------------------------------------------------------------
section .data align=4096
cpu0:
    istruc percpu
        at percpu.ticks, dq 0
    iend

; The default GDT of the machine model, plus a TSS descriptor (16 bytes) at 0x30.
align 16
gdt:
    dq 0                                    ; 0x00 null
    dq 0x00AF9A000000FFFF                   ; 0x08 kernel code, 64-bit
    dq 0x00CF92000000FFFF                   ; 0x10 kernel data
    dq 0x00CFFA000000FFFF                   ; 0x18 user code, 32-bit
    dq 0x00CFF2000000FFFF                   ; 0x20 user data
    dq 0x00AFFA000000FFFF                   ; 0x28 user code, 64-bit
.tss:
    dq 0, 0                                 ; 0x30 TSS, filled in by _start
gdt_end:
gdtr:
    dw gdt_end - gdt - 1
    dq gdt

align 16
idt:
    times (TIMER_VECTOR + 1) * 16 db 0
idt_end:
idtr:
    dw idt_end - idt - 1
    dq idt

; The 64-bit TSS (SDM vol. 3A §9.7): RSP0 at offset 4 is the stack for interrupts from ring 3.
align 16
tss:
    dd 0
    dq kernel_stack_top                     ; RSP0
    times 0x66 - ($ - tss) db 0
    dw 0x68                                 ; I/O map base beyond the limit: no I/O bitmap
tss_end:

section .bss nobits align=4096
kernel_stack:       resb 4096
kernel_stack_top:

section .user_bss nobits align=4096
user_stack:         resb 4096
user_stack_top:
