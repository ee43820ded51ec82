; QEMU side of the differential harness: a multiboot (v1, a.out kludge) image that rebuilds the
; emulator's machine model (DESIGN.md "The machine model") and jumps to the program's entry.
; Built by harness.ts with  nasm -f bin -DLAYOUT="<generated layout.inc>"  where layout.inc defines
; PROGRAM_BIN (nasm -f bin output of the program), PROGRAM_BASE (load address of its first byte),
; PROGRAM_ENTRY and `progmap` (dd page, pte-flags ... dd 0, 0), one entry per mapped program page.
;
; What the program sees at entry, as in emulator/machine (loader.ts, machine.ts, cpu/core.ts):
;  - 64-bit mode, CPL0, CS=0x08, SS=DS=ES=0x10, FS=GS=0 with bases 0, KERNEL_GS_BASE 0
;  - GDT at linear 0x7000_0000 (limit 47): null, kcode64, kdata, ucode32, udata, ucode64
;  - IDTR limit 0 (no IDT: any exception ends in a triple fault = QEMU shuts down, -no-reboot)
;  - RSP = 0x7001_3000 (64 KiB stack at 0x7000_3000, guard pages around it unmapped)
;  - CR0 = 0x80050033, CR4 = PAE only, EFER = LME|LMA|SCE, RFLAGS = 2, every GPR 0
;  - 4 KiB identity pages for the program's sections (U/S from `.user*`, all writable, no NX);
;    nothing else but the shim itself (supervisor) at SHIM_BASE.
; The page tables live in physical memory that no virtual address reaches.

%include LAYOUT

SHIM_BASE   equ 0x1000000          ; 16 MiB: programs must end below it (harness checks)
SYS_VA      equ 0x70000000          ; emulator's system area (gdt page, guards, stack)
STACK_TOP   equ SYS_VA + 0x13000

bits 32
org SHIM_BASE

mb_header:
    dd 0x1BADB002                   ; magic
    dd 0x00010000                   ; flags: a.out kludge (addresses below are valid)
    dd -(0x1BADB002 + 0x00010000)
    dd mb_header                    ; header_addr
    dd SHIM_BASE                    ; load_addr
    dd load_end                     ; load_end_addr
    dd bss_end                      ; bss_end_addr
    dd start32                      ; entry_addr

start32:
    cli
    cld
    ; the firmware leaves the 8259 PICs unmasked with IRQ0 (PIT) on vector 8: mask every line,
    ; the machine model has no external interrupts but its own timer
    mov al, 0xff
    out 0x21, al
    out 0xa1, al
    ; shim bss (page tables, stack) to zero
    mov edi, bss_start
    mov ecx, (bss_end - bss_start) / 4
    xor eax, eax
    rep stosd
    ; zero every program page, then copy the image over them
    mov esi, progmap
.zero:
    mov edi, [esi]
    test edi, edi
    jz .zeroed
    mov ecx, 1024
    xor eax, eax
    rep stosd
    add esi, 8
    jmp .zero
.zeroed:
    mov esi, prog_image
    mov edi, PROGRAM_BASE
    mov ecx, prog_image_end - prog_image
    rep movsb

    ; page tables: PML4[0] -> PDPT; PDPT[0] -> PD0 (0-1 GiB), PDPT[1] -> PD1 (1-2 GiB)
    mov dword [pml4], pdpt + 7
    mov dword [pdpt], pd0 + 7
    mov dword [pdpt + 8], pd1 + 7
    ; PD0[0..8] -> pt_low (9 contiguous page tables: 0-18 MiB); leaf entries decide U/S
    mov edi, pd0
    mov eax, pt_low + 7
    mov ecx, 9
.pd0:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .pd0
    mov dword [pd1 + ((SYS_VA - 0x40000000) >> 21) * 8], pt_sys + 7
    ; program pages
    mov esi, progmap
