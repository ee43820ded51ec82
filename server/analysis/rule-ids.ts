// The rule table: stable ids (a public interface: settings and suppression comments name them),
// default severities and one-line titles. The LSP, the CLI and the docs list rules from here.

import type { RuleInfo } from './types';

const R = (id: string, defaultSeverity: RuleInfo['defaultSeverity'], title: string): RuleInfo => ({
  id,
  defaultSeverity,
  title,
  doc: `docs/rules/${id}.md`,
});

/** Every rule of the analysis plus the front end's diagnostic codes, in the order. */
export const RULES: readonly RuleInfo[] = [
  R('gs-kernel-base-on-exit', 'error', 'Return to user mode with the kernel GS base active'),
  R('gs-user-base-on-kernel-return', 'error', 'iretq to interrupted kernel code with the user GS base active'),
  R('gs-user-base-in-kernel', 'error', 'gs: access in kernel code while the user GS base is active'),
  R('gs-state-conflict', 'error', 'Paths that meet disagree about the GS base'),
  R('swapgs-without-cpl-check', 'error', 'swapgs in an interrupt entry without testing the interrupted CS'),
  R('swapgs-speculation', 'warning', 'CPL-dependent branch around swapgs without lfence (CVE-2019-1125)'),
  R('stack-before-kernel-rsp', 'error', 'Stack used in a syscall entry before the kernel RSP is loaded'),
  R('user-rsp-not-saved', 'error', 'RSP overwritten in a syscall entry before the user RSP was stored'),
  R('user-rsp-not-restored', 'error', 'sysret while RSP still holds the kernel stack pointer'),
  R('user-rsp-in-global', 'warning', 'User RSP / kernel RSP kept in a global instead of per-CPU (gs:) storage'),
  R('interrupts-enabled-with-user-gs', 'error', 'Interrupts enabled in kernel code while the user GS base is active'),
  R('sfmask-allows-interrupts', 'warning', 'IA32_FMASK never masks IF: syscall entry runs with interrupts on'),
  R('kernel-gs-base-never-set', 'warning', 'swapgs used but IA32_KERNEL_GS_BASE / IA32_GS_BASE never written'),
  R('sysret-32bit', 'warning', 'sysret without o64 returns to compatibility mode'),
  R('sysret-rcx-unchecked', 'information', 'sysret with an RCX not checked canonical (CVE-2012-0217)'),
  R('privileged-in-user-code', 'error', 'Privileged instruction in a .user section'),
  R('gs-selector-load', 'warning', 'Loading the GS selector wipes gs.base'),
  R('fsgsbase-not-enabled', 'warning', 'rd/wr{fs,gs}base without CR4.FSGSBASE (bit 16) ever set'),
  R('syntax-error', 'error', 'Syntax error (front end)'),
  R('invalid-operands', 'error', 'Invalid combination of opcode and operands (front end)'),
  R('undefined-symbol', 'error', 'Undefined symbol (front end)'),
  R('macro-error', 'error', 'Macro or preprocessor error (front end)'),
];

export const RULE_BY_ID: ReadonlyMap<string, RuleInfo> = new Map(RULES.map((r) => [r.id, r]));

/** Ids the front end reports; the analysis passes them through unchanged. */
export const FRONT_END_RULES: ReadonlySet<string> = new Set([
  'syntax-error',
  'invalid-operands',
  'undefined-symbol',
  'macro-error',
]);
