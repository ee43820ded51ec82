// Test helpers for the analysis: assemble a fixture with the project's lint-mode assembler (or
// with nasm through nasm-program.ts, for cross-checks), analyze it, and list findings as
// "rule@line" (1-based).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { assemble } from '../../emulator/asm/index';
import type { AssembledProgram, FileHost } from '../../emulator/asm/types';
import { analyze } from '../../server/analysis/index';
import type { AnalysisOptions, AnalysisResult } from '../../server/analysis/types';
import { nasmProgram } from './nasm-program';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'lint');

/** A host with no files: fixtures are self-contained. */
const NO_FILES: FileHost = {
  readText: () => undefined,
  readBytes: () => undefined,
  resolve: () => undefined,
};

export type Assembler = 'project' | 'nasm';

export function assembleForLint(source: string, via: Assembler = 'project'): AssembledProgram {
  return via === 'nasm' ? nasmProgram(source, 'test.asm') : assemble(source, 'test.asm', { host: NO_FILES, lint: true });
}

export function lint(source: string, options?: AnalysisOptions, via: Assembler = 'project'): AnalysisResult {
  return analyze(assembleForLint(source, via), options);
}

export function lintFixture(name: string, options?: AnalysisOptions, via: Assembler = 'project'): AnalysisResult {
  return lint(readFileSync(join(FIXTURES, name), 'utf8'), options, via);
}

/** Findings as `rule@line` strings (1-based lines), in order. */
export function findings(r: AnalysisResult, rule?: string): string[] {
  return r.diagnostics.filter((d) => !rule || d.code === rule).map((d) => `${d.code}@${d.range.line + 1}`);
}

/** 1-based line numbers of lines containing `marker` in `source`. */
export function linesWith(source: string, marker: string): number[] {
  return source.split('\n').flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));
}
