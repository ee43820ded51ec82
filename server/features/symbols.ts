// Document symbols (sections, labels with their local labels nested, macros, %defines, equ
// constants, strucs with their fields) and folding ranges, both from the lexical outline.

import { SymbolKind, type DocumentSymbol } from 'vscode-languageserver/node';
import type { DocumentModel } from '../model';
import type { OutlineItem, OutlineKind } from '../source-index';
import { toRange } from './convert';

const KIND: Record<OutlineKind, SymbolKind> = {
  section: SymbolKind.Namespace,
  label: SymbolKind.Function,
  local: SymbolKind.Key,
  macro: SymbolKind.Method,
  define: SymbolKind.Constant,
  constant: SymbolKind.Constant,
  struc: SymbolKind.Struct,
  field: SymbolKind.Field,
};

function convert(item: OutlineItem): DocumentSymbol {
  const selectionRange = toRange(item.selection);
  const range = {
    start: { line: item.range.startLine, character: Math.min(item.range.startCol, selectionRange.start.character) },
    end: { line: item.range.endLine, character: item.range.endCol },
  };
  if (range.end.line === selectionRange.end.line && range.end.character < selectionRange.end.character) range.end.character = selectionRange.end.character;
  return { name: item.name, kind: KIND[item.kind], range, selectionRange, children: item.children.map(convert) };
}

/** Folds for sections, labels (a function to the next label), macros and strucs spanning several lines. */
export function foldingRanges(model: DocumentModel): { startLine: number; endLine: number }[] {
  const out: { startLine: number; endLine: number }[] = [];
  const walk = (items: OutlineItem[]): void => {
    for (const it of items) {
      // A fold ends before the next construct's first line (trailing blank lines stay visible).
      let end = it.range.endLine;
      while (end > it.range.startLine && !(model.lines[end] ?? '').trim()) end--;
      if (end > it.range.startLine && it.kind !== 'local' && it.kind !== 'field') out.push({ startLine: it.range.startLine, endLine: end });
      walk(it.children);
    }
  };
  walk(model.index.outline);
  return out;
}

export function documentSymbols(model: DocumentModel): DocumentSymbol[] {
  return model.index.outline.map(convert);
}
