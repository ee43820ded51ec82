// Entry point of the swapgs/GS-base analysis: AssembledProgram in, diagnostics + entries +
// per-instruction GS state out. Pure: no LSP types, no I/O, never throws on user input.

import type { AssembledProgram } from '../../emulator/asm/types';
import { RULES } from './rule-ids';
import type { AnalysisOptions, AnalysisResult } from './types';

export { RULES, RULE_BY_ID } from './rule-ids';
export type * from './types';

export function analyze(program: AssembledProgram, _options: AnalysisOptions = {}): AnalysisResult {
  return {
    diagnostics: [...program.diagnostics],
    entries: [],
    notEntries: [],
    stateAt: () => undefined,
    rules: [...RULES],
  };
}
