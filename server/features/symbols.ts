// Document symbols: sections, labels with their local labels nested, macros, %defines,
// equ constants and strucs with their fields, from the lexical outline.

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

export function documentSymbols(model: DocumentModel): DocumentSymbol[] {
  return model.index.outline.map(convert);
}
