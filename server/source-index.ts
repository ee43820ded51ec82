// A lexical index of one document: where labels (with `.local` labels scoped to their parent),
// struc fields, macros and %defines are defined and referenced, and the outline of sections,
// labels, macros and strucs. Built from the front end's lexer over the text the user sees, so
// names inside macro bodies and directives count too. Pure data, no LSP types.

import { lexLine } from '../emulator/asm/lexer';
import { isRegister } from '../emulator/asm/registers';
import type { SourceRange, SymbolInfo, Token } from '../emulator/asm/types';

export type NameKind = 'label' | 'macro' | 'define';

export interface Occurrence {
  /** `label:foo.bar`, `macro:ENTER`, `define:MSR_LSTAR`. */
  key: string;
  kind: NameKind;
  /** Canonical name (a local label with its parent: `foo.bar`). */
  name: string;
  range: SourceRange;
  /** The text as written (`.bar` or `foo.bar`). */
  written: string;
  /** The non-local label in scope where it was written (for rewriting `.x` forms). */
  parent: string | undefined;
  definition: boolean;
}

export type OutlineKind = 'section' | 'label' | 'local' | 'macro' | 'define' | 'constant' | 'struc' | 'field';

export interface OutlineItem {
  name: string;
  kind: OutlineKind;
  /** The whole construct (a label to the next label, a macro to %endmacro). */
  range: { startLine: number; startCol: number; endLine: number; endCol: number };
  selection: SourceRange;
  children: OutlineItem[];
}

export interface SourceIndex {
  /** Tokens of each line of the document (comments removed). */
  tokens: Token[][];
  comments: ({ text: string; range: SourceRange } | undefined)[];
  occurrences: Occurrence[];
  byKey: Map<string, Occurrence[]>;
  macros: Map<string, { range: SourceRange; params: string; line: number }>;
  defines: Map<string, { range: SourceRange; value: string; line: number }>;
  outline: OutlineItem[];
  /** The non-local label in scope at each line. */
  parentAt: (string | undefined)[];
}

const DEFINE_DIRECTIVES = new Set(['%define', '%xdefine', '%idefine', '%xidefine', '%assign', '%iassign']);
const MACRO_DIRECTIVES = new Set(['%macro', '%imacro']);
const NAME_USE_DIRECTIVES = new Set(['%undef', '%ifdef', '%ifndef', '%elifdef', '%elifndef', '%unmacro', '%ifmacro']);

function identName(tok: Token): string {
  // `$name` escapes a name that would otherwise be a keyword (NASM manual 3.1).
  return tok.text.startsWith('$') ? tok.text.slice(1) : tok.text;
}

function isLocal(name: string): boolean {
  return name.startsWith('.') && !name.startsWith('..');
}

/**
 * Builds the index. `symbols` (from the assembler) say which names are labels or `equ`s, and
 * where they were defined, which a lexer alone cannot always tell (NASM labels need no colon).
 */
export interface PreprocessorNames {
  macros: SourceIndex['macros'];
  defines: SourceIndex['defines'];
}

const PP_DEFINITION = /^\s*%(i?macro|x?i?define|i?assign)\s/i;

/** `%macro` / `%define` definitions of other files (the includes), so their names resolve here too. */
export function scanPreprocessorNames(texts: Iterable<[string, string]>, except: string): PreprocessorNames {
  const out: PreprocessorNames = { macros: new Map(), defines: new Map() };
  for (const [file, text] of texts) {
    if (file === except) continue;
    const lines = text.split(/\r\n|\r|\n/);
    for (let i = 0; i < lines.length; i++) {
      if (!PP_DEFINITION.test(lines[i]!)) continue;
      const lexed = lexLine(lines[i]!, file, i);
      const [d, n] = lexed.tokens;
      if (!d || d.kind !== 'directive' || !n || n.kind !== 'ident') continue;
      const dir = d.text.toLowerCase();
      const name = identName(n);
      if (MACRO_DIRECTIVES.has(dir) && !out.macros.has(name)) {
        out.macros.set(name, { range: n.range, params: lexed.tokens.slice(2).map((x) => x.text).join(' '), line: i });
      } else if (DEFINE_DIRECTIVES.has(dir) && !out.defines.has(name)) {
        out.defines.set(name, { range: n.range, value: lines[i]!.slice(n.range.end, lexed.comment?.range.start ?? lines[i]!.length).trim(), line: i });
      }
    }
  }
  return out;
}

export function buildSourceIndex(
  lines: readonly string[],
  file: string,
  symbols: ReadonlyMap<string, SymbolInfo>,
  external: PreprocessorNames = { macros: new Map(), defines: new Map() },
): SourceIndex {
  const tokens: Token[][] = [];
  const comments: SourceIndex['comments'] = [];
  for (let i = 0; i < lines.length; i++) {
    const lexed = lexLine(lines[i]!, file, i);
    tokens.push(lexed.tokens);
    comments.push(lexed.comment);
  }

  // Definitions the assembler saw at a position of this file: "line:col" -> symbol.
  const definedAt = definitionsByPosition(symbols, file);

  const macros = new Map<string, { range: SourceRange; params: string; line: number }>();
  const defines = new Map<string, { range: SourceRange; value: string; line: number }>();
  // First pass: preprocessor names (they may be used before they are defined, e.g. in a macro body).
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const d = t[0];
    const n = t[1];
    if (!d || d.kind !== 'directive' || !n || n.kind !== 'ident') continue;
    const dir = d.text.toLowerCase();
    if (MACRO_DIRECTIVES.has(dir) && !macros.has(identName(n))) {
      macros.set(identName(n), { range: n.range, params: t.slice(2).map((x) => x.text).join(' '), line: i });
    } else if (DEFINE_DIRECTIVES.has(dir) && !defines.has(identName(n))) {
      const rest = lines[i]!.slice(n.range.end, comments[i]?.range.start ?? lines[i]!.length).trim();
      defines.set(identName(n), { range: n.range, value: rest, line: i });
    }
  }

  // Names defined in included files, unless this file defines them too.
  for (const [k, v] of external.macros) if (!macros.has(k)) macros.set(k, v);
  for (const [k, v] of external.defines) if (!defines.has(k)) defines.set(k, v);

  const occurrences: Occurrence[] = [];
  const parentAt: (string | undefined)[] = [];
  let parent: string | undefined;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const first = t[0];
    // Does this line define a non-local label? Then it becomes the scope of `.x` names from here on.
    if (first && first.kind === 'ident') {
      const name = identName(first);
      const sym = definedAt.get(posKey(i, first.range.start));
      const colon = t[1]?.kind === 'op' && t[1].text === ':';
      const isStruc = name.toLowerCase() === 'struc' && t[1]?.kind === 'ident';
      if (isStruc) parent = identName(t[1]!);
      else if (!isLocal(name) && !name.startsWith('..@') && (colon || (sym && sym.kind === 'label'))) parent = name;
    }
    parentAt.push(parent);
    const dirTok = first?.kind === 'directive' ? first.text.toLowerCase() : undefined;
    // Index of the statement's first word after a `label:` (the mnemonic on instruction lines).
    // (A first word without a colon may be a label, `x dq 0`, so only the one after `label:` is skipped.)
    const mnemonicAt = first?.kind === 'ident' && t[1]?.kind === 'op' && t[1].text === ':' ? 2 : -1;
    for (let k = 0; k < t.length; k++) {
      const tok = t[k]!;
      if (tok.kind !== 'ident') continue;
      // The mnemonic or a register (most tokens of a line): no name of ours, unless a macro.
      if (k === mnemonicAt && !macros.has(tok.text)) continue;
      if (tok.text.length <= 5 && isRegister(tok.text)) continue;
      const written = identName(tok);
      // Preprocessor names: defined by the directive, used anywhere.
      if (dirTok && k === 1 && (MACRO_DIRECTIVES.has(dirTok) || DEFINE_DIRECTIVES.has(dirTok))) {
        const kind: NameKind = MACRO_DIRECTIVES.has(dirTok) ? 'macro' : 'define';
        const def = kind === 'macro' ? macros.get(written) : defines.get(written);
        occurrences.push({
          key: `${kind}:${written}`,
          kind,
          name: written,
          range: tok.range,
          written,
          parent,
          definition: def !== undefined && def.range.file === file && def.line === i,
        });
        continue;
      }
      if (macros.has(written) && (k === 0 || (dirTok && NAME_USE_DIRECTIVES.has(dirTok)) || t[k - 1]?.text === ':')) {
        occurrences.push({ key: `macro:${written}`, kind: 'macro', name: written, range: tok.range, written, parent, definition: false });
        continue;
      }
      if (defines.has(written)) {
        occurrences.push({ key: `define:${written}`, kind: 'define', name: written, range: tok.range, written, parent, definition: false });
        continue;
      }
      const canonical = isLocal(written) && parent !== undefined ? parent + written : written;
      const sym = symbols.get(canonical);
      const strucDef = dirTok === undefined && k === 1 && first?.text.toLowerCase() === 'struc';
      if (!sym && !strucDef) continue;
      const definition = strucDef || (sym !== undefined && sym.range.file === file && sym.range.line === i && sym.range.start === tok.range.start);
      occurrences.push({ key: `label:${canonical}`, kind: 'label', name: canonical, range: tok.range, written, parent, definition });
    }
  }
  const byKey = new Map<string, Occurrence[]>();
  for (const o of occurrences) {
    let list = byKey.get(o.key);
    if (!list) byKey.set(o.key, (list = []));
    list.push(o);
  }
  return { tokens, comments, occurrences, byKey, macros, defines, outline: buildOutline(lines, tokens, definedAt), parentAt };
}

