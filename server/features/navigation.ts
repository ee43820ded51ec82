// Go to definition, find references, highlights and rename for labels (a `.local` label is scoped to its
// parent: `.loop` under `foo` is `foo.loop`), struc fields, macros and %defines.

import { ResponseError, ErrorCodes, type Location, type Range, type TextEdit, type WorkspaceEdit } from 'vscode-languageserver/node';
import type { DocumentModel } from '../model';
import { occurrenceAt, type Occurrence } from '../source-index';
import { pathToUri } from '../file-host';
import { toRange } from './convert';

/** Where a name is defined when that is another file (an include), else undefined. */
function definedElsewhere(model: DocumentModel, occ: Occurrence): { file: string; line: number } | undefined {
  const range =
    occ.kind === 'label' ? model.program.symbols.get(occ.name)?.range : occ.kind === 'macro' ? model.index.macros.get(occ.name)?.range : model.index.defines.get(occ.name)?.range;
  return range && range.file !== model.file ? { file: range.file, line: range.line } : undefined;
}

function definitionsOf(model: DocumentModel, occ: Occurrence): Location[] {
  if (occ.kind === 'label') {
    const sym = model.program.symbols.get(occ.name);
    if (sym) return [{ uri: pathToUri(sym.range.file), range: toRange(sym.range) }];
  } else {
    const def = occ.kind === 'macro' ? model.index.macros.get(occ.name) : model.index.defines.get(occ.name);
    if (def && def.range.file !== model.file) return [{ uri: pathToUri(def.range.file), range: toRange(def.range) }];
  }
  return (model.index.byKey.get(occ.key) ?? []).filter((o) => o.definition).map((o) => ({ uri: pathToUri(model.file), range: toRange(o.range) }));
}

export function definition(model: DocumentModel, line: number, col: number): Location[] {
  const occ = occurrenceAt(model.index, line, col);
  return occ ? definitionsOf(model, occ) : [];
}

export function references(model: DocumentModel, line: number, col: number, includeDeclaration: boolean): Location[] {
  const occ = occurrenceAt(model.index, line, col);
  if (!occ) return [];
  return (model.index.byKey.get(occ.key) ?? [])
    .filter((o) => includeDeclaration || !o.definition)
    .map((o) => ({ uri: pathToUri(model.file), range: toRange(o.range) }));
}

/** Every occurrence of the name under the cursor in this document (the editor highlights them). */
export function highlights(model: DocumentModel, line: number, col: number): { range: Range; kind: 1 | 3 }[] {
  const occ = occurrenceAt(model.index, line, col);
  if (!occ) return [];
  // DocumentHighlightKind: 1 Text for uses, 3 Write for the definition.
  return (model.index.byKey.get(occ.key) ?? []).map((o) => ({ range: toRange(o.range), kind: o.definition ? 3 : 1 }));
}

export function prepareRename(model: DocumentModel, line: number, col: number): { range: Range; placeholder: string } | null {
  const occ = occurrenceAt(model.index, line, col);
  if (!occ) return null;
  return { range: toRange(occ.range), placeholder: occ.written };
}

// NASM identifier characters (NASM manual 3.1): letters, digits, _ $ # @ ~ . ?; not starting with a digit.
const IDENT = /^[A-Za-z_.?@][A-Za-z0-9_$#@~.?]*$/;

export function rename(model: DocumentModel, line: number, col: number, newName: string): WorkspaceEdit {
  const occ = occurrenceAt(model.index, line, col);
  if (!occ) throw new ResponseError(ErrorCodes.InvalidRequest, 'Nothing to rename here: place the cursor on a label, macro or %define.');
  if (!IDENT.test(newName)) throw new ResponseError(ErrorCodes.InvalidParams, `'${newName}' is not a NASM identifier.`);
  const elsewhere = definedElsewhere(model, occ);
  if (elsewhere) throw new ResponseError(ErrorCodes.InvalidRequest, `'${occ.name}' is defined in ${elsewhere.file}; rename it there.`);
  // The new canonical name: a `.x` typed where a local label is written stays under the same parent.
  const localWritten = occ.kind === 'label' && occ.written.startsWith('.') && !occ.written.startsWith('..');
  const newCanonical = localWritten && newName.startsWith('.') && occ.parent ? occ.parent + newName : newName;
  if (occ.kind === 'label' && newCanonical !== occ.name && model.program.symbols.has(newCanonical)) {
    throw new ResponseError(ErrorCodes.InvalidParams, `'${newCanonical}' is already defined.`);
  }
  const edits: TextEdit[] = [];
  for (const o of model.index.byKey.get(occ.key) ?? []) {
    let text = newCanonical;
    if (o.kind === 'label' && o.written.startsWith('.') && !o.written.startsWith('..') && o.parent) {
      if (!newCanonical.startsWith(o.parent + '.')) {
        throw new ResponseError(ErrorCodes.InvalidParams, `'${newName}' would move the local label out of '${o.parent}'; keep the '.name' form.`);
      }
      text = newCanonical.slice(o.parent.length);
    }
    edits.push({ range: toRange(o.range), newText: text });
  }
  return { changes: { [pathToUri(model.file)]: edits } };
}