.map:
    mov eax, [esi]
    test eax, eax
    jz .mapped
    mov edx, eax
    shr edx, 12
    or eax, [esi + 4]
    mov [pt_low + edx * 8], eax
    add esi, 8
    jmp .map
.mapped:
    ; the shim itself, supervisor read/write
    mov eax, SHIM_BASE
.shim:
    mov edx, eax
    shr edx, 12
    lea ebx, [eax + 3]
    mov [pt_low + edx * 8], ebx
    add eax, 4096
    cmp eax, shim_mapped_end
    jb .shim
    ; system area: the gdt page at SYS_VA, the stack at SYS_VA + 0x3000 .. + 0x13000
    mov dword [pt_sys], gdt_page + 3
    mov edi, pt_sys + 3 * 8
    mov eax, stack_phys + 3
    mov ecx, 16
.stk:
    mov [edi], eax
    add eax, 4096
    add edi, 8
    loop .stk

    ; long mode (SDM Vol 3A 10.8.5): PAE, CR3, EFER.LME|SCE, then CR0.PG
    mov eax, 0x20
    mov cr4, eax
    mov eax, pml4
    mov cr3, eax
    mov ecx, 0xC0000080
    rdmsr
    or eax, 0x101
    wrmsr
    lgdt [gdtr32]
    mov eax, 0x80050033             ; PG PE MP ET NE WP AM, as the emulator's reset CR0
    mov cr0, eax
    jmp 0x08:long64

bits 64
long64:
    lgdt [rel gdtr64]
    mov ax, 0x10
    mov ds, ax
    mov es, ax
    mov ss, ax
    xor eax, eax
    mov fs, ax
    mov gs, ax
    lidt [rel idtr0]
    xor eax, eax
    lldt ax                         ; LDTR null as in the emulator (reset leaves base 0, limit 0xffff)
    xor eax, eax
    xor edx, edx
    mov ecx, 0xC0000100             ; FS_BASE
    wrmsr
    mov ecx, 0xC0000101             ; GS_BASE
    wrmsr
    mov ecx, 0xC0000102             ; KERNEL_GS_BASE
    wrmsr
    mov rsp, STACK_TOP
    xor eax, eax
    xor ebx, ebx
    xor ecx, ecx
    xor edx, edx
    xor esi, esi
    xor edi, edi
    xor ebp, ebp
    xor r8d, r8d
    xor r9d, r9d
    xor r10d, r10d
    xor r11d, r11d
    xor r12d, r12d
    xor r13d, r13d
    xor r14d, r14d
    xor r15d, r15d
    push 2                          ; RFLAGS = 2 last: the xors above set ZF/PF
    popfq
    jmp [rel entry_ptr]

align 8
entry_ptr: dq PROGRAM_ENTRY
gdtr32:
    dw 47
    dd gdt_page
align 8
gdtr64:
    dw 47
    dq SYS_VA
idtr0:
    dw 0
    dq 0

align 4096
gdt_page:                           ; the emulator's default GDT (emulator/machine/descriptors.ts)
    dq 0x0000000000000000           ; 0x00 null
    dq 0x00af9b000000ffff           ; 0x08 kernel code, L=1, DPL0
    dq 0x00cf93000000ffff           ; 0x10 kernel data
    dq 0x00cffb000000ffff           ; 0x18 user code32, DPL3
    dq 0x00cff3000000ffff           ; 0x20 user data, DPL3
    dq 0x00affb000000ffff           ; 0x28 user code64, DPL3
align 4096
prog_image:
    incbin PROGRAM_BIN
prog_image_end:
align 4096
shim_mapped_end:
load_end:

section .bss align=4096
bss_start:
pml4:     resb 4096
pdpt:     resb 4096
pd0:      resb 4096
pd1:      resb 4096
pt_low:   resb 9 * 4096
pt_sys:   resb 4096
stack_phys: resb 16 * 4096
bss_end:
