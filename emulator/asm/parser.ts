// Statement parser: turns one preprocessed line (tokens with ranges) into a label plus one
// statement (instruction, data, reservation, directive). Runs once per line in source order,
// so it also resolves NASM local labels (`.x` -> `base.x`) against the last non-local label.

import { parseExpr, parseNumber } from './expr';
import { isMnemonic, PREFIXES } from './mnemonics';
import { isRegister, registerInfo } from './registers';
import type { Diagnostic, Expr, Operand, PreprocessedLine, SizeKeyword, SourceRange, Token } from './types';

/** A symbol name after local-label resolution, with where it was written. */
export interface Name {
  name: string;
  range: SourceRange;
}

export type DataItem =
  | { kind: 'expr'; expr: Expr; range: SourceRange }
  | { kind: 'string'; bytes: Uint8Array; range: SourceRange }
  | { kind: 'float'; text: string; negative: boolean; range: SourceRange }
  /** `?`: uninitialised (zero in a progbits section, as NASM's "zeroing" warning says). */
  | { kind: 'uninit'; range: SourceRange };

export interface SectionAttr {
  key: string;
  /** `align=16`, `start=0x1000`, `vstart=...` */
  expr?: Expr;
  /** `follows=.text` */
  ref?: string;
  range: SourceRange;
}

/** Byte width of each data/reserve unit letter: db/resb=1 ... dz/resz=64 (NASM manual 3.2.1). */
export const UNIT_SIZES: Readonly<Record<string, number>> = { b: 1, w: 2, d: 4, q: 8, t: 10, o: 16, y: 32, z: 64 };

export type Statement =
  | { kind: 'none' }
  | {
      kind: 'instruction';
      /** Lowercase prefixes as written (`lock`, `rep`, `gs` ...). */
      prefixes: string[];
      /** Lowercase mnemonic; '' for a line with prefixes only (`rep`, `gs`). */
      mnemonic: string;
      mnemonicRange: SourceRange;
      operands: Operand[];
      range: SourceRange;
      /**
       * The instruction's text as tokens with local labels resolved: two statements with the same
       * key mean the same thing wherever they are (the assembler shares their evaluation).
       */
      key?: string;
    }
  | { kind: 'data'; directive: string; unit: number; items: DataItem[]; range: SourceRange }
  | { kind: 'reserve'; directive: string; unit: number; count: Expr; range: SourceRange }
  | { kind: 'times'; count: Expr; body: Statement; range: SourceRange }
  | { kind: 'equ'; value: Expr; range: SourceRange }
  | { kind: 'incbin'; file: string; fileRange: SourceRange; offset?: Expr; length?: Expr; range: SourceRange }
  | { kind: 'align'; directive: 'align' | 'alignb'; boundary: Expr; fill?: Statement; range: SourceRange }
  | { kind: 'section'; name: string; nameRange: SourceRange; attrs: SectionAttr[]; range: SourceRange }
  | { kind: 'absolute'; address: Expr; range: SourceRange }
  | { kind: 'bits'; bits: number; range: SourceRange }
  | { kind: 'default'; rel: boolean; range: SourceRange }
  | { kind: 'org'; address: Expr; range: SourceRange }
  | { kind: 'symbols'; directive: 'global' | 'extern' | 'common' | 'static' | 'required'; names: Name[]; range: SourceRange }
  | { kind: 'sectalign'; value?: Expr; range: SourceRange }
  | { kind: 'struc'; name: Name; offset?: Expr; range: SourceRange }
  | { kind: 'endstruc'; range: SourceRange }
  | { kind: 'istruc'; name: Name; range: SourceRange }
  | { kind: 'at'; field: Expr; body: Statement; range: SourceRange }
  | { kind: 'iend'; range: SourceRange }
  /** Accepted and without effect on a flat 64-bit image: `cpu`, `map`, `float`, `warning`, `list`. */
  | { kind: 'ignored'; directive: string; range: SourceRange };

export interface ParsedLine {
  label?: Name & { colon: boolean };
  stmt: Statement;
  diagnostics: Diagnostic[];
}

/** Longest number token accepted (64-bit values, floats with many digits, `_` separators). */
const MAX_NUMBER_CHARS = 4000;

