// What the instructions that matter for entry code do to the state no register shows
// (gs.base, IA32_KERNEL_GS_BASE, CPL, RSP, IF, speculation), one line each with the manual
// section it comes from. Data only: the hover prints it.

export interface HiddenEffect {
  text: string;
  /** Intel SDM volume and section (or AMD APM) the text is taken from. */
  cite: string;
}

const E = (text: string, cite: string): HiddenEffect => ({ text, cite });

export const HIDDEN_EFFECTS: Readonly<Record<string, HiddenEffect>> = {
  swapgs: E(
    'Exchanges gs.base with IA32_KERNEL_GS_BASE (MSR 0xC0000102). Nothing else changes: the GS selector, RSP and CPL stay as they are. #GP(0) at CPL > 0, #UD outside 64-bit mode.',
    'Intel SDM Vol. 2B, SWAPGS; Vol. 3A 5.8.8',
  ),
  syscall: E(
    'RCX <- RIP of the next instruction, R11 <- RFLAGS, RFLAGS &= ~IA32_FMASK, RIP <- IA32_LSTAR, CS/SS from IA32_STAR[47:32], CPL <- 0. RSP and gs.base are NOT changed: the entry still runs on the user stack with the user GS base.',
    'Intel SDM Vol. 2B, SYSCALL; Vol. 3A 5.8.8',
  ),
  sysret: E(
    'RIP <- RCX, RFLAGS <- R11, CS/SS from IA32_STAR[63:48], CPL <- 3. Without REX.W (`o64`) it returns to 32-bit compatibility mode. RSP and gs.base are not restored: the kernel must swapgs and reload the user RSP itself. On Intel a non-canonical RCX raises #GP(0) while still at CPL 0.',
    'Intel SDM Vol. 2B, SYSRET; Vol. 3A 5.8.8',
  ),
  sysretq: E('With REX.W (`o64 sysret`, `sysretq`): returns to 64-bit user mode (RIP <- RCX, RFLAGS <- R11, CPL <- 3). gs.base and RSP are not restored.', 'Intel SDM Vol. 2B, SYSRET'),
  iretq: E(
    'Pops RIP, CS, RFLAGS, RSP, SS from the stack. Returning to CPL 3 switches privilege; gs.base is not touched, so a return to user mode must swapgs first, a return to kernel mode must not.',
    'Intel SDM Vol. 2A, IRET/IRETD/IRETQ; Vol. 3A 7.14.3',
  ),
  iret: E('In 64-bit code NASM encodes the 32-bit form: use `iretq` to pop a 64-bit frame.', 'Intel SDM Vol. 2A, IRET'),
  sysexit: E('Returns to user mode from a SYSENTER entry: RIP <- RDX, RSP <- RCX, CPL <- 3. gs.base is not touched.', 'Intel SDM Vol. 2B, SYSEXIT'),
  wrmsr: E(
    'Writes EDX:EAX to the MSR numbered ECX. IA32_LSTAR (0xC0000082) installs the syscall entry, IA32_FMASK (0xC0000084) the RFLAGS bits cleared on entry, IA32_GS_BASE (0xC0000101) sets gs.base, IA32_KERNEL_GS_BASE (0xC0000102) the value swapgs swaps in. #GP(0) at CPL > 0 or for a non-canonical base.',
    'Intel SDM Vol. 2B, WRMSR; Vol. 4 Table 2-2',
  ),
  rdmsr: E('Reads the MSR numbered ECX into EDX:EAX. #GP(0) at CPL > 0 or for an unimplemented MSR.', 'Intel SDM Vol. 2B, RDMSR'),
  rdgsbase: E('Reads gs.base into the register. #UD unless CR4.FSGSBASE (bit 16) is set.', 'Intel SDM Vol. 2B, RDFSBASE/RDGSBASE'),
  wrgsbase: E('Writes gs.base from the register (any CPL). #UD unless CR4.FSGSBASE (bit 16) is set; #GP(0) for a non-canonical value.', 'Intel SDM Vol. 2B, WRFSBASE/WRGSBASE'),
  rdfsbase: E('Reads fs.base into the register. #UD unless CR4.FSGSBASE (bit 16) is set.', 'Intel SDM Vol. 2B, RDFSBASE/RDGSBASE'),
  wrfsbase: E('Writes fs.base from the register. #UD unless CR4.FSGSBASE (bit 16) is set.', 'Intel SDM Vol. 2B, WRFSBASE/WRGSBASE'),
  lfence: E(
    'Does not execute until all earlier instructions have completed locally: stops speculation past a mispredicted CPL branch from reaching a gs: access with the wrong base (CVE-2019-1125).',
    'Intel SDM Vol. 2A, LFENCE; Intel "Speculative Execution Side Channel Mitigations"',
  ),
  cli: E('Clears RFLAGS.IF: maskable interrupts are held pending.', 'Intel SDM Vol. 2A, CLI'),
  sti: E('Sets RFLAGS.IF; interrupts are recognised after the next instruction (interrupt shadow).', 'Intel SDM Vol. 2B, STI'),
  popfq: E('Pops RFLAGS; at CPL 0 this can set IF (enable interrupts).', 'Intel SDM Vol. 2B, POPF/POPFD/POPFQ'),
  popf: E('Pops FLAGS; at CPL 0 this can set IF (enable interrupts).', 'Intel SDM Vol. 2B, POPF/POPFD/POPFQ'),
  hlt: E('Stops the core until an interrupt (or for good with IF=0). Privileged: #GP(0) at CPL > 0.', 'Intel SDM Vol. 2A, HLT'),
  lgs: E('Loads GS from memory: the descriptor load replaces gs.base (bits 63:32 become 0).', 'Intel SDM Vol. 2A, LDS/LES/LFS/LGS/LSS; Vol. 3A 3.4.4'),
  lfs: E('Loads FS from memory: the descriptor load replaces fs.base.', 'Intel SDM Vol. 2A, LDS/LES/LFS/LGS/LSS'),
  lgdt: E('Loads GDTR. Privileged.', 'Intel SDM Vol. 2A, LGDT/LIDT'),
  lidt: E('Loads IDTR: the table interrupts and exceptions are delivered through. Privileged.', 'Intel SDM Vol. 2A, LGDT/LIDT'),
  ltr: E('Loads the task register; the TSS gives RSP0 for a privilege change on interrupt delivery. Privileged.', 'Intel SDM Vol. 2A, LTR; Vol. 3A 8.7'),
  int: E('Software interrupt through the IDT gate; from CPL 3 the gate DPL must be 3. Switches to TSS.RSP0 on a privilege change; gs.base is not touched.', 'Intel SDM Vol. 2A, INT n; Vol. 3A 7.12'),
  invlpg: E('Invalidates the TLB entry for the page. Privileged.', 'Intel SDM Vol. 2A, INVLPG'),
  stac: E('Sets RFLAGS.AC: supervisor accesses to user pages are allowed under SMAP.', 'Intel SDM Vol. 2B, STAC'),
  clac: E('Clears RFLAGS.AC: supervisor accesses to user pages fault under SMAP.', 'Intel SDM Vol. 2A, CLAC'),
};