/** A number per (line, column): cheaper map keys than strings on files with 10,000s of labels. */
function posKey(line: number, col: number): number {
  return line * 65536 + Math.min(col, 65535);
}

function definitionsByPosition(symbols: ReadonlyMap<string, SymbolInfo>, file: string): Map<number, SymbolInfo> {
  const m = new Map<number, SymbolInfo>();
  for (const s of symbols.values()) if (s.range.file === file) m.set(posKey(s.range.line, s.range.start), s);
  return m;
}

function buildOutline(lines: readonly string[], tokens: Token[][], symbolAt: ReadonlyMap<number, SymbolInfo>): OutlineItem[] {
  const out: OutlineItem[] = [];
  let label: OutlineItem | undefined;
  let section: OutlineItem | undefined;
  let macro: OutlineItem | undefined;
  let struc: OutlineItem | undefined;
  const lastLine = Math.max(0, lines.length - 1);
  const close = (item: OutlineItem | undefined, line: number): void => {
    if (!item) return;
    item.range.endLine = Math.max(item.range.startLine, line);
    item.range.endCol = line === item.range.startLine ? item.range.endCol : (lines[line]?.length ?? 0);
  };
  const item = (name: string, kind: OutlineKind, sel: SourceRange): OutlineItem => ({
    name,
    kind,
    range: { startLine: sel.line, startCol: 0, endLine: sel.line, endCol: lines[sel.line]?.length ?? 0 },
    selection: sel,
    children: [],
  });
  const container = (): OutlineItem[] => (section ? section.children : out);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const first = t[0];
    if (!first) continue;
    const lower = first.text.toLowerCase();
    if (macro) {
      if (first.kind === 'directive' && (lower === '%endmacro' || lower === '%endm')) {
        close(macro, i);
        macro = undefined;
      }
      continue;
    }
    if (first.kind === 'directive' && (lower === '%macro' || lower === '%imacro') && t[1]) {
      close(label, i - 1);
      label = undefined;
      macro = item(t[1].text, 'macro', t[1].range);
      container().push(macro);
      continue;
    }
    if (first.kind === 'directive' && DEFINE_DIRECTIVES.has(lower) && t[1]) {
      container().push(item(t[1].text, 'define', t[1].range));
      continue;
    }
    if (first.kind !== 'ident') continue;
    if ((lower === 'section' || lower === 'segment') && t[1]) {
      close(label, i - 1);
      close(section, i - 1);
      label = undefined;
      section = item(t[1].text, 'section', t[1].range);
      out.push(section);
      continue;
    }
    if (lower === 'struc' && t[1]) {
      close(label, i - 1);
      label = undefined;
      struc = item(t[1].text, 'struc', t[1].range);
      container().push(struc);
      continue;
    }
    if (lower === 'endstruc') {
      close(struc, i);
      struc = undefined;
      continue;
    }
    const sym = symbolAt.get(posKey(i, first.range.start));
    const colon = t[1]?.kind === 'op' && t[1].text === ':';
    if (!sym && !colon) continue;
    const name = identName(first);
    if (struc && isLocal(name)) {
      struc.children.push(item(name, 'field', first.range));
      continue;
    }
    if (sym?.kind === 'equ') {
      container().push(item(name, 'constant', first.range));
      continue;
    }
    if (isLocal(name) && label) {
      label.children.push(item(name, 'local', first.range));
      close(label, i);
      continue;
    }
    close(label, i - 1);
    label = item(name, 'label', first.range);
    container().push(label);
  }
  close(label, lastLine);
  close(section, lastLine);
  close(macro, lastLine);
  close(struc, lastLine);
  return out;
}

/** The token under a 0-based position, preferring the one the cursor touches at its end. */
export function tokenAt(index: SourceIndex, line: number, col: number): Token | undefined {
  const t = index.tokens[line];
  if (!t) return undefined;
  return t.find((x) => x.range.start <= col && col < x.range.end) ?? t.find((x) => x.range.end === col);
}

export function occurrenceAt(index: SourceIndex, line: number, col: number): Occurrence | undefined {
  const tok = tokenAt(index, line, col);
  if (!tok) return undefined;
  return index.occurrences.find((o) => o.range.line === line && o.range.start === tok.range.start);
}
