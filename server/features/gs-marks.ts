// Inlay hints with the GS base after each swapgs and at each gs: access, and semantic tokens
// that mark the `gs` of each gs: operand by that state (modifiers userGs / kernelGs /
// conflictGs / unknownGs), both read from the analysis' state per instruction.

import { InlayHintKind, type InlayHint } from 'vscode-languageserver/node';
import type { InstructionRecord, SourceRange } from '../../emulator/asm/types';
import type { GsBase, GsView } from '../engine';
import type { DocumentModel } from '../model';
import { userSite } from '../model';

export const SEMANTIC_TOKEN_TYPES = ['variable'] as const;
export const SEMANTIC_TOKEN_MODIFIERS = ['userGs', 'kernelGs', 'conflictGs', 'unknownGs'] as const;

const MODIFIER_BIT: Record<GsBase, number> = { user: 1 << 0, kernel: 1 << 1, conflict: 1 << 2, unknown: 1 << 3 };

function gsOperand(ins: InstructionRecord): Extract<InstructionRecord['operands'][number], { kind: 'mem' }> | undefined {
  for (const op of ins.operands) if (op.kind === 'mem' && op.segment?.toLowerCase() === 'gs') return op;
  return undefined;
}

function hasGsAccess(ins: InstructionRecord): boolean {
  return gsOperand(ins) !== undefined || ins.prefixes.some((p) => p.toLowerCase() === 'gs');
}

function label(v: GsView | undefined): string {
  return v ? (v.base === 'conflict' ? 'GS: user/kernel?' : `GS: ${v.base}`) : 'GS: ?';
}

export interface LineRange {
  startLine: number;
  endLine: number;
}

/** The swapgs and gs: instructions of a model with their user-visible line, sorted by line (once per model). */
const gsSitesCache = new WeakMap<DocumentModel, { line: number; site: SourceRange; ins: InstructionRecord }[]>();

function gsSites(model: DocumentModel): { line: number; site: SourceRange; ins: InstructionRecord }[] {
  let list = gsSitesCache.get(model);
  if (!list) {
    list = [];
    for (const ins of model.program.instructions) {
      if (ins.mnemonic.toLowerCase() !== 'swapgs' && !hasGsAccess(ins)) continue;
      const site = userSite(ins.site, ins.stack, model.file);
      if (site) list.push({ line: site.line, site, ins });
    }
    list.sort((a, b) => a.line - b.line);
    gsSitesCache.set(model, list);
  }
  return list;
}

export function inlayHints(model: DocumentModel, span: LineRange): InlayHint[] {
  const hints: InlayHint[] = [];
  const seen = new Set<string>();
  const all = gsSites(model);
  // First entry at or after the span's start (binary search: editors ask for the visible lines only).
  let lo = 0;
  let hi = all.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (all[mid]!.line < span.startLine) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < all.length && all[k]!.line <= span.endLine; k++) {
    const { ins, site } = all[k]!;
    const isSwapgs = ins.mnemonic.toLowerCase() === 'swapgs';
    const state = isSwapgs ? model.gsAfter(ins.address) : model.gsAt(ins.address);
    if (!state) continue;
    // Written on this line: after the operand (or the swapgs); expanded from a macro: end of the call line.
    const op = gsOperand(ins);
    const own = ins.stack.length === 0 && ins.site.file === model.file;
    const col = own ? (op && !isSwapgs ? op.range.end : ins.site.end) : (model.lines[site.line] ?? '').replace(/\s*(;.*)?$/, '').length;
    const key = `${site.line}:${col}`;
    if (seen.has(key)) continue;
    seen.add(key);
    hints.push({
      position: { line: site.line, character: col },
      label: isSwapgs ? `→ ${label(state)}` : label(state),
      kind: InlayHintKind.Type,
      paddingLeft: true,
      tooltip: `gs.base ${isSwapgs ? 'after this swapgs' : 'at this access'}: ${state.short}\n${state.text}`,
    });
  }
  hints.sort((a, b) => a.position.line - b.position.line || a.position.character - b.position.character);
  return hints;
}

/** LSP semantic token data (relative encoding) for the `gs` of each gs: operand written in this file. */
export function semanticTokens(model: DocumentModel): number[] {
  const marks: { line: number; start: number; length: number; mods: number }[] = [];
  const seen = new Map<string, (typeof marks)[number]>();
  for (const ins of model.program.instructions) {
    const op = gsOperand(ins);
    if (!op || op.range.file !== model.file) continue;
    // The `gs` of `gs:` inside the operand as written (`[gs:x]`, `qword gs:[x]`).
    const written = (model.lines[op.range.line] ?? '').slice(op.range.start, op.range.end);
    const at = /\bgs\s*:/i.exec(written);
    if (!at) continue;
    const tok = { range: { line: op.range.line, start: op.range.start + at.index, end: op.range.start + at.index + 2 } };
    const key = `${tok.range.line}:${tok.range.start}`;
    const state = model.gsAt(ins.address);
    const mods = MODIFIER_BIT[state?.base ?? 'unknown'];
    if (seen.has(key)) {
      // Several expansions of one macro line: a token seen in different states is a conflict.
      const prev = seen.get(key)!;
      if (prev.mods !== mods) prev.mods = MODIFIER_BIT.conflict;
      continue;
    }
    const mark = { line: tok.range.line, start: tok.range.start, length: tok.range.end - tok.range.start, mods };
    seen.set(key, mark);
    marks.push(mark);
  }
  marks.sort((a, b) => a.line - b.line || a.start - b.start);
  const data: number[] = [];
  let prevLine = 0;
  let prevStart = 0;
  for (const m of marks) {
    const dl = m.line - prevLine;
    data.push(dl, dl === 0 ? m.start - prevStart : m.start, m.length, 0, m.mods);
    prevLine = m.line;
    prevStart = m.start;
  }
  return data;
}
