// Completion: mnemonics (every iced-x86 Mnemonic, lowercased), registers, labels (local ones
// offered as `.x` under their parent), macros, %defines and MSR names. At the start of a
// statement mnemonics and macros come first; in operands, registers and names do.

import { CompletionItemKind, type CompletionItem } from 'vscode-languageserver/node';
import { Mnemonic } from 'iced-x86';
import { REGISTER_NAMES } from '../../emulator/asm/registers';
import { MSR_DEFS } from '../../emulator/machine/msr';
import { EXTRA_MSR_NAMES } from '../instruction-docs';
import type { DocumentModel } from '../model';

/** Preprocessor directives NASM knows (the front end of issue #2 implements these). */
const DIRECTIVES = [
  '%define', '%xdefine', '%idefine', '%undef', '%assign', '%macro', '%imacro', '%endmacro', '%rotate',
  '%rep', '%endrep', '%exitrep', '%if', '%elif', '%else', '%endif', '%ifdef', '%ifndef', '%ifidn',
  '%ifidni', '%ifmacro', '%include', '%error', '%warning', '%strlen', '%substr',
];

let mnemonics: string[] | undefined;

export function mnemonicNames(): string[] {
  if (!mnemonics) {
    const set = new Set<string>();
    for (const [k, v] of Object.entries(Mnemonic)) if (typeof v === 'number' && v !== Mnemonic.INVALID) set.add(k.toLowerCase());
    mnemonics = [...set].sort();
  }
  return mnemonics;
}

function msrItems(): CompletionItem[] {
  const items: CompletionItem[] = MSR_DEFS.map((d) => ({
    label: d.name,
    kind: CompletionItemKind.Constant,
    detail: `MSR 0x${d.index.toString(16).toUpperCase()}`,
    documentation: d.doc,
    insertText: `0x${d.index.toString(16).toUpperCase()}`,
  }));
  for (const [n, name] of Object.entries(EXTRA_MSR_NAMES)) {
    const hex = `0x${Number(n).toString(16).toUpperCase()}`;
    items.push({ label: name, kind: CompletionItemKind.Constant, detail: `MSR ${hex}`, insertText: hex });
  }
  return items;
}

/** True when the cursor is where a mnemonic goes: only a label (and prefixes) before it on the line. */
function atStatementStart(model: DocumentModel, line: number, col: number): boolean {
  const before = (model.lines[line] ?? '').slice(0, col);
  if (before.includes(';')) return false;
  return /^\s*([A-Za-z_.?@$][\w.?@$#~]*:\s*)?[A-Za-z_.]*$/.test(before) || /^\s*(lock|rep\w*|o64|o32|o16|a32)\s+\w*$/i.test(before);
}

export function completion(model: DocumentModel, line: number, col: number): CompletionItem[] {
  const start = atStatementStart(model, line, col);
  const items: CompletionItem[] = [];
  const group = (first: boolean) => (start === first ? '0' : '1');
  for (const m of mnemonicNames()) items.push({ label: m, kind: CompletionItemKind.Keyword, sortText: `${group(true)}${m}` });
  for (const [name, m] of model.index.macros) {
    items.push({ label: name, kind: CompletionItemKind.Function, detail: `macro ${m.params}`, sortText: `${group(true)}${name}` });
  }
  for (const r of REGISTER_NAMES) items.push({ label: r, kind: CompletionItemKind.Variable, sortText: `${group(false)}2${r}` });
  const parent = model.index.parentAt[line];
  for (const s of model.program.symbols.values()) {
    const kind = s.kind === 'equ' ? CompletionItemKind.Constant : CompletionItemKind.Reference;
    items.push({ label: s.name, kind, detail: s.kind, sortText: `${group(false)}1${s.name}` });
    if (parent && s.name.startsWith(parent + '.') && s.kind === 'label') {
      const local = s.name.slice(parent.length);
      items.push({ label: local, kind, detail: `local label of ${parent}`, sortText: `${group(false)}0${local}` });
    }
  }
  for (const [name, d] of model.index.defines) {
    items.push({ label: name, kind: CompletionItemKind.Constant, detail: `%define ${d.value}`, sortText: `${group(false)}1${name}` });
  }
  for (const it of msrItems()) items.push({ ...it, sortText: `${group(false)}3${it.label}` });
  // Big files have 10,000s of labels: send only names that can match the word being typed
  // (editors filter further themselves, and ask again when a new word starts).
  const before = (model.lines[line] ?? '').slice(0, col);
  const pp = /(^|\s)(%[A-Za-z]*)$/.exec(before);
  if (pp) {
    // After `%`: the preprocessor's directives, replacing what was typed from the `%` on.
    const range = { start: { line, character: col - pp[2]!.length }, end: { line, character: col } };
    return DIRECTIVES.map((d) => ({ label: d, kind: CompletionItemKind.Keyword, filterText: d, textEdit: { range, newText: d } }));
  }
  const word = /[A-Za-z0-9_.?@$#~]*$/.exec(before)?.[0] ?? '';
  if (!word) return items;
  const first = word[0]!.toLowerCase();
  return items.filter((i) => i.label.toLowerCase().startsWith(first) || (first === '.' && i.label.includes('.')));
}