export const SIZE_KEYWORDS: ReadonlySet<string> = new Set(['byte', 'word', 'dword', 'qword', 'tword', 'oword', 'yword', 'zword']);

const DIRECTIVES = new Set(['bits', 'use16', 'use32', 'use64', 'default', 'section', 'segment', 'org', 'global', 'extern', 'common', 'static',
  'required', 'align', 'alignb', 'struc', 'endstruc', 'istruc', 'at', 'iend', 'incbin', 'cpu', 'absolute', 'sectalign', 'warning', 'float',
  'map', 'list', 'nolist', 'times', 'equ']);

const DATA_RE = /^d([bwdqtoyz])$/;
const RES_RE = /^res([bwdqtoyz])$/;

/** Section-name-like words that can never be labels (so `section` typos get a clear error). */
function isKeywordStart(word: string): boolean {
  const w = word.toLowerCase();
  return DIRECTIVES.has(w) || PREFIXES.has(w) || DATA_RE.test(w) || RES_RE.test(w) || isMnemonic(w);
}

class LineError {
  constructor(
    readonly message: string,
    readonly range: SourceRange,
  ) {}
}

function join(a: SourceRange, b: SourceRange): SourceRange {
  if (a === b || a.file !== b.file || a.line !== b.line) return a;
  return { file: a.file, line: a.line, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
}

/** Where a missing token is reported: the token it should have followed (a visible, non-empty range). */
function after(t: Token): SourceRange {
  return t.range;
}

function lower(t: Token | undefined): string {
  return t && t.kind === 'ident' ? t.text.toLowerCase() : '';
}

function isOp(t: Token | undefined, op: string): boolean {
  return t !== undefined && t.kind === 'op' && t.text === op;
}

/**
 * Parses lines in order. Keep one LineParser per assembly: it carries the local-label base
 * (`.x` belongs to the last label that does not start with a dot).
 */
export class LineParser {
  /** Last non-local label; `.x` resolves to `${base}.x`. */
  labelBase = '';

  /** Resolves a written symbol name: `.x` -> base.x; `..@x` and `..start` stay as they are. */
  resolveName(name: string): string {
    if (name.startsWith('.') && !name.startsWith('..')) return this.labelBase + name;
    return name;
  }

  parse(line: PreprocessedLine): ParsedLine {
    const toks = line.tokens;
    // Most lines have no diagnostics: they share one frozen empty list (read-only for callers).
    const out: ParsedLine = { stmt: NONE, diagnostics: NO_DIAGNOSTICS };
    if (toks.length === 0) return out;
    try {
      this.parseInto(toks, out);
      // A statement spanning the whole line (no label, no comment) shares the line's range object.
      const st = out.stmt;
      const site = line.site;
      if (st.kind !== 'none' && st.range !== site && st.range.start === site.start && st.range.end === site.end && st.range.line === site.line && st.range.file === site.file) st.range = site;
    } catch (e) {
      if (!(e instanceof LineError)) throw e;
      out.diagnostics = [...out.diagnostics, { range: e.range, severity: 'error', code: 'syntax-error', message: e.message }];
      out.stmt = NONE;
    }
    return out;
  }

  private parseInto(toks: Token[], out: ParsedLine): void {
    const first = toks[0]!;
    // Reject stray tokens early: an `error` token is an unknown character or unterminated string.
    for (const t of toks) {
      if (t.kind === 'error') {
        throw new LineError(t.text.length > 1 && /^['"`]/.test(t.text) ? 'unterminated string' : `unexpected character \`${t.text}\``, t.range);
      }
      // A 64-bit number never needs more digits than this; longer ones would only cost time.
      if (t.kind === 'number' && t.text.length > MAX_NUMBER_CHARS) throw new LineError(`number too long (more than ${MAX_NUMBER_CHARS} characters)`, t.range);
      if (t.kind === 'directive' || t.kind === 'param' || t.kind === 'local') {
        throw new LineError(`preprocessor token \`${t.text}\` left after preprocessing`, t.range);
      }
    }
    // `[bits 64]`, `[section .data]`: NASM's primitive (bracketed) directive form.
    if (isOp(first, '[') && toks.length >= 2 && DIRECTIVES.has(lower(toks[1])) && isOp(toks[toks.length - 1], ']')) {
      out.stmt = this.directive(toks.slice(1, -1), 0);
      return;
    }
    if (first.kind !== 'ident') throw new LineError('label or instruction expected at start of line', first.range);
    const w = first.text.toLowerCase();
    let pos = 0;
    if (!(isKeywordStart(w) && !first.text.startsWith('$')) || isOp(toks[1], ':') || lower(toks[1]) === 'equ') {
      // A label: a word that is not an instruction, or any word followed by `:`.
      if (isRegister(first.text) && !first.text.startsWith('$')) throw new LineError(`\`${first.text}\` is a register, not a label`, first.range);
      if (first.text.startsWith('$') && first.text.length === 1) throw new LineError('label expected', first.range);
      const colon = isOp(toks[1], ':');
      const written = first.text.startsWith('$') ? first.text.slice(1) : first.text;
      const name = this.resolveName(written);
      out.label = { name, range: first.range, colon };
      pos = colon ? 2 : 1;
      const isEqu = lower(toks[pos]) === 'equ';
      // `.x` does not change the base; `..@x` neither; equ constants do not either (as nasm 2.16).
      if (!isEqu && !written.startsWith('.')) this.labelBase = written;
      if (pos >= toks.length) {
        if (!colon) {
          out.diagnostics = [
            {
              range: first.range,
              severity: 'warning',
              code: 'orphan-label',
              message: 'label alone on a line without a colon might be in error',
            },
          ];
        }
        return;
      }
      const next = toks[pos]!;
      if (next.kind !== 'ident' || !isKeywordStart(next.text)) {
        throw new LineError(
          colon || next.kind !== 'ident' ? 'instruction, directive or data expected after label' : `\`${first.text}\` is not an instruction`,
          colon ? next.range : first.range,
        );
      }
      if (isEqu) {
        const e = this.expr(toks, pos + 1, false, true);
        this.expectEnd(toks, e.next);
        out.stmt = { kind: 'equ', value: e.expr, range: join(next.range, e.expr.range) };
        return;
      }
    }
    out.stmt = this.statement(toks, pos);
  }

  /** One statement starting at `toks[pos]` and running to the end of `toks`. */
  statement(toks: Token[], pos: number): Statement {
    const t = toks[pos];
    if (!t) return NONE;
    const w = lower(t);
    if (t.kind !== 'ident') throw new LineError('instruction expected', t.range);
    if (w === 'times') {
      const e = this.expr(toks, pos + 1, false, true);
      if (e.next >= toks.length) throw new LineError('`times` needs an instruction or data after its count', after(toks[toks.length - 1]!));
      const body = this.statement(toks, e.next);
      if (body.kind === 'none') throw new LineError('instruction expected after `times`', toks[e.next]!.range);
      return { kind: 'times', count: e.expr, body, range: join(t.range, toks[toks.length - 1]!.range) };
    }
    let m = DATA_RE.exec(w);
    if (m) return this.data(toks, pos, w, UNIT_SIZES[m[1]!]!);
    m = RES_RE.exec(w);
    if (m) {
      const e = this.expr(toks, pos + 1, false, true);
      this.expectEnd(toks, e.next);
      return { kind: 'reserve', directive: w, unit: UNIT_SIZES[m[1]!]!, count: e.expr, range: join(t.range, e.expr.range) };
    }
    if (w === 'equ') throw new LineError('`equ` needs a label before it', t.range);
    if (DIRECTIVES.has(w)) return this.directive(toks, pos);
    return this.instruction(toks, pos);
  }

  private expectEnd(toks: Token[], pos: number): void {
    const t = toks[pos];
    if (t) throw new LineError(`unexpected \`${t.text}\` (expected end of line)`, t.range);
  }

  private expr(toks: Token[], pos: number, regs: boolean, required: boolean): { expr: Expr; next: number } {
    if (pos >= toks.length && required) {
      const last = toks[toks.length - 1]!;
      throw new LineError('expression expected', after(last));
    }
    const fast = simpleExpr(toks, pos, regs);
    if (fast !== undefined) return { expr: this.resolveExpr(fast.expr), next: fast.next };
    const r = parseExpr(toks, pos, { allowRegisters: regs });
    if ('error' in r) throw new LineError(r.error, r.range);
    return { expr: this.resolveExpr(r.expr), next: r.next };
  }

  /** Local-label resolution inside expressions (`jmp .loop`). */
  private resolveExpr(e: Expr): Expr {
    switch (e.kind) {
      case 'sym': {
        const n = this.resolveName(e.name);
        return n === e.name ? e : { ...e, name: n };
      }
      case 'unary': {
        const a = this.resolveExpr(e.arg);
        return a === e.arg ? e : { ...e, arg: a };
      }
      case 'binary': {
        const l = this.resolveExpr(e.left);
        const r = this.resolveExpr(e.right);
        return l === e.left && r === e.right ? e : { ...e, left: l, right: r };
      }
      case 'cond':
        return { ...e, test: this.resolveExpr(e.test), then: this.resolveExpr(e.then), else: this.resolveExpr(e.else) };
      default:
        return e;
    }
  }

  // ------------------------------------------------------------ data

  private data(toks: Token[], pos: number, directive: string, unit: number): Statement {
    const items: DataItem[] = [];
    const head = toks[pos]!;
    let p = pos + 1;
    while (p < toks.length) {
      const t = toks[p]!;
      const next = toks[p + 1];
      const endsItem = (n: Token | undefined): boolean => n === undefined || isOp(n, ',');
      if (isOp(t, '?') && endsItem(next)) {
        items.push({ kind: 'uninit', range: t.range });
        p++;
      } else if (t.kind === 'string' && endsItem(next)) {
        const e = this.expr(toks, p, false, true);
        if (e.expr.kind !== 'str') throw new LineError('string expected', t.range);
        items.push({ kind: 'string', bytes: e.expr.bytes, range: t.range });
        p = e.next;
      } else {
        const e = this.expr(toks, p, false, true);
        const f = floatOf(e.expr);
        if (f) items.push({ kind: 'float', text: f.text, negative: f.negative, range: e.expr.range });
        else items.push({ kind: 'expr', expr: e.expr, range: e.expr.range });
        p = e.next;
      }
      if (p < toks.length) {
        if (!isOp(toks[p], ',')) throw new LineError(`expected \`,\` between data items, found \`${toks[p]!.text}\``, toks[p]!.range);
        p++;
        if (p >= toks.length) throw new LineError('data item expected after `,`', after(toks[p - 1]!));
      }
    }
    return { kind: 'data', directive, unit, items, range: join(head.range, toks[toks.length - 1]!.range) };
  }

  // ------------------------------------------------------------ directives

  private directive(toks: Token[], pos: number): Statement {
    const head = toks[pos]!;
    const w = lower(head);
    const range = join(head.range, toks[toks.length - 1]!.range);
    switch (w) {
      case 'bits': {
        const e = this.expr(toks, pos + 1, false, true);
        this.expectEnd(toks, e.next);
        if (e.expr.kind !== 'num') throw new LineError('`bits` expects 16, 32 or 64', e.expr.range);
        return { kind: 'bits', bits: Number(e.expr.value), range };
      }
      case 'use16':
      case 'use32':
      case 'use64':
        this.expectEnd(toks, pos + 1);
        return { kind: 'bits', bits: Number(w.slice(3)), range };
      case 'default': {
        const a = lower(toks[pos + 1]);
        this.expectEnd(toks, pos + 2);
        if (a === 'rel' || a === 'abs') return { kind: 'default', rel: a === 'rel', range };
        if (a === 'bnd' || a === 'nobnd') return { kind: 'ignored', directive: 'default', range };
        throw new LineError('`default` expects `rel` or `abs`', toks[pos + 1]?.range ?? after(head));
      }
      case 'section':
      case 'segment':
        return this.section(toks, pos);
      case 'org': {
        const e = this.expr(toks, pos + 1, false, true);
        this.expectEnd(toks, e.next);
        return { kind: 'org', address: e.expr, range };
      }
      case 'absolute': {
        const e = this.expr(toks, pos + 1, false, true);
        this.expectEnd(toks, e.next);
        return { kind: 'absolute', address: e.expr, range };
      }
      case 'global':
      case 'extern':
      case 'common':
      case 'static':
      case 'required':
        return this.symbolList(toks, pos, w, range);
      case 'align':
      case 'alignb': {
        const e = this.expr(toks, pos + 1, false, true);
        let fill: Statement | undefined;
        if (e.next < toks.length) {
          if (!isOp(toks[e.next], ',')) throw new LineError('expected `,` after the alignment', toks[e.next]!.range);
          fill = this.statement(toks, e.next + 1);
        }
        return { kind: 'align', directive: w, boundary: e.expr, fill, range };
      }
      case 'sectalign': {
        const a = lower(toks[pos + 1]);
        if (a === 'on' || a === 'off') return { kind: 'ignored', directive: 'sectalign', range };
        const e = this.expr(toks, pos + 1, false, true);
        this.expectEnd(toks, e.next);
        return { kind: 'sectalign', value: e.expr, range };
      }
      case 'struc': {
        const n = toks[pos + 1];
        if (!n || n.kind !== 'ident') throw new LineError('`struc` needs a structure name', n?.range ?? after(head));
        let offset: Expr | undefined;
        if (toks.length > pos + 2) {
          if (!isOp(toks[pos + 2], ',')) throw new LineError('expected `,` before the structure offset', toks[pos + 2]!.range);
          const e = this.expr(toks, pos + 3, false, true);
          this.expectEnd(toks, e.next);
          offset = e.expr;
        }
        const name = this.resolveName(n.text);
        // NASM's struc macro defines the name as a label, so `.field` labels become name.field.
        this.labelBase = name;
        return { kind: 'struc', name: { name, range: n.range }, offset, range };
      }
      case 'endstruc':
        this.expectEnd(toks, pos + 1);
        return { kind: 'endstruc', range };
      case 'istruc': {
        const n = toks[pos + 1];
        if (!n || n.kind !== 'ident') throw new LineError('`istruc` needs a structure name', n?.range ?? after(head));
        this.expectEnd(toks, pos + 2);
        return { kind: 'istruc', name: { name: this.resolveName(n.text), range: n.range }, range };
      }
      case 'at': {
        const e = this.expr(toks, pos + 1, false, true);
        let body: Statement = { kind: 'none' };
        if (e.next < toks.length) {
          if (!isOp(toks[e.next], ',')) throw new LineError('expected `,` after the field name', toks[e.next]!.range);
          body = this.statement(toks, e.next + 1);
        }
        return { kind: 'at', field: e.expr, body, range };
      }
      case 'iend':
        this.expectEnd(toks, pos + 1);
        return { kind: 'iend', range };
      case 'incbin': {
        const f = toks[pos + 1];
        if (!f || f.kind !== 'string') throw new LineError('`incbin` expects a quoted file name', f?.range ?? after(head));
        const fe = this.expr(toks, pos + 1, false, true);
        if (fe.expr.kind !== 'str') throw new LineError('`incbin` expects a quoted file name', f.range);
        const file = new TextDecoder().decode(fe.expr.bytes);
        let p = fe.next;
        const opt: Expr[] = [];
        while (p < toks.length && opt.length < 2) {
          if (!isOp(toks[p], ',')) throw new LineError('expected `,`', toks[p]!.range);
          const e = this.expr(toks, p + 1, false, true);
          opt.push(e.expr);
          p = e.next;
        }
        this.expectEnd(toks, p);
        return { kind: 'incbin', file, fileRange: f.range, offset: opt[0], length: opt[1], range };
      }
      case 'cpu':
      case 'warning':
      case 'float':
      case 'map':
      case 'list':
      case 'nolist':
        return { kind: 'ignored', directive: w, range };
      case 'times':
      case 'equ':
        return this.statement(toks, pos);
      default:
        throw new LineError(`unknown directive \`${head.text}\``, head.range);
    }
  }

  private section(toks: Token[], pos: number): Statement {
    const head = toks[pos]!;
    const n = toks[pos + 1];
    if (!n) throw new LineError('section name expected', after(head));
    let name: string;
    if (n.kind === 'ident') name = n.text;
    else if (n.kind === 'string') name = n.text.slice(1, -1);
    else throw new LineError('section name expected', n.range);
    const attrs: SectionAttr[] = [];
    let p = pos + 2;
    while (p < toks.length) {
      const t = toks[p]!;
      if (t.kind !== 'ident') throw new LineError(`section attribute expected, found \`${t.text}\``, t.range);
      const key = t.text.toLowerCase();
      if (isOp(toks[p + 1], '=')) {
        if (key === 'follows' || key === 'vfollows') {
          const r = toks[p + 2];
          if (!r || r.kind !== 'ident') throw new LineError(`\`${key}=\` expects a section name`, r?.range ?? after(toks[p + 1]!));
          attrs.push({ key, ref: r.text, range: join(t.range, r.range) });
          p += 3;
          continue;
        }
        const e = this.expr(toks, p + 2, false, true);
        attrs.push({ key, expr: e.expr, range: join(t.range, e.expr.range) });
        p = e.next;
        continue;
      }
      attrs.push({ key, range: t.range });
      p++;
    }
    return { kind: 'section', name, nameRange: n.range, attrs, range: join(head.range, toks[toks.length - 1]!.range) };
  }

  private symbolList(toks: Token[], pos: number, directive: 'global' | 'extern' | 'common' | 'static' | 'required', range: SourceRange): Statement {
    const names: Name[] = [];
    let p = pos + 1;
    while (p < toks.length) {
      const t = toks[p]!;
      if (t.kind !== 'ident') throw new LineError('symbol name expected', t.range);
      const written = t.text.startsWith('$') ? t.text.slice(1) : t.text;
      names.push({ name: this.resolveName(written), range: t.range });
      p++;
      // `global foo:function`, `common x 8`, `extern y:wrt ..plt`: object-format decorations, not meaningful in bin.
      while (p < toks.length && !isOp(toks[p], ',')) p++;
      if (p < toks.length) p++;
    }
    if (names.length === 0) throw new LineError(`\`${directive}\` needs a symbol name`, after(toks[pos]!));
    return { kind: 'symbols', directive, names, range };
  }

  // ------------------------------------------------------------ instructions

  private instruction(toks: Token[], pos: number): Statement {
    // Most instructions have no prefix: they share one frozen empty list.
    let prefixes = NO_PREFIXES;
    let p = pos;
    const start = toks[pos]!;
    while (p < toks.length && toks[p]!.kind === 'ident' && PREFIXES.has(lower(toks[p])) && !isOp(toks[p + 1], ':')) {
      if (prefixes === NO_PREFIXES) prefixes = [];
      prefixes.push(lower(toks[p]));
      p++;
    }
    const m = toks[p];
    if (!m) {
      return { kind: 'instruction', prefixes, mnemonic: '', mnemonicRange: start.range, operands: [], range: join(start.range, toks[toks.length - 1]!.range) };
    }
    if (m.kind !== 'ident' || !isMnemonic(m.text)) {
      throw new LineError(m.kind === 'ident' ? `unknown instruction \`${m.text}\`` : 'instruction expected', m.range);
    }
    const operands: Operand[] = [];
    p++;
    while (p < toks.length) {
      const r = this.operand(toks, p);
      operands.push(r.op);
      p = r.next;
      if (p < toks.length) {
        if (!isOp(toks[p], ',')) throw new LineError(`expected \`,\` between operands, found \`${toks[p]!.text}\``, toks[p]!.range);
        p++;
        if (p >= toks.length) throw new LineError('operand expected after `,`', after(toks[p - 1]!));
      }
    }
    return {
      kind: 'instruction',
      prefixes,
      mnemonic: m.text.toLowerCase(),
      mnemonicRange: m.range,
      operands,
      range: join(start.range, toks[toks.length - 1]!.range),
      key: this.textKey(toks, pos),
    };
  }

  /** `toks[pos..]` joined by a character no token contains, `.x` replaced by its resolved name. */
  private textKey(toks: Token[], pos: number): string {
    // Joined in one step: a flat string (hashed once as a map key), not a chain of concatenations.
    const parts: string[] = [];
    for (let i = pos; i < toks.length; i++) {
      const t = toks[i]!;
      parts.push(t.kind === 'ident' && t.text.charCodeAt(0) === 46 /* . */ ? this.resolveName(t.text) : t.text);
    }
    return parts.join('\n');
  }

  /** One operand starting at `toks[pos]`; returns the index after it (at `,` or the end). */
  private operand(toks: Token[], pos: number): { op: Operand; next: number } {
    let p = pos;
    let size: SizeKeyword | undefined;
    let strict = false;
    let jump: 'short' | 'near' | 'far' | undefined;
    let segment: string | undefined;
    const first = toks[pos]!;
    for (;;) {
      const w = lower(toks[p]);
      if (SIZE_KEYWORDS.has(w) && !isOp(toks[p + 1], ',') && toks[p + 1] !== undefined) {
        if (size) throw new LineError('more than one size keyword', toks[p]!.range);
        size = w as SizeKeyword;
      } else if (w === 'strict') strict = true;
      else if ((w === 'short' || w === 'near' || w === 'far') && toks[p + 1] !== undefined) jump = w;
      else break;
      p++;
    }
    // Segment override outside the brackets: `gs:[rbx]`.
    const t = toks[p];
    if (!t) throw new LineError('operand expected', after(toks[p - 1]!));
    if (t.kind === 'ident' && registerInfo(t.text)?.cls === 'seg' && isOp(toks[p + 1], ':')) {
      segment = t.text.toLowerCase();
      p += 2;
      if (!isOp(toks[p], '[')) throw new LineError('`[` expected after the segment override', toks[p]?.range ?? after(toks[p - 1]!));
    }
    const cur = toks[p];
    if (isOp(cur, '[')) {
      const mem = this.memory(toks, p, segment);
      const range = join(first.range, toks[mem.next - 1]!.range);
      // `jmp near [rax]` is the ordinary indirect form; `jmp far [rax]` goes through an m16:64 pointer.
      if (jump === 'short') throw new LineError('`short` cannot be used with a memory operand', range);
      const op: Operand = { kind: 'mem', size, ...mem.parts, range };
      if (jump === 'far') op.far = true;
      return { op, next: mem.next };
    }
    if (cur && cur.kind === 'ident' && isRegister(cur.text) && (p + 1 >= toks.length || isOp(toks[p + 1], ','))) {
      if (size || strict || jump) {
        // NASM accepts `byte al` etc. as a redundant size; keep the register.
      }
      return { op: { kind: 'reg', name: cur.text.toLowerCase(), range: cur.range }, next: p + 1 };
    }
    const e = this.expr(toks, p, false, true);
    if (isOp(toks[e.next], ':')) throw new LineError('far pointers (`seg:offset`) are not supported in 64-bit flat binaries', toks[e.next]!.range);
    const range = join(first.range, e.expr.range);
    return { op: { kind: 'imm', expr: e.expr, size, strict, jump, range }, next: e.next };
  }

  private memory(
    toks: Token[],
    open: number,
    outerSegment: string | undefined,
  ): {
    parts: { segment?: string; expr: Expr; addressing?: 'rel' | 'abs'; dispSize?: SizeKeyword; nosplit?: boolean };
    next: number;
  } {
    let p = open + 1;
    let segment = outerSegment;
    let addressing: 'rel' | 'abs' | undefined;
    let dispSize: SizeKeyword | undefined;
    let nosplit: boolean | undefined;
    for (;;) {
      const t = toks[p];
      const w = lower(t);
      if (SIZE_KEYWORDS.has(w)) dispSize = w as SizeKeyword;
      else if (w === 'rel' || w === 'abs') addressing = w;
      else if (w === 'nosplit') nosplit = true;
      else if (t && registerInfo(w)?.cls === 'seg' && isOp(toks[p + 1], ':')) {
        if (segment) throw new LineError('more than one segment override', t.range);
        segment = w;
        p++;
      } else break;
      p++;
    }
    const close = toks[p];
    if (!close) throw new LineError('expecting `]`', after(toks[p - 1]!));
    if (isOp(close, ']')) throw new LineError('empty memory reference', close.range);
    const e = this.expr(toks, p, true, true);
    const end = toks[e.next];
    if (!isOp(end, ']')) throw new LineError('expecting `]`', end?.range ?? after(toks[e.next - 1]!));
    const parts: { segment?: string; expr: Expr; addressing?: 'rel' | 'abs'; dispSize?: SizeKeyword; nosplit?: boolean } = { expr: e.expr };
    if (segment) parts.segment = segment;
    if (addressing) parts.addressing = addressing;
    if (dispSize) parts.dispSize = dispSize;
    if (nosplit) parts.nosplit = nosplit;
    if (toks[e.next + 1] && !isOp(toks[e.next + 1], ',')) throw new LineError(`unexpected \`${toks[e.next + 1]!.text}\` after \`]\``, toks[e.next + 1]!.range);
    return { parts, next: e.next + 1 };
  }
}

// ------------------------------------------------------------ simple expressions

const NONE: Statement = { kind: 'none' };
const NO_DIAGNOSTICS: Diagnostic[] = Object.freeze([]) as unknown as Diagnostic[];
const NO_PREFIXES: string[] = Object.freeze([]) as unknown as string[];

/** Values of number tokens already read (bigints are immutable, so one value serves every use). */
const NUMBER_VALUES = new Map<string, bigint>();

/** True at the end of an operand: end of line, `,` or `]`. */
function endsOperand(t: Token | undefined): boolean {
  return t === undefined || (t.kind === 'op' && (t.text === ',' || t.text === ']'));
}

/** A number, symbol or (inside brackets) register token as parseExpr's primary() builds it; undefined for anything else. */
function leaf(t: Token | undefined, regs: boolean): Expr | undefined {
  if (t === undefined) return undefined;
  if (t.kind === 'number') {
    let v = NUMBER_VALUES.get(t.text);
    if (v === undefined) {
      v = parseNumber(t.text);
      if (v === undefined) return undefined; // float or bad number: parseExpr reports / builds it
      if (NUMBER_VALUES.size > 10_000) NUMBER_VALUES.clear();
      NUMBER_VALUES.set(t.text, v);
    }
    return { kind: 'num', value: v, range: t.range };
  }
  if (t.kind !== 'ident' || t.text.charCodeAt(0) === 36 /* $name */) return undefined;
  if (isRegister(t.text)) return regs ? { kind: 'reg', name: t.text.toLowerCase(), range: t.range } : undefined;
  if (t.text.length === 3 && t.text.toLowerCase() === 'seg') return undefined;
  return { kind: 'sym', name: t.text, range: t.range };
}

/**
 * The expression at `toks[pos]` when it is one leaf (`5`, `lab`, `rbx`) or two joined by `+` or
 * `-` (`percpu.slots + 8`, `rbp - 16`) and the operand ends there: the same tree parseExpr
 * builds, without its descent through every precedence level. Otherwise undefined.
 */
function simpleExpr(toks: Token[], pos: number, regs: boolean): { expr: Expr; next: number } | undefined {
  const a = leaf(toks[pos], regs);
  if (a === undefined) return undefined;
  const op = toks[pos + 1];
  if (endsOperand(op)) return { expr: a, next: pos + 1 };
  if (op!.kind !== 'op' || (op!.text !== '+' && op!.text !== '-')) return undefined;
  const b = leaf(toks[pos + 2], regs);
  if (b === undefined || !endsOperand(toks[pos + 3])) return undefined;
  const range: SourceRange =
    a.range.file === b.range.file && a.range.line === b.range.line
      ? { file: a.range.file, line: a.range.line, start: Math.min(a.range.start, b.range.start), end: Math.max(a.range.end, b.range.end) }
      : a.range;
  return { expr: { kind: 'binary', op: op!.text, left: a, right: b, range }, next: pos + 3 };
}

/** A data item that is a floating-point literal, possibly signed (`-1.5`). NASM allows only unary +/- on floats. */
function floatOf(e: Expr): { text: string; negative: boolean } | undefined {
  let neg = false;
  let x = e;
  while (x.kind === 'unary' && (x.op === '-' || x.op === '+')) {
    if (x.op === '-') neg = !neg;
    x = x.arg;
  }
  return x.kind === 'float' ? { text: x.text, negative: neg } : undefined;
}
