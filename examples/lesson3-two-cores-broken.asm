; Lesson 3, broken: two cores sharing one "saved user RSP".
;
; The bug: the syscall entry saves the user RSP in one global variable. That is right on one core
; and wrong on two: core 1 overwrites the value between core 0's save and restore, and core 0
; returns to ring 3 on core 1's stack.
; Expected: with --cpus 2 --quantum 50 the run ends with exit code 1 (a user program found the
; other core's marker on its stack); with --cpus 1, or a quantum long enough that the cores never
; overlap inside the entry, it passes, which is why this bug survives testing. Lint warns
; user-rsp-in-global at the save.
; The text below is the correct lesson's.
;
; With one core, "the" saved user RSP can live in any variable. With two, both cores can be inside
; the syscall entry at the same time, and a single variable is overwritten by the other core
; between save and restore. Linux keeps such values in per-CPU storage reached through gs:, and
; gs.base differs per core because each core has its own IA32_GS_BASE / IA32_KERNEL_GS_BASE MSRs
; (Intel SDM vol. 4, table 2-2; vol. 3A §5.8.8).
;
; Both cores start at _start. Each finds its index (CPUID leaf 1, EBX[31:24] = initial APIC ID,
; SDM vol. 2A, CPUID), points gs.base at its own block of `percpu_area`, and enters ring 3 on its
; own user stack with a marker (its index) pushed on it. The user program writes three lines,
; then checks the marker is still on top of its stack: a wrong marker means the kernel returned
; to ring 3 on the OTHER core's stack.
;
; Run:  node dist/cli.js run examples/lesson3-two-cores-broken.asm --cpus 2 --quantum 50   (exit code 1)
; Lint: node dist/cli.js lint examples/lesson3-two-cores-broken.asm

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
MAX_WRITE   equ 256
MAX_CPUS    equ 4
STACK_SIZE  equ 4096
LINE_LEN    equ 14                          ; each line of `lines` below

struc percpu
    .user_rsp:   resq 1
    .kernel_rsp: resq 1
    .cpu:        resq 1
endstruc

section .text align=4096
global _start
_start:
    mov eax, 1
    cpuid
    shr ebx, 24                             ; ebx = initial APIC ID = core index
    cmp ebx, MAX_CPUS
    jae .park                               ; more cores than per-CPU blocks: stop this one

    ; rdi = &percpu_area[index]; its kernel stack is kernel_stacks[index]
    imul edi, ebx, percpu_size
    lea rax, [percpu_area]
    add rdi, rax
    lea eax, [rbx + 1]
    imul eax, eax, STACK_SIZE
    lea rdx, [kernel_stacks]
    add rax, rdx
    mov [rdi + percpu.kernel_rsp], rax
    mov [rdi + percpu.cpu], rbx

    ; Every core has its own MSRs, so every core programs them.
    mov ecx, MSR_GS_BASE
    mov rax, rdi
    mov rdx, rdi
    shr rdx, 32
    wrmsr
    mov ecx, MSR_KERNEL_GS_BASE
    xor eax, eax
    xor edx, edx
    wrmsr
    mov ecx, MSR_STAR
    xor eax, eax
    mov edx, 0x00180008
    wrmsr
    mov ecx, MSR_LSTAR
    lea rax, [syscall_entry]
    mov rdx, rax
    shr rdx, 32
    wrmsr
    mov ecx, MSR_FMASK
    mov eax, 0x47700
    xor edx, edx
    wrmsr

    ; Ring 3 on this core's own user stack, core index in rdi.
    lea eax, [rbx + 1]
    imul eax, eax, STACK_SIZE
    lea rsp, [user_stacks]
    add rsp, rax
    mov edi, ebx
    lea rcx, [user_main]
    mov r11, 0x202
    swapgs
    o64 sysret

.park:
    cli
    hlt

; ---------------------------------------------------------------------------------------------
; swapgs-lab: syscall-entry
syscall_entry:
    swapgs
    mov [saved_user_rsp], rsp               ; BUG: one variable shared by every core
    mov rsp, [gs:percpu.kernel_rsp]
    push rcx
    push r11

    cmp rax, SYS_WRITE
    je .write
    cmp rax, SYS_EXIT
    je .exit
    mov rax, -ENOSYS
    jmp .return

.write:                                     ; rdi = buffer, rsi = length
    mov rcx, rsi
    cmp rcx, MAX_WRITE
    jbe .len_ok
    mov rcx, MAX_WRITE
.len_ok:
    mov r8, rcx
    ; The console is shared by all cores: take a spinlock so lines do not interleave.
    ; (Shared things need a lock; per-CPU things need gs:.)
.lock:
    mov eax, 1
    xchg eax, [console_lock]                ; xchg with memory is atomic (SDM vol. 2B, XCHG)
    test eax, eax
    jz .locked
.spin:
    pause
    cmp dword [console_lock], 0
    jne .spin
    jmp .lock
.locked:
    test rcx, rcx
    jz .written
.next_byte:
    mov al, [rdi]
    out 0xE9, al
    inc rdi
    dec rcx
    jnz .next_byte
.written:
    mov dword [console_lock], 0             ; release
    mov rax, r8

.return:
    pop r11
    pop rcx
    mov rdx, rcx                            ; canonical return address (CVE-2012-0217)
    shl rdx, 16
    sar rdx, 16
    cmp rdx, rcx
    jne .kill
    mov rsp, [saved_user_rsp]               ; BUG: maybe the other core's stack by now
    swapgs
    o64 sysret

.exit:                                      ; rdi = status: 0 stops this core, else ends the run
    test edi, edi
    jnz .fail
    cli
    hlt                                     ; IF=0: this core stops; the run ends when all have
.kill:
    mov edi, 255
.fail:
    mov eax, edi
    out 0xF4, eax

; ---------------------------------------------------------------------------------------------
section .user_text align=4096
user_main:                                  ; rdi = core index
    mov rbx, rdi
    push rbx                                ; the marker on top of this core's stack
    imul r13, rbx, LINE_LEN
    lea rax, [lines]
    add r13, rax                            ; r13 = this core's line
    mov r12d, 3
.again:
    mov rdi, r13
    mov esi, LINE_LEN
    mov eax, SYS_WRITE
    syscall
    dec r12d
    jnz .again

    pop rax
    cmp rax, rbx
    jne .corrupted
    xor edi, edi
    mov eax, SYS_EXIT
    syscall
.corrupted:
    mov edi, 1                              ; exit code 1: another core's stack
    mov eax, SYS_EXIT
    syscall

section .user_data align=4096
lines:
    db "core 0: hello", 10
    db "core 1: hello", 10
    db "core 2: hello", 10
    db "core 3: hello", 10

section .data align=4096
saved_user_rsp: dq 0
console_lock:   dd 0

section .bss nobits align=4096
percpu_area:    resb percpu_size * MAX_CPUS
    alignb 16
kernel_stacks:  resb STACK_SIZE * MAX_CPUS

section .user_bss nobits align=4096
user_stacks:    resb STACK_SIZE * MAX_CPUS
