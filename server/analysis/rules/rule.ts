// The contract of a rule: a small pure function over one instruction and the path facts reaching
// it (or over the whole program for file-level rules), returning findings with related locations.

import type { SourceRange } from '../../../emulator/asm/types';
import type { Fact, WalkResult } from '../dataflow';
import type { Effect, LInsn } from '../lower';
import type { Program } from '../program';
import type { EntryInfo } from '../types';

export interface Related {
  range: SourceRange;
  message: string;
}

export interface Finding {
  /** Instruction the finding is at. */
  index: number;
  message: string;
  related: Related[];
}

export interface RuleContext {
  p: Program;
  entries: readonly (EntryInfo & { insn: number })[];
  walk: WalkResult;
  /** Facts before instruction i (empty when no entry reaches it). */
  facts(i: number): Fact[];
}

export interface Rule {
  id: string;
  /** Effect kinds the rule looks at: `check` runs only for instructions with one of them. */
  on?: readonly Effect['kind'][];
  /** Called for every instruction (reached or not) with an effect in `on`, in address order. */
  check?(L: LInsn, facts: readonly Fact[], ctx: RuleContext): Finding[];
  /** Called once for file-level rules. */
  checkProgram?(ctx: RuleContext): Finding[];
}
