// The one place the server calls the NASM front end and the analysis: text in, the assembled
// program, findings, entries and the GS state per instruction out, translated into the small
// views the editor features need. No LSP types; every other server module goes through here.

import path from 'node:path';
import type { AssembledProgram, Diagnostic, FileHost, Severity, SourceRange } from '../emulator/asm/types';
import { assemble } from '../emulator/asm';
import { analyze, RULES, type GsStateSummary } from './analysis';
import type { LintSettings } from './settings';

export type GsBase = 'user' | 'kernel' | 'conflict' | 'unknown';

/** What the analysis knows about gs.base at one instruction, in words a hover can print. */
export interface GsView {
  base: GsBase;
  /** `kernel: swapped at line 30`: what an effective address or an inlay hint tooltip says. */
  short: string;
  /** The analysis' one-line summary (`GS: kernel (swapgs line 31) · stack: kernel`). */
  text: string;
  /** The swapgs instructions that made it so, when there are any. */
  since: SourceRange[];
  /** Entry labels whose paths reach the instruction. */
  entries: string[];
}

export interface EntryView {
  label: string;
  kind: 'syscall' | 'interrupt';
  /** How it was found, one sentence. */
  how: string;
}

export interface RuleView {
  id: string;
  defaultSeverity: Severity;
  /** One line, shown as the SARIF short description and in hovers. */
  title: string;
}

export interface EngineResult {
  program: AssembledProgram;
  diagnostics: Diagnostic[];
  entries: EntryView[];
  /** Labels that looked like entries but were excluded by `; swapgs-lab: not-entry`. */
  notEntries: { label: string; at: SourceRange }[];
  /** State before the instruction at `address` (undefined: not reached from any entry). */
  gsAt(address: number): GsView | undefined;
  /** State after it (for the hint after a swapgs). */
  gsAfter(address: number): GsView | undefined;
}

export function ruleCatalog(): readonly RuleView[] {
  return RULES;
}

function assembleForLint(text: string, file: string, host: FileHost, includePaths: readonly string[]): AssembledProgram {
  // Lint mode: `extern` symbols are placeholders and a missing %include is a warning (issue #4).
  return assemble(text, file, { host, includePaths: [...includePaths], lint: true });
}

function siteText(sites: readonly SourceRange[], file: string): string {
  const lines = [...new Set(sites.map((r) => (r.file === file ? `${r.line + 1}` : `${path.basename(r.file)}:${r.line + 1}`)))];
  return lines.length === 1 ? `line ${lines[0]}` : `lines ${lines.slice(0, 4).join(', ')}${lines.length > 4 ? ', ...' : ''}`;
}

/** `kernel: swapped at line 30`, `user (no swapgs since the entry)`, `user on some paths, kernel on others`. */
function view(s: GsStateSummary | undefined, file: string): GsView | undefined {
  if (!s) return undefined;
  const known = s.gsBases.filter((b) => b !== 'unknown');
  const base: GsBase = known.length > 1 ? 'conflict' : known.length === 1 ? known[0]! : 'unknown';
  let short: string;
  if (base === 'conflict') short = `user on some paths, kernel on others${s.swapSites.length ? ` (swapgs at ${siteText(s.swapSites, file)})` : ''}`;
  else if (base === 'unknown') short = 'unknown';
  else if (s.swapSites.length) short = `${base}: swapped at ${siteText(s.swapSites, file)}`;
  else short = `${base} (no swapgs since the entry)`;
  return { base, short, text: s.text, since: s.swapSites, entries: s.entries };
}

/** Hovers, inlay hints and semantic tokens ask for the same addresses again and again per version. */
function memo(f: (address: number) => GsView | undefined): (address: number) => GsView | undefined {
  const cache = new Map<number, GsView | undefined>();
  return (a) => {
    if (cache.has(a)) return cache.get(a);
    const v = f(a);
    cache.set(a, v);
    return v;
  };
}

export function runEngine(text: string, file: string, host: FileHost, settings: LintSettings): EngineResult {
  // LSP counts a lone \r as a line break (old Mac files); the front end splits on \n. Give it
  // the same lines the editor shows: columns do not move, only the separator changes.
  const source = text.includes('\r') ? text.replace(/\r(?!\n)/g, '\n') : text;
  const program = assembleForLint(source, file, host, settings.includePaths);
  const result = analyze(program, {
    extraEntries: settings.extraEntries.map((e) => ({ name: e.label, kind: e.kind })),
    severities: settings.severities,
  });
  return {
    program,
    diagnostics: result.diagnostics,
    entries: result.entries.map((e) => ({ label: e.label, kind: e.kind, how: e.description })),
    notEntries: result.notEntries.map((n) => ({ label: n.label, at: n.at })),
    gsAt: memo((a) => view(result.stateAt(a, 'before'), file)),
    gsAfter: memo((a) => view(result.stateAt(a, 'after'), file)),
  };
}