/** `mov gs, r` / `pop gs`: a selector load in 64-bit mode wipes gs.base (SDM Vol. 3A 3.4.4). */
export const GS_SELECTOR_LOAD: HiddenEffect = E(
  'Loads the GS selector: in 64-bit mode the descriptor load sets gs.base from the descriptor (bits 63:32 zero), discarding the base swapgs or WRMSR set.',
  'Intel SDM Vol. 3A 3.4.4',
);

/** `mov crN, r`: what the control register governs that entry code cares about. */
export const CONTROL_REGISTER_WRITES: Readonly<Record<string, HiddenEffect>> = {
  cr0: E('Writes CR0: PG (bit 31) paging, WP (bit 16) write-protect in ring 0, PE (bit 0) protected mode.', 'Intel SDM Vol. 3A 2.5'),
  cr3: E('Writes CR3: the page-table root; flushes non-global TLB entries (PCID rules aside).', 'Intel SDM Vol. 3A 2.5, 4.10.4'),
  cr4: E(
    'Writes CR4: FSGSBASE (bit 16) allows rd/wr{fs,gs}base at any CPL, SMEP (bit 20) / SMAP (bit 21) stop the kernel executing / touching user pages, PCIDE (bit 17).',
    'Intel SDM Vol. 3A 2.5',
  ),
  cr8: E('Writes CR8: the task priority (interrupts at or below this class are held).', 'Intel SDM Vol. 3A 2.5'),
};

/** `mov rsp, ...` in entry code: the stack switch SYSCALL does not do. */
export const RSP_LOAD: HiddenEffect = E(
  'Loads RSP. After SYSCALL, RSP still holds the user stack pointer: the kernel stack is loaded by the entry code itself, after saving the user RSP (Linux keeps both in per-CPU storage reached through gs:).',
  'Intel SDM Vol. 2B, SYSCALL; Vol. 3A 5.8.8',
);

/** Well-known MSRs beyond those the machine implements (names only; Intel SDM Vol. 4 Table 2-2). */
export const EXTRA_MSR_NAMES: Readonly<Record<number, string>> = {
  0x1b: 'IA32_APIC_BASE',
  0x3a: 'IA32_FEATURE_CONTROL',
  0x48: 'IA32_SPEC_CTRL',
  0x49: 'IA32_PRED_CMD',
  0x10a: 'IA32_ARCH_CAPABILITIES',
  0x174: 'IA32_SYSENTER_CS',
  0x175: 'IA32_SYSENTER_ESP',
  0x176: 'IA32_SYSENTER_EIP',
  0x1a0: 'IA32_MISC_ENABLE',
  0x277: 'IA32_PAT',
  0x6e0: 'IA32_TSC_DEADLINE',
  0x802: 'IA32_X2APIC_APICID',
};
