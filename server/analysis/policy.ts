// Policy as data: MSR numbers the analysis cares about, privileged mnemonics, entry-name
// patterns. The walker and the rules look things up here instead of hard-coding branches.

import { MSR } from '../../emulator/machine/msr';

/** MSR numbers from the machine's MSR table (SDM Vol 4 Table 2-2): one source of truth. */
export const MSR_LSTAR: number = MSR.LSTAR;
export const MSR_CSTAR: number = MSR.CSTAR;
export const MSR_FMASK: number = MSR.FMASK;
export const MSR_GS_BASE: number = MSR.GS_BASE;
export const MSR_KERNEL_GS_BASE: number = MSR.KERNEL_GS_BASE;

/** RFLAGS.IF (SDM Vol 1 3.4.3.3). */
export const RFLAGS_IF = 1n << 9n;
/** CR4.FSGSBASE (SDM Vol 3A 2.5). */
export const CR4_FSGSBASE = 1n << 16n;

/**
 * Mnemonics (iced-x86 names, lowercase) that fault or misbehave at CPL 3: CPL-0-only
 * instructions and the IOPL-sensitive ones (SDM Vol 3A 2.8 "System Instruction Summary").
 * `mov crN/drN` is matched by operand in the rule; iced's own privileged flag is also honoured.
 */
export const PRIVILEGED_MNEMONICS: ReadonlySet<string> = new Set([
  'swapgs', 'rdmsr', 'wrmsr', 'lgdt', 'lidt', 'ltr', 'lldt', 'lmsw', 'clts', 'hlt', 'cli', 'sti',
  'in', 'out', 'insb', 'insw', 'insd', 'outsb', 'outsw', 'outsd', 'invlpg', 'invpcid', 'invd', 'wbinvd',
  'sysret', 'sysretq', 'sysexit', 'sysexitq', 'xsetbv',
]);

/** Global label names that suggest an entry (issue #4: "its name says so and its code agrees"). */
export const ENTRY_NAME_PATTERNS = {
  syscall: /syscall|system_call/,
  interrupt: /isr|irq|fault|exception|interrupt|trap|vector/,
};

/** Registers the path-sensitive walk keeps small constants for (callee-saved flag registers, Linux uses ebx). */
export const FLAG_REGISTERS: readonly string[] = ['rbx', 'r12', 'r13', 'r14', 'r15'];
/** Largest constant kept per flag register (bigger values are forgotten: they are not flags). */
export const FLAG_MAX = 0xffffn;
/** Path variants kept per instruction before details (flag registers, sites) are forgotten: keeps the walk bounded. */
export const MAX_FACTS_PER_INSN = 32;
/** Distinct incoming states a callee is analysed in before further ones are coarsened. */
export const MAX_CONTEXTS_PER_CALLEE = 16;
/** Work items before the walk gives up (a located information diagnostic is emitted). */
export const MAX_WORK = 3_000_000;
