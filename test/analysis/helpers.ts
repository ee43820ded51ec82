// Test helpers for the analysis: assemble a fixture (nasm-backed stand-in until the project's
// lint-mode assembler is used), analyze it, and list findings as "rule@line" (1-based).

import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyze } from '../../server/analysis/index';
import type { AnalysisOptions, AnalysisResult } from '../../server/analysis/types';
import { nasmProgram } from './nasm-program';

export const FIXTURES = join(__dirname, '..', 'fixtures', 'lint');

export function lint(source: string, options?: AnalysisOptions): AnalysisResult {
  return analyze(nasmProgram(source, 'test.asm'), options);
}

export function lintFixture(name: string, options?: AnalysisOptions): AnalysisResult {
  return lint(readFileSync(join(FIXTURES, name), 'utf8'), options);
}

/** Findings as `rule@line` strings (1-based lines), in order. */
export function findings(r: AnalysisResult, rule?: string): string[] {
  return r.diagnostics.filter((d) => !rule || d.code === rule).map((d) => `${d.code}@${d.range.line + 1}`);
}

/** 1-based line numbers of lines containing `marker` in `source`. */
export function linesWith(source: string, marker: string): number[] {
  return source.split('\n').flatMap((l, i) => (l.includes(marker) ? [i + 1] : []));
}
