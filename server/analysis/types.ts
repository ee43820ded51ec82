// Public data shapes of the swapgs/GS-base analysis: options, entries, per-instruction state
// summaries and rule metadata. Plain data, no LSP types (the server translates them).

import type { Diagnostic, Severity, SourceRange } from '../../emulator/asm/types';

export type EntryKind = 'syscall' | 'interrupt';

/** Why a label was taken as an entry (hover shows these). */
export type EntryReason =
  | { kind: 'lstar'; msr: number; at: SourceRange } // wrmsr to IA32_LSTAR / IA32_CSTAR with this label's address
  | { kind: 'address-taken'; at: SourceRange } // address used as data (not only called/jumped to) and iretq reachable
  | { kind: 'address-table'; at: SourceRange } // listed in a `dq` table of labels and iretq reachable
  | { kind: 'annotation'; at: SourceRange } // `; swapgs-lab: syscall-entry|interrupt-entry`
  | { kind: 'name'; at: SourceRange } // global label named like an entry and its code agrees
  | { kind: 'settings' }; // options.extraEntries

export interface EntryInfo {
  label: string;
  kind: EntryKind;
  address: number;
  /** The label's definition. */
  range: SourceRange;
  /** Every reason found, most definite first. */
  reasons: EntryReason[];
  /** One sentence for hover: "syscall entry: its address is written to IA32_LSTAR at line 12". */
  description: string;
}

/** A label that looked like an entry but was excluded (`; swapgs-lab: not-entry`). */
export interface NotEntryInfo {
  label: string;
  range: SourceRange;
  at: SourceRange;
}

export type GsBase = 'user' | 'kernel' | 'unknown';
export type Origin = 'user' | 'kernel';
export type StackState = 'user' | 'kernel' | 'unknown';

/** What the analysis knows before (or after) one instruction, merged over every path reaching it. */
export interface GsStateSummary {
  address: number;
  /** Distinct (origin, GS base) pairs of the paths reaching the instruction. */
  pairs: { origin: Origin; gs: GsBase }[];
  /** Possible GS bases (sorted, no duplicates). */
  gsBases: GsBase[];
  origins: Origin[];
  stack: StackState[];
  /** The swapgs instructions that produced the current GS base on some path (empty: since entry). */
  swapSites: SourceRange[];
  /** Entry labels whose paths reach the instruction. */
  entries: string[];
  /** Interrupt flag on the paths: on, off or unknown. */
  interrupts: ('on' | 'off' | 'unknown')[];
  /** Where the user RSP was saved on some path (`gs:0x8`, `abs:0x2000`, `reg:r12`), when it was. */
  userRspSavedAt: string[];
  /** One line for inlay hints / hover: "GS: kernel (swapgs line 31)". */
  text: string;
}

export interface RuleInfo {
  id: string;
  defaultSeverity: Severity;
  title: string;
  /** Path of the rule's doc page relative to the repository root. */
  doc: string;
}

export interface AnalysisOptions {
  extraEntries?: { name: string; kind: EntryKind }[];
  /** Severity override per rule id; 'off' drops the rule's findings. */
  severities?: Record<string, Severity | 'off'>;
}

export interface AnalysisResult {
  /** Front-end diagnostics (unchanged) followed by rule findings, suppression applied, sorted by position. */
  diagnostics: Diagnostic[];
  entries: EntryInfo[];
  notEntries: NotEntryInfo[];
  /** State before (default) or after the instruction at `address`; undefined when no entry reaches it. */
  stateAt(address: number, when?: 'before' | 'after'): GsStateSummary | undefined;
  rules: RuleInfo[];
}
