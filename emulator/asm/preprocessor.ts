// NASM preprocessor: turns source text into PreprocessedLines (tokens with source ranges,
// the user's line as `site`, the macro/rep/include stack), handling %define, %macro, %rep,
// %if, %include and friends, with located diagnostics and hard limits for hostile input.
//
// Order per line follows nasm 2.16's pp_getline: macro parameters (%1, %%x, %$x) are replaced
// first unless a %macro/%rep body is being captured; then a directive is run, or the line is
// stored (capturing), skipped (false %if branch), or single-line macros are expanded and a
// multi-line macro call is looked for. Assembler directives (section, db, equ, struc, times...)
// pass through as tokens. Behaviour was checked with `nasm -E` (test/fixtures/pp).
//
// Sources are an explicit stack (file, macro expansion, %rep body), never JS recursion, so
// deep nesting cannot overflow the stack; every loop is bounded by PreprocessLimits.

import { evalExpr, parseExpr, parseNumber, parseStringLiteral } from './expr';
import { lexLine } from './lexer';
import { condDirective, elifStep, elseStep, emitting, sameTokens, tokenTypeTest, type Cond, type CondDirective } from './preprocessor-cond';
import { BUILTIN_NAMES, SmacroTable, type ExpandHooks } from './preprocessor-smacro';
import { adjacent, mkTok, quoteString, relex, spanOf, splitArgs, tokensText } from './preprocessor-util';
import type { Diagnostic, ExpansionFrame, Expr, FileHost, PreprocessedLine, Severity, SourceRange, Token } from './types';

export interface PreprocessLimits {
  /** Nested multi-line macro calls (and single-line expansion depth). */
  maxMacroDepth: number;
  /** Iterations of one %rep. */
  maxRepIterations: number;
  /** Lines read in total (file lines, macro and %rep body lines, directives); stops runaway expansion. */
  maxLines: number;
  /** Lines produced (what the assembler gets); bounds memory. */
  maxOutputLines: number;
  /** Nested %include files. */
  maxIncludeDepth: number;
  /** Tokens one line may grow to by single-line macro expansion. */
  maxExpansionTokens: number;
  /** Diagnostics reported before the rest are summarised in one. */
  maxDiagnostics: number;
}

export const DEFAULT_LIMITS: PreprocessLimits = {
  maxMacroDepth: 1000,
  maxRepIterations: 1_000_000,
  maxLines: 5_000_000,
  maxOutputLines: 2_000_000,
  maxIncludeDepth: 64,
  maxExpansionTokens: 200_000,
  maxDiagnostics: 1000,
};

export interface PreprocessOptions {
  host: FileHost;
  includePaths: string[];
  /** `-D` style definitions: name -> body text (`''` for an empty body). */
  predefined?: Record<string, string>;
  /** Editor mode: a missing %include is one warning instead of an error. */
  lint?: boolean;
  limits?: Partial<PreprocessLimits>;
  /**
   * Receives each line as soon as it is produced, instead of `lines` collecting them (it stays
   * empty): a consumer that parses as it goes lets the tokens die young (big files, memory).
   */
  onLine?: (line: PreprocessedLine) => void;
}

export interface PreprocessResult {
  lines: PreprocessedLine[];
  diagnostics: Diagnostic[];
}

type Comment = { text: string; range: SourceRange };

/** One logical line before expansion (continuations joined). */
interface RawLine {
  tokens: Token[];
  comment?: Comment;
  /** The (first) physical line: used as `site` for lines the user wrote directly. */
  range: SourceRange;
}

interface MMacro {
  name: string;
  caseless: boolean;
  min: number;
  max: number;
  greedy: boolean;
  nolist: boolean;
  defaults: Token[][];
  body: RawLine[];
  range: SourceRange;
  /** Defined with %rmacro: may call itself. Plain macros are not expanded inside themselves. */
  recursive: boolean;
  /** Expansions of this macro currently open. */
  active: number;
}

interface SourceBase {
  frames: ExpansionFrame[];
  /**
   * The open %if blocks. As in nasm they belong to the file: macro and %rep expansions share
   * their file's array, so an %if left open by a macro stays open after it (nasm behaviour).
   */
  conds: Cond[];
  /** conds.length when this expansion started; %exitmacro / %exitrep drop the blocks above it. */
  condBase: number;
  /** Fixed `site` for every line (macro expansions); undefined: each line is its own site. */
  site?: SourceRange;
}
interface FileSource extends SourceBase {
  kind: 'file';
  file: string;
  phys: string[];
  next: number;
}
interface MacroSource extends SourceBase {
  kind: 'macro';
  mac: MMacro;
  lines: RawLine[];
  index: number;
  params: Token[][];
  id: number;
  invoked: string;
  /** The label written before the call (`%00`). */
  label?: Token;
  callRange: SourceRange;
}
interface RepSource extends SourceBase {
  kind: 'rep';
  lines: RawLine[];
  index: number;
  remaining: number;
}
type Source = FileSource | MacroSource | RepSource;

type Defining =
  | { kind: 'macro'; mac: MMacro; nest: number; src: Source; discard: boolean }
  | { kind: 'rep'; count: number; nest: number; lines: RawLine[]; src: Source; range: SourceRange };

const PREDEF_FILE = '<command line>';

/** Longest string %strcat / %defstr may build (bytes). */
const MAX_STRING = 1 << 20;

// Condition-code inversion for %-1 / %+1 (NASM manual 4.3.9).
const CC = new Set(['a', 'ae', 'b', 'be', 'c', 'e', 'g', 'ge', 'l', 'le', 'na', 'nae', 'nb', 'nbe', 'nc', 'ne', 'ng', 'nge', 'nl', 'nle', 'no', 'np', 'ns', 'nz', 'o', 'p', 'pe', 'po', 's', 'z']);
function invertCc(cc: string): string {
  if (cc === 'pe') return 'po';
  if (cc === 'po') return 'pe';
  return cc.startsWith('n') ? cc.slice(1) : `n${cc}`;
}

class Preprocessor {
  readonly lines: PreprocessedLine[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private readonly limits: PreprocessLimits;
  private readonly smacros = new SmacroTable();
  private readonly mmacros = new Map<string, MMacro[]>();
  /** Names of case-sensitive macros ever defined, and the number of caseless ones (lookup filter). */
  private readonly exactMacroNames = new Set<string>();
  private caselessMacros = 0;
  private readonly stack: Source[] = [];
  private defining: Defining | undefined;
  private cur: Source | undefined;
  private linesRead = 0;
  private uniq = 0;
  private macroDepth = 0;
  private aborted = false;
  /** The line being processed (undefined between lines), for locating diagnostics. */
  private curLine: SourceRange | undefined;
  private readonly reported = new Set<string>();
  private bits = 16n;
  private readonly contexts: { name: string; id: number }[] = [];
  private readonly hooks: ExpandHooks;
  /** The file preprocess() was called on (the root of every include chain). */
  private rootFile = '';

  constructor(private readonly opts: PreprocessOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...(opts.limits ?? {}) };
    this.hooks = {
      builtin: (t: Token) => this.builtin(t),
      error: (m: string, r: SourceRange) => this.error(r, m),
      maxTokens: this.limits.maxExpansionTokens,
      maxDepth: this.limits.maxMacroDepth,
    };
    this.predefine();
  }

  // ------------------------------------------------------------ diagnostics

  private report(range: SourceRange, message: string, severity: Severity, code: string): void {
    // A token that came out of a %define body is not where the user looks: use the line
    // being processed (its own range inside a macro body; the site rule below still applies).
    const line = this.curLine;
    if (line && (range.file !== line.file || range.line !== line.line)) range = line;
    // The same complaint from every %rep iteration or macro call is shown once.
    const key = `${severity}|${range.file}|${range.line}|${range.start}|${message}`;
    if (this.reported.has(key)) return;
    this.reported.add(key);
    if (this.diagnostics.length >= this.limits.maxDiagnostics) {
      if (this.diagnostics.length === this.limits.maxDiagnostics) {
        this.diagnostics.push({ range, severity: 'error', code: 'macro-error', message: `too many preprocessor diagnostics; the rest are not shown` });
      }
      return;
    }
    const src = this.cur;
    const d: Diagnostic = { range, severity, code, message };
    if (src) {
      if (src.frames.length > 0) d.stack = src.frames;
      // Inside a macro the user's line is the call site; the body location goes in `related`.
      if (src.site && (src.site.file !== range.file || src.site.line !== range.line)) {
        d.range = src.site;
        d.related = [{ range, message: `in the expansion of ${describeFrame(src.frames[src.frames.length - 1])}` }];
      }
    }
    this.diagnostics.push(d);
  }

  private error(range: SourceRange, message: string, code = 'macro-error'): void {
    this.report(range, message, 'error', code);
  }

  private warning(range: SourceRange, message: string, code = 'macro-warning'): void {
    this.report(range, message, 'warning', code);
  }

  // ------------------------------------------------------------ driver

  run(source: string, file: string): void {
    this.rootFile = file;
    this.pushFile(source, file, [], undefined);
    while (this.stack.length > 0 && !this.aborted) {
      const src = this.stack[this.stack.length - 1]!;
      this.cur = src;
      const raw = this.nextLine(src);
      if (raw === undefined) {
        this.popSource();
        continue;
      }
      if (++this.linesRead > this.limits.maxLines) {
        this.error(raw.range, `preprocessing stopped: more than ${this.limits.maxLines} lines processed (runaway %rep or macro?)`);
        this.aborted = true;
        break;
      }
      this.curLine = raw.range;
      this.processLine(raw, src);
      this.curLine = undefined;
    }
    this.cur = undefined;
    if (this.defining && !this.aborted) this.endOfSourceWhileDefining();
  }

  private pushFile(text: string, file: string, frames: ExpansionFrame[], site: SourceRange | undefined): void {
    const nul = text.indexOf('\0');
    if (nul >= 0) {
      const before = text.lastIndexOf('\n', nul);
      const line = countNewlines(text, nul);
      const range = { file, line, start: nul - before - 1, end: nul - before };
      const saved = this.cur;
      this.cur = undefined;
      this.error(range, `${file} looks like a binary file (it contains NUL bytes); it is not NASM source and was skipped`, 'syntax-error');
      if (frames.length > 0) this.diagnostics[this.diagnostics.length - 1]!.stack = frames;
      this.cur = saved;
      return;
    }
    const phys = text.split('\n');
    if (phys.length > 0 && phys[phys.length - 1] === '') phys.pop();
    this.stack.push({ kind: 'file', file, phys, next: 0, frames, conds: [], condBase: 0, site });
  }

  private popSource(): void {
    const src = this.stack.pop()!;
    this.cur = src;
    if (this.defining && this.defining.src === src) this.endOfSourceWhileDefining();
    if (src.kind === 'file') {
      // One error per opening line (a %rep body may have opened the same %if many times).
      const seen = new Set<string>();
      for (const c of src.conds) {
        const key = `${c.range.file}:${c.range.line}`;
        if (seen.has(key)) continue;
        seen.add(key);
        this.error(c.range, 'unterminated %if: no matching %endif before the end of the file');
      }
    }
    if (src.kind === 'macro') {
      this.macroDepth--;
      src.mac.active--;
    }
    if (src.kind === 'rep' && src.remaining > 0 && !this.aborted) {
      // Next iteration of the %rep body.
      src.remaining--;
      src.index = 0;
      this.stack.push(src);
    }
    this.cur = this.stack[this.stack.length - 1];
  }

  private endOfSourceWhileDefining(): void {
    const d = this.defining!;
    this.defining = undefined;
    if (d.kind === 'macro') this.error(d.mac.range, `unterminated %macro \`${d.mac.name}\`: no matching %endmacro`);
    else this.error(d.range, 'unterminated %rep: no matching %endrep');
  }

  private nextLine(src: Source): RawLine | undefined {
    if (src.kind !== 'file') return src.index < src.lines.length ? src.lines[src.index++] : undefined;
    if (src.next >= src.phys.length) return undefined;
    const first = src.next;
    let text = src.phys[src.next++]!;
    if (text.endsWith('\r')) text = text.slice(0, -1);
    const lexed = lexLine(continued(text) ? text.slice(0, -1) : text, src.file, first);
    const tokens = lexed.tokens;
    let comment = lexed.comment;
    // A trailing backslash joins the next physical line (NASM reads them as one line);
    // each piece is lexed on its own line so token ranges stay exact.
    while (continued(text) && src.next < src.phys.length) {
      const ln = src.next;
      text = src.phys[src.next++]!;
      if (text.endsWith('\r')) text = text.slice(0, -1);
      const body = continued(text) ? text.slice(0, -1) : text;
      if (comment) {
        comment = { text: `${comment.text}\n${body}`, range: comment.range };
        continue;
      }
      const more = lexLine(body, src.file, ln);
      // Append in place: a long run of continued lines must stay linear.
      for (const t of more.tokens) tokens.push(t);
      comment = more.comment;
    }
    // The site covers the first physical line from its first to its last non-blank character.
    const firstText = src.phys[first]!;
    let end = firstText.length;
    while (end > 0 && firstText.charCodeAt(end - 1) <= 32) end--;
    let start = 0;
    while (start < end && firstText.charCodeAt(start) <= 32) start++;
    return { tokens, comment, range: { file: src.file, line: first, start, end } };
  }

  // ------------------------------------------------------------ one line

  private emitting(src: Source): boolean {
    return emitting(src.conds);
  }

  private processLine(raw: RawLine, src: Source): void {
    const first = raw.tokens[0];
    const dname = first && first.kind === 'directive' ? first.text.toLowerCase() : undefined;

    if (this.defining) {
      if (dname !== undefined && this.definingDirective(dname)) return;
      this.storeDefiningLine(raw);
      return;
    }
    if (!this.emitting(src)) {
      if (dname !== undefined) {
        const cd = condDirective(dname);
        // Arguments are substituted only if this %elif is actually evaluated.
        if (cd) this.conditional(cd, first!, () => this.substitute(raw.tokens.slice(1), src), raw, src);
        else if (dname === '%else') this.elseDirective(first!, src);
        else if (dname === '%endif') this.endifDirective(first!, src);
      }
      return;
    }
    const tokens = this.substitute(raw.tokens, src);
    if (dname !== undefined) {
      this.directive(dname, tokens, raw, src);
      if (raw.comment) this.emit([], raw, src);
      return;
    }
    const expanded = this.expand(tokens);
    if (expanded.length > 0 && this.tryMacroCall(expanded, raw, src)) return;
    this.trackBits(expanded);
    if (expanded.length > 0 || raw.comment) this.emit(expanded, raw, src);
  }

  private emit(tokens: Token[], raw: RawLine, src: Source): void {
    if (this.produced++ >= this.limits.maxOutputLines) {
      this.error(raw.range, `preprocessing stopped: more than ${this.limits.maxOutputLines} lines produced (runaway %rep or macro?)`);
      this.aborted = true;
      return;
    }
    const line: PreprocessedLine = { tokens, site: src.site ?? raw.range, stack: src.frames };
    if (raw.comment) line.comment = raw.comment;
    if (this.opts.onLine) this.opts.onLine(line);
    else this.lines.push(line);
  }

  /** Lines produced so far (the output limit counts them; `lines` is empty with `onLine`). */
  private produced = 0;

  private expand(tokens: Token[]): Token[] {
    return this.smacros.expand(tokens, this.hooks);
  }

  /** `bits 64` / `[bits 64]` updates __?BITS?__ (NASM's standard macro does the same). */
  private trackBits(t: Token[]): void {
    const i = t[0]?.text === '[' ? 1 : 0;
    const kw = t[i];
    if (!kw || kw.kind !== 'ident' || kw.text.toLowerCase() !== 'bits') return;
    const n = t[i + 1];
    const v = n && n.kind === 'number' ? parseNumber(n.text) : undefined;
    if (v === 16n || v === 32n || v === 64n) this.bits = v;
  }

  private builtin(t: Token): Token[] | undefined {
    // Like nasm 2.16, the line (and file) where the token was written: inside a macro that is
    // the body line, not the call site.
    const name = t.text.replace(/\?/g, '');
    if (name === '__LINE__') return [mkTok('number', String(t.range.line + 1), t.range)];
    if (name === '__FILE__') return [mkTok('string', quoteString(new TextEncoder().encode(t.range.file)), t.range)];
    if (name === '__BITS__') return [mkTok('number', String(this.bits), t.range)];
    return undefined;
  }

  // ------------------------------------------------------------ macro parameters

  /** Innermost macro whose parameters apply to lines of `src` (a %rep inside a macro sees them). */
  private macroOf(src: Source): MacroSource | undefined {
    for (let i = this.stack.indexOf(src); i >= 0; i--) {
      const s = this.stack[i]!;
      if (s.kind === 'macro') return s;
      if (s.kind === 'file') return undefined;
    }
    return undefined;
  }

  /**
   * Replaces %1, %{1:2}, %0, %-1, %?, %%local and %$local in a line (NASM's expand_mmac_params,
   * plus context-local names), pasting a substituted edge onto an adjacent name or number.
   */
  private substitute(tokens: Token[], src: Source): Token[] {
    let needs = false;
    for (const t of tokens) {
      if ((t.kind === 'param' && t.text !== '%+') || t.kind === 'local') {
        needs = true;
        break;
      }
    }
    if (!needs) return tokens;
    const mac = this.macroOf(src);
    const res: Token[] = [];
    // Implicit pasting: `lbl%1`, `%1_x`, `%%l%1` join when written without space, and one side
    // was substituted (NASM pastes the text; we re-lex the joined text).
    let prevSubst = false;
    // Index of the source token that produced the last output token.
    let lastFrom = -1;
    for (let i = 0; i < tokens.length; i++) {
      const t = tokens[i]!;
      const rep = this.substituteOne(t, mac);
      const isSubst = rep !== undefined;
      const items = rep ?? [t];
      if (items.length === 0) {
        prevSubst = isSubst;
        continue;
      }
      let k = 0;
      const prev = res[res.length - 1];
      if (prev && lastFrom === i - 1 && (isSubst || prevSubst) && adjacent(tokens[i - 1]!, t) && pastable(prev) && pastable(items[0]!)) {
        res.pop();
        const a = tokens[i - 1]!;
        const r: SourceRange = { file: a.range.file, line: a.range.line, start: a.range.start, end: t.range.end };
        for (const p of relex(prev.text + items[0]!.text, r)) res.push(p);
        k = 1;
      }
      for (; k < items.length; k++) res.push(items[k]!);
      prevSubst = isSubst;
      lastFrom = i;
    }
    return res;
  }

  /** Replacement tokens for one token, or undefined to keep it. */
  private substituteOne(t: Token, mac: MacroSource | undefined): Token[] | undefined {
    if (t.kind === 'local') {
      if (!mac) {
        this.error(t.range, `\`${t.text}\`: not in a macro call`);
        return undefined;
      }
      return [mkTok('ident', `..@${mac.id}.${t.text.slice(2)}`, t.range)];
    }
    if (t.kind !== 'param') return undefined;
    const text = t.text;
    if (text === '%+') return undefined;
    if (text.startsWith('%$')) return this.contextLocal(t);
    if (text.startsWith('%[')) return this.indirection(t, mac);
    if (text.startsWith('%!')) {
      // Environment variables are not visible to a pure front end.
      this.warning(t.range, `\`${text}\`: environment variables are not available; expands to nothing`);
      return [];
    }
    // nasm leaves %? and %?? alone outside a macro.
    if (!mac && (text === '%?' || text === '%??')) return undefined;
    if (!mac) {
      this.error(t.range, `\`${text}\`: not in a macro call`);
      return [];
    }
    if (text === '%?') return [mkTok('ident', mac.invoked, t.range)];
    if (text === '%??') return [mkTok('ident', mac.mac.name, t.range)];
    let spec = text.slice(1);
    if (spec.startsWith('{')) spec = spec.slice(1, -1).trim();
    const n = mac.params.length;
    const range = /^(-?\d+)\s*:\s*(-?\d+)$/.exec(spec);
    if (range) {
      // `%{a:b}`, either end may count from the last parameter (-1 is the last).
      const idx = (x: number) => (x < 0 ? n + x + 1 : x);
      const a = idx(Number(range[1]));
      const b = idx(Number(range[2]));
      if (a < 1 || b < 1 || a > n || b > n) {
        this.error(t.range, `\`${text}\`: macro parameters out of range (the call has ${n})`);
        return [];
      }
      const res: Token[] = [];
      const step = a <= b ? 1 : -1;
      for (let k = a; step > 0 ? k <= b : k >= b; k += step) {
        if (res.length > 0) res.push(mkTok('op', ',', t.range));
        if (k >= 1 && k <= n) for (const x of mac.params[k - 1]!) res.push(x);
      }
      return res;
    }
    const m = /^([+-]?)(\d+)$/.exec(spec);
    if (!m) {
      this.error(t.range, `\`${text}\`: unknown macro parameter form`);
      return [];
    }
    const k = Number(m[2]);
    if (m[1]) {
      // %+1 / %-1: the parameter as a condition code, %-1 inverted.
      const p = k >= 1 && k <= n ? mac.params[k - 1]! : [];
      const cc = p.length === 1 ? p[0]!.text.toLowerCase() : '';
      if (!CC.has(cc)) {
        this.error(t.range, `macro parameter \`${text}\` is not a condition code`);
        return [];
      }
      return [mkTok('ident', m[1] === '-' ? invertCc(cc) : cc, p[0]!.range)];
    }
    if (m[2] === '00') return mac.label ? [mac.label] : [];
    if (k === 0) return [mkTok('number', String(n), t.range)];
    return k <= n ? mac.params[k - 1]! : [];
  }

  /** `%$name` -> `..@<context id>.name`; `%$$name` reaches one context further out. */
  private contextLocal(t: Token): Token[] | undefined {
    let depth = 0;
    let p = 1;
    while (t.text[p] === '$') {
      depth++;
      p++;
    }
    const ctx = this.contexts[this.contexts.length - depth];
    if (!ctx) {
      this.error(t.range, this.contexts.length === 0 ? `\`${t.text}\`: context stack is empty (no %push)` : `\`${t.text}\`: context stack is not that deep`);
      return undefined;
    }
    return [mkTok('ident', `..@${ctx.id}.${t.text.slice(p)}`, t.range)];
  }

  /** `%[...]`: expand the contents, glue the resulting text together and re-lex it. */
  private indirection(t: Token, mac: MacroSource | undefined): Token[] {
    const inner = t.text.slice(2, -1);
    const col = t.range.start + 2;
    const toks = lexLine(' '.repeat(col) + inner, t.range.file, t.range.line).tokens;
    const sub = mac ? this.substitute(toks, mac) : toks;
    const exp = this.expand(sub);
    return relex(exp.map((x) => x.text).join(''), t.range);
  }

  // ------------------------------------------------------------ multi-line macro calls

  private findMacro(name: string): MMacro[] | undefined {
    // Fast negative answer for the common case (every line's first word is looked up).
    if (this.caselessMacros === 0 && !this.exactMacroNames.has(name)) return undefined;
    const list = this.mmacros.get(name.toLowerCase());
    if (!list) return undefined;
    const fit = list.filter((m) => (m.caseless || m.name === name) && (m.active === 0 || m.recursive));
    return fit.length > 0 ? fit : undefined;
  }

  private tryMacroCall(tokens: Token[], raw: RawLine, src: Source): boolean {
    const t0 = tokens[0]!;
    if (t0.kind !== 'ident') return false;
    let at = 0;
    let label: Token[] = [];
    let macs = this.findMacro(t0.text);
    if (!macs) {
      // `label: macro args` and `label macro args`: the label is emitted on its own line.
      let k = 1;
      if (tokens[k]?.kind === 'op' && tokens[k]!.text === ':') k++;
      const cand = tokens[k];
      if (!cand || cand.kind !== 'ident') return false;
      macs = this.findMacro(cand.text);
      if (!macs) return false;
      at = k;
      label = k === 1 ? [t0, mkTok('op', ':', { ...t0.range, start: t0.range.end, end: t0.range.end })] : tokens.slice(0, k);
    }
    const nameTok = tokens[at]!;
    const argToks = tokens.slice(at + 1);
    // `m %1` with an empty %1 still passes one (empty) parameter in nasm: the written line had
    // text after the name even though nothing is left of it.
    const emptyArg = argToks.length === 0 && raw.tokens.length > at + 1 && raw.tokens.slice(at + 1).every((t) => t.kind === 'param');
    const given = argToks.length === 0 ? (emptyArg ? 1 : 0) : splitArgs(argToks, 0, argToks.length, false).length;
    const mac = macs.find((m) => given >= m.min && (given <= m.max || m.greedy)) ?? macs.find((m) => given >= m.min && given <= m.max);
    if (!mac) {
      const m = macs[0]!;
      this.warning(nameTok.range, `multi-line macro \`${nameTok.text}\` exists, but not taking ${given} parameter${given === 1 ? '' : 's'} (it takes ${describeCount(m)})`);
      return false;
    }
    if (this.macroDepth >= this.limits.maxMacroDepth) {
      this.error(nameTok.range, `macro \`${mac.name}\` nested more than ${this.limits.maxMacroDepth} levels deep (infinite recursion?)`);
      return true;
    }
    let params: Token[][];
    // nasm 2.16 drops every argument of a `0+` macro (there is no parameter to be greedy).
    if (mac.max === 0) params = [];
    else if (argToks.length === 0) params = emptyArg ? [[]] : [];
    else if (mac.greedy && given > mac.max) params = splitGreedy(argToks, mac.max);
    else params = splitArgs(argToks, 0, argToks.length, false);
    if (params.length > 0 && params[params.length - 1]!.length === 0) {
      // nasm 2.16 matches first, then drops one trailing empty parameter (`m a,`; defaults
      // then fill it), warning when it was written that way.
      if (argToks.length > 0) {
        this.warning(argToks[argToks.length - 1]!.range, `dropping trailing empty parameter in call to multi-line macro \`${mac.name}\``);
      }
      params.pop();
    }
    for (let j = params.length; j < mac.max && j - mac.min < mac.defaults.length; j++) {
      if (j >= mac.min) params.push(mac.defaults[j - mac.min]!);
    }
    // A macro that uses %00 takes the label itself; otherwise it goes on a line of its own.
    if (label.length > 0 && !usesLabelParam(mac)) this.emit(label, { ...raw, comment: undefined }, src);
    const callRange = spanOf(tokens.slice(at), raw.range);
    const frame: ExpansionFrame = { kind: 'macro', name: mac.name, callSite: callRange };
    this.macroDepth++;
    mac.active++;
    this.stack.push({
      kind: 'macro',
      mac,
      lines: mac.body,
      index: 0,
      params,
      id: ++this.uniq,
      invoked: nameTok.text,
      label: label[0],
      callRange,
      frames: [...src.frames, frame],
      conds: src.conds,
      condBase: src.conds.length,
      site: src.site ?? raw.range,
    });
    if (raw.comment) this.emit([], raw, src);
    return true;
  }

  // ------------------------------------------------------------ definitions in progress

  /** Handles a directive met while capturing a %macro or %rep body; true when consumed. */
  private definingDirective(name: string): boolean {
    const d = this.defining!;
    if (d.kind === 'macro') {
      if (name === '%macro' || name === '%imacro' || name === '%rmacro' || name === '%irmacro') d.nest++;
      else if (name === '%endmacro' || name === '%endm') {
        if (d.nest > 0) d.nest--;
        else {
          this.defining = undefined;
          if (!d.discard) this.addMacro(d.mac);
          return true;
        }
      }
      return false;
    }
    if (name === '%rep') d.nest++;
    else if (name === '%endrep') {
      if (d.nest > 0) d.nest--;
      else {
        this.defining = undefined;
        this.startRep(d);
        return true;
      }
    }
    return false;
  }

  private storeDefiningLine(raw: RawLine): void {
    const d = this.defining!;
    if (d.kind === 'macro') d.mac.body.push(raw);
    else d.lines.push(raw);
  }

  private addMacro(m: MMacro): void {
    const key = m.name.toLowerCase();
    if (m.caseless) this.caselessMacros++;
    else this.exactMacroNames.add(m.name);
    const list = this.mmacros.get(key) ?? [];
    // Same name and same parameter range replaces the old definition (NASM redefines).
    const i = list.findIndex((o) => o.min === m.min && o.max === m.max && o.caseless === m.caseless && (o.caseless || o.name === m.name));
    if (i >= 0) list[i] = m;
    else list.push(m);
    this.mmacros.set(key, list);
  }

  private startRep(d: Extract<Defining, { kind: 'rep' }>): void {
    if (d.count <= 0 || d.lines.length === 0) return;
    const src = d.src;
    const frame: ExpansionFrame = { kind: 'rep', name: '%rep', callSite: d.range };
    this.stack.push({
      kind: 'rep',
      lines: d.lines,
      index: 0,
      remaining: d.count - 1,
      frames: [...src.frames, frame],
      conds: src.conds,
      condBase: src.conds.length,
      site: src.site,
    });
  }

  // ------------------------------------------------------------ directives

  private directive(name: string, tokens: Token[], raw: RawLine, src: Source): void {
    const dir = tokens[0]!;
    const args = tokens.slice(1);
    const cd = condDirective(name);
    if (cd) {
      this.conditional(cd, dir, () => args, raw, src);
      return;
    }
    switch (name) {
      case '%else':
        return this.elseDirective(dir, src);
      case '%endif':
        return this.endifDirective(dir, src);
      case '%define':
      case '%idefine':
      case '%xdefine':
      case '%ixdefine':
        return this.defineDirective(dir, args, name.includes('x'), name.startsWith('%i'));
      case '%undef':
      case '%iundef': {
        const n = args[0];
        if (!n || n.kind !== 'ident') return this.error(dir.range, `\`${dir.text}\` expects a macro name`);
        this.smacros.undef(n.text);
        return;
      }
      case '%assign':
      case '%iassign':
        return this.assignDirective(dir, args, name === '%iassign');
      case '%defstr':
      case '%idefstr':
        return this.defstrDirective(dir, args, name === '%idefstr');
      case '%deftok':
      case '%ideftok':
        return this.deftokDirective(dir, args, name === '%ideftok');
      case '%strlen':
      case '%istrlen':
        return this.strlenDirective(dir, args, name === '%istrlen');
      case '%substr':
      case '%isubstr':
        return this.substrDirective(dir, args, name === '%isubstr');
      case '%strcat':
      case '%istrcat':
        return this.strcatDirective(dir, args, name === '%istrcat');
      case '%macro':
      case '%imacro':
      case '%rmacro':
      case '%irmacro':
        return this.macroDirective(dir, args, name.startsWith('%i'), name.includes('rmacro'), src);
      case '%endmacro':
      case '%endm':
        return this.error(dir.range, `\`${dir.text}\`: not defining a macro`);
      case '%unmacro':
      case '%unimacro':
        return this.unmacroDirective(dir, args);
      case '%rotate':
        return this.rotateDirective(dir, args, src);
      case '%exitmacro':
        return this.exitTo('macro', dir);
      case '%rep':
        return this.repDirective(dir, args, src);
      case '%endrep':
        return this.error(dir.range, '`%endrep`: no matching `%rep`');
      case '%exitrep':
        return this.exitTo('rep', dir);
      case '%include':
        return this.includeDirective(dir, args, raw, src);
      case '%error':
      case '%fatal':
      case '%warning': {
        const msg = this.messageText(args) || dir.text.slice(1);
        const r = spanOf(tokens, dir.range);
        if (name === '%warning') this.warning(r, msg, 'macro-warning');
        else this.error(r, msg);
        if (name === '%fatal') this.aborted = true;
        return;
      }
      case '%push':
        this.contexts.push({ name: args[0]?.text ?? '', id: ++this.uniq });
        return;
      case '%pop': {
        const top = this.contexts[this.contexts.length - 1];
        if (!top) return this.error(dir.range, '`%pop`: context stack is already empty');
        if (args[0] && args[0].text !== top.name) {
          this.error(args[0].range, `\`%pop\`: context \`${top.name}\` does not match \`${args[0].text}\``);
        }
        this.contexts.pop();
        return;
      }
      case '%repl': {
        const top = this.contexts[this.contexts.length - 1];
        if (!top) return this.error(dir.range, '`%repl`: context stack is empty');
        top.name = args[0]?.text ?? '';
        return;
      }
      case '%clear':
        this.smacros.clear();
        this.mmacros.clear();
        return;
      case '%line':
      case '%pragma':
      case '%depend':
        return;
      case '%use':
      case '%local':
      case '%arg':
      case '%stacksize':
      case '%defalias':
      case '%idefalias':
      case '%undefalias':
      case '%pathsearch':
        return this.warning(dir.range, `\`${dir.text}\` is not supported by this preprocessor; the line is ignored`);
      default:
        this.error(dir.range, `unknown preprocessor directive \`${dir.text}\``);
    }
  }

  private messageText(args: Token[]): string {
    const exp = this.expand(args);
    if (exp.length === 1 && exp[0]!.kind === 'string') {
      const b = parseStringLiteral(exp[0]!.text);
      if (b instanceof Uint8Array) return new TextDecoder().decode(b);
    }
    return tokensText(exp);
  }

  private exitTo(kind: 'macro' | 'rep', dir: Token): void {
    for (let i = this.stack.length - 1; i >= 0; i--) {
      const s = this.stack[i]!;
      if (s.kind === 'file') break;
      if (s.kind === kind) {
        // %if blocks opened inside the exited expansion end with it (nasm's condcnt).
        s.conds.length = Math.min(s.conds.length, s.condBase);
        while (this.stack.length > i) {
          const top = this.stack.pop()!;
          if (top.kind === 'macro') {
            this.macroDepth--;
            top.mac.active--;
          }
        }
        return;
      }
    }
    this.error(dir.range, kind === 'macro' ? '`%exitmacro`: not inside a macro' : '`%exitrep`: not inside a %rep');
  }

  // ---- %define family

  private nameArg(dir: Token, args: Token[]): Token | undefined {
    const n = args[0];
    if (!n || n.kind !== 'ident') {
      this.error(n ? n.range : dir.range, `\`${dir.text}\` expects a macro name`);
      return undefined;
    }
    return n;
  }

  private defineDirective(dir: Token, args: Token[], expandNow: boolean, caseless: boolean): void {
    const n = this.nameArg(dir, args);
    if (!n) return;
    let bodyStart = 1;
    let params: string[] | undefined;
    let greedy = false;
    const open = args[1];
    if (open && open.kind === 'op' && open.text === '(' && adjacent(n, open)) {
      params = [];
      let i = 2;
      let ok = false;
      for (; i < args.length; i++) {
        const t = args[i]!;
        if (t.kind === 'op' && t.text === ')') {
          ok = true;
          break;
        }
        if (t.kind === 'op' && t.text === ',') continue;
        if (t.kind === 'op' && t.text === '+' && params.length > 0) {
          greedy = true;
          continue;
        }
        if (t.kind !== 'ident') {
          this.error(t.range, `\`${t.text}\` is not a valid macro parameter name`);
          return;
        }
        params.push(t.text);
      }
      if (!ok) {
        this.error(open.range, "missing `)` in macro parameter list");
        return;
      }
      bodyStart = i + 1;
    }
    let body = args.slice(bodyStart);
    if (expandNow) body = this.expand(body);
    this.smacros.define({ name: n.text, caseless, params, greedy, body, range: n.range, active: 0 });
  }

  private defineValue(n: Token, body: Token[], caseless: boolean): void {
    this.smacros.define({ name: n.text, caseless, greedy: false, body, range: n.range, active: 0 });
  }

  /** Evaluates a preprocessor expression (%if, %assign, %rep, %rotate); reports and returns undefined on failure. */
  private evaluate(dir: Token, args: Token[]): bigint | undefined {
    const exp = this.expand(args);
    // A token that came out of a %define body is not on this line: point at the argument text.
    const here = (r: SourceRange): SourceRange =>
      r.file === dir.range.file && r.line === dir.range.line ? r : spanOf(args, dir.range);
    if (exp.length === 0) {
      this.error(dir.range, `\`${dir.text}\` expects an expression`);
      return undefined;
    }
    const bad = exp.find((t) => t.kind === 'error');
    if (bad) {
      const what = bad.text.length > 1 ? 'unterminated string' : `unexpected character \`${bad.text}\``;
      this.error(here(bad.range), `\`${dir.text}\`: ${what}`, 'syntax-error');
      return undefined;
    }
    const r = parseExpr(exp, 0, { allowRegisters: true });
    if ('error' in r) {
      this.error(here(r.range), `\`${dir.text}\`: ${r.error}`);
      return undefined;
    }
    if (r.next < exp.length) {
      // nasm warns (pp-trailing) and uses the value.
      this.warning(here(spanOf(exp.slice(r.next), exp[r.next]!.range)), `\`${dir.text}\`: trailing garbage after expression ignored`);
    }
    const e = r.expr;
    // nasm compares register expressions with = / != as vectors: equal only when identical
    // (`%if rax = rax` is true, `%if rax = 3` false); any other use of a register is an error.
    if (e.kind === 'binary' && EQUALITY.has(e.op) && (hasRegister(e.left) || hasRegister(e.right))) {
      const same = sameExpr(e.left, e.right);
      return (e.op === '!=' || e.op === '<>') !== same ? 1n : 0n;
    }
    // Ordering a register is an error, but nasm still takes the test as false.
    if (e.kind === 'binary' && ORDERING.has(e.op) && (hasRegister(e.left) || hasRegister(e.right))) {
      this.error(here(e.range), `\`${dir.text}\`: \`${e.op}\`: operands differ by a non-scalar (a register)`);
      return 0n;
    }
    const v = evalExpr(e, { symbol: () => undefined });
    if (v.kind === 'value') return v.value;
    if (v.kind === 'error') {
      this.error(here(v.range), `\`${dir.text}\`: ${v.message}`);
      return undefined;
    }
    this.error(
      spanOf(exp, dir.range),
      `\`${dir.text}\`: symbol${v.symbols.length > 1 ? 's' : ''} ${v.symbols.map((s) => `\`${s}\``).join(', ')} not defined (the preprocessor only knows %define/%assign values)`,
    );
    return undefined;
  }

  private assignDirective(dir: Token, args: Token[], caseless: boolean): void {
    const n = this.nameArg(dir, args);
    if (!n) return;
    const v = this.evaluate(dir, args.slice(1));
    if (v === undefined) return;
    this.defineValue(n, numberTokens(v, spanOf(args.slice(1), n.range)), caseless);
  }

  private defstrDirective(dir: Token, args: Token[], caseless: boolean): void {
    const n = this.nameArg(dir, args);
    if (!n) return;
    const text = tokensText(this.expand(args.slice(1)));
    if (text.length > MAX_STRING) {
      this.error(spanOf(args, dir.range), `\`${dir.text}\`: result would be over the ${MAX_STRING}-byte limit`);
      return;
    }
    this.defineValue(n, [mkTok('string', quoteString(new TextEncoder().encode(text)), spanOf(args.slice(1), n.range))], caseless);
  }

  /** The bytes of a single string argument, or undefined (reported). */
  private stringArg(dir: Token, toks: Token[]): Uint8Array | undefined {
    const t = toks[0];
    if (toks.length !== 1 || t!.kind !== 'string') {
      this.error(t ? t.range : dir.range, `\`${dir.text}\` expects a string`);
      return undefined;
    }
    const b = parseStringLiteral(t!.text);
    if (b instanceof Uint8Array) return b;
    this.error(t!.range, b.error, 'syntax-error');
    return undefined;
  }

  private deftokDirective(dir: Token, args: Token[], caseless: boolean): void {
    const n = this.nameArg(dir, args);
    if (!n) return;
    const b = this.stringArg(dir, this.expand(args.slice(1)));
    if (!b) return;
    this.defineValue(n, relex(new TextDecoder().decode(b), spanOf(args.slice(1), n.range)), caseless);
  }

  private strlenDirective(dir: Token, args: Token[], caseless: boolean): void {
    const n = this.nameArg(dir, args);
    if (!n) return;
    const b = this.stringArg(dir, this.expand(args.slice(1)));
    if (!b) return;
    this.defineValue(n, numberTokens(BigInt(b.length), spanOf(args.slice(1), n.range)), caseless);
  }

  private substrDirective(dir: Token, args: Token[], caseless: boolean): void {
    const n = this.nameArg(dir, args);
    if (!n) return;
    const exp = this.expand(args.slice(1));
    const str = exp[0];
    const b = this.stringArg(dir, str ? [str] : []);
    if (!b) return;
    // `%substr x 'str' start[, len]`: 1-based start, len defaults to 1, a negative len counts from the end.
    const rest = exp.slice(1);
    const parts = splitArgs(rest, 0, rest.length, true);
    const start = this.evaluate(dir, parts[0] ?? []);
    if (start === undefined) return;
    let len = 1n;
    if (parts.length > 1) {
      const l = this.evaluate(dir, parts[1]!);
      if (l === undefined) return;
      len = l;
    }
    const size = BigInt(b.length);
    let from = start - 1n;
    if (from < 0n) from = 0n;
    if (from > size) from = size;
    let to = len < 0n ? size + len + 1n : from + len;
    if (to > size) to = size;
    if (to < from) to = from;
    const sub = b.slice(Number(from), Number(to));
    this.defineValue(n, [mkTok('string', quoteString(sub), str!.range)], caseless);
  }

  private strcatDirective(dir: Token, args: Token[], caseless: boolean): void {
    const n = this.nameArg(dir, args);
    if (!n) return;
    const exp = this.expand(args.slice(1));
    const parts: Uint8Array[] = [];
    for (const t of exp) {
      if (t.kind === 'op' && t.text === ',') continue;
      const b = this.stringArg(dir, [t]);
      if (!b) return;
      parts.push(b);
    }
    const size = parts.reduce((a, p) => a + p.length, 0);
    if (size > MAX_STRING) {
      // Doubling a string in a %rep would otherwise grow without bound.
      this.error(spanOf(exp, dir.range), `\`${dir.text}\`: result would be ${size} bytes, over the ${MAX_STRING}-byte limit`);
      return;
    }
    const total = new Uint8Array(size);
    let o = 0;
    for (const p of parts) {
      total.set(p, o);
      o += p.length;
    }
    this.defineValue(n, [mkTok('string', quoteString(total), spanOf(exp, n.range))], caseless);
  }

  // ---- %macro family

  /** Parses `name min[-max|-*][+] [.nolist] [defaults...]`. */
  private macroSpec(dir: Token, args: Token[], caseless: boolean, needDefaults: boolean): MMacro | undefined {
    const n = args[0];
    if (!n || (n.kind !== 'ident' && n.kind !== 'directive')) {
      this.error(n ? n.range : dir.range, `\`${dir.text}\` expects a macro name`);
      return undefined;
    }
    let i = 1;
    const cnt = args[i];
    let min = 0;
    let max = 0;
    let greedy = false;
    if (!cnt || cnt.kind !== 'number' || parseNumber(cnt.text) === undefined) {
      this.error(cnt ? cnt.range : n.range, `\`${dir.text} ${n.text}\` expects a parameter count (like 0, 1-3, 1+ or 0-*)`);
      return undefined;
    }
    min = Number(parseNumber(cnt.text)!);
    max = min;
    i++;
    if (args[i]?.kind === 'op' && args[i]!.text === '-') {
      const m = args[i + 1];
      if (m && m.kind === 'op' && m.text === '*') {
        max = Infinity;
        i += 2;
      } else if (m && m.kind === 'number' && parseNumber(m.text) !== undefined) {
        max = Number(parseNumber(m.text)!);
        i += 2;
        if (max < min) {
          this.error(m.range, `maximum parameter count ${max} is below the minimum ${min}`);
          return undefined;
        }
      } else {
        this.error(m ? m.range : args[i]!.range, 'expected a maximum parameter count or `*` after `-`');
        return undefined;
      }
    }
    if (args[i]?.kind === 'op' && args[i]!.text === '+') {
      greedy = true;
      i++;
    }
    let nolist = false;
    if (args[i]?.kind === 'ident' && args[i]!.text.toLowerCase() === '.nolist') {
      nolist = true;
      i++;
    }
    const defaults = needDefaults && i < args.length ? splitArgs(args, i, args.length, false) : [];
    if (Number.isFinite(max) && defaults.length > max - min) {
      this.warning(args[i]!.range, `too many default macro parameters (${defaults.length} for ${max - min} optional)`);
    }
    return { name: n.text, caseless, min, max, greedy, nolist, defaults, body: [], range: n.range, recursive: false, active: 0 };
  }

  private macroDirective(dir: Token, args: Token[], caseless: boolean, recursive: boolean, src: Source): void {
    const mac = this.macroSpec(dir, args, caseless, true);
    if (mac) mac.recursive = recursive;
    if (!mac) {
      // Still swallow the body so it is not assembled as code.
      this.defining = {
        kind: 'macro',
        mac: { name: '?', caseless, min: 0, max: 0, greedy: false, nolist: false, defaults: [], body: [], range: dir.range, recursive: false, active: 0 },
        nest: 0,
        src,
        discard: true,
      };
      return;
    }
    this.defining = { kind: 'macro', mac, nest: 0, src, discard: false };
  }

  private unmacroDirective(dir: Token, args: Token[]): void {
    const spec = this.macroSpec(dir, args, false, false);
    if (!spec) return;
    const list = this.mmacros.get(spec.name.toLowerCase());
    if (!list) return;
    const rest = list.filter((m) => !(m.min === spec.min && m.max === spec.max && (m.caseless || m.name === spec.name)));
    if (rest.length === 0) this.mmacros.delete(spec.name.toLowerCase());
    else this.mmacros.set(spec.name.toLowerCase(), rest);
  }

  private rotateDirective(dir: Token, args: Token[], src: Source): void {
    const mac = this.macroOf(src);
    if (!mac) return this.error(dir.range, '`%rotate`: not inside a macro');
    const v = args.length === 0 ? 1n : this.evaluate(dir, args);
    if (v === undefined) return;
    const n = mac.params.length;
    if (n === 0) return;
    const k = Number(((v % BigInt(n)) + BigInt(n)) % BigInt(n));
    mac.params = mac.params.slice(k).concat(mac.params.slice(0, k));
  }

  private repDirective(dir: Token, args: Token[], src: Source): void {
    let count = 0;
    const v = this.evaluate(dir, args.filter((t) => !(t.kind === 'ident' && t.text.toLowerCase() === '.nolist')));
    if (v !== undefined) {
      if (v > BigInt(this.limits.maxRepIterations)) {
        this.error(spanOf(args, dir.range), `%rep count ${v} exceeds limit of ${this.limits.maxRepIterations} iterations`);
      } else if (v > 0n) count = Number(v);
    }
    this.defining = { kind: 'rep', count, nest: 0, lines: [], src, range: spanOf([dir, ...args], dir.range) };
  }

  // ---- %include

  private includeDirective(dir: Token, args: Token[], raw: RawLine, src: Source): void {
    const exp = this.expand(args);
    let name: string | undefined;
    if (exp.length === 1 && exp[0]!.kind === 'string') {
      const b = parseStringLiteral(exp[0]!.text);
      if (b instanceof Uint8Array) name = new TextDecoder().decode(b);
    } else if (exp.length > 0) {
      name = tokensText(exp);
      if (name.startsWith('<') && name.endsWith('>')) name = name.slice(1, -1).trim();
    }
    const r = spanOf(args, dir.range);
    if (!name) return this.error(r, '`%include` expects a file name');
    const fromFile = raw.range.file;
    const path = this.opts.host.resolve(fromFile, name, this.opts.includePaths);
    const text = path === undefined ? undefined : this.opts.host.readText(path);
    if (path === undefined || text === undefined) {
      const msg = `unable to open include file \`${name}\``;
      if (this.opts.lint) this.warning(r, msg, 'include-not-found');
      else this.error(r, msg, 'include-not-found');
      return;
    }
    const chain = src.frames.filter((f) => f.kind === 'include').map((f) => f.name);
    const files = [this.rootFile, ...chain];
    // A guarded header may legitimately re-enter once; a third visit is a cycle.
    if (files.filter((f) => f === path).length >= 2) {
      const startAt = files.lastIndexOf(path);
      const cycle = [...files.slice(startAt), path].join(' -> ');
      return this.error(r, `include cycle: ${cycle}`);
    }
    if (chain.length >= this.limits.maxIncludeDepth) {
      return this.error(r, `%include nested more than ${this.limits.maxIncludeDepth} levels deep`);
    }
    const frame: ExpansionFrame = { kind: 'include', name: path, callSite: spanOf([dir, ...args], dir.range) };
    this.pushFile(text, path, [...src.frames, frame], src.site);
  }

  // ---- conditionals

  private conditional(cd: CondDirective, dir: Token, args: () => Token[], raw: RawLine, src: Source): void {
    if (!cd.elif) {
      if (!this.emitting(src)) {
        src.conds.push({ state: 'never', range: raw.range });
        return;
      }
      const a = args();
      src.conds.push({ state: condState(this.condValue(cd, dir, a)), range: spanOf([dir, ...a], dir.range) });
      return;
    }
    const c = src.conds[src.conds.length - 1];
    if (!c) return this.error(dir.range, `\`${dir.text}\`: no matching %if`);
    const step = elifStep(c);
    if (step.error) this.error(dir.range, `\`${dir.text}\` ${step.error}`);
    if (step.evaluate) c.state = condState(this.condValue(cd, dir, args()));
  }

  private elseDirective(dir: Token, src: Source): void {
    const c = src.conds[src.conds.length - 1];
    if (!c) return this.error(dir.range, '`%else`: no matching %if');
    const err = elseStep(c);
    if (err) this.error(dir.range, err);
  }

  private endifDirective(dir: Token, src: Source): void {
    if (src.conds.length === 0) return this.error(dir.range, '`%endif`: no matching %if');
    src.conds.pop();
  }

  /** The test's truth, or undefined when it could not be decided (already reported). */
  private condValue(cd: CondDirective, dir: Token, args: Token[]): boolean | undefined {
    const v = this.condTest(cd.type, dir, args);
    return v === undefined ? undefined : cd.negate ? !v : v;
  }

  private condTest(type: string, dir: Token, args: Token[]): boolean | undefined {
    switch (type) {
      case '': {
        const v = this.evaluate(dir, args);
        return v === undefined ? undefined : v !== 0n;
      }
      case 'def': {
        if (args.length === 0) {
          this.error(dir.range, `\`${dir.text}\` expects a macro name`);
          return undefined;
        }
        return args.some((t) => t.kind === 'ident' && (this.smacros.isDefined(t.text) || BUILTIN_NAMES.has(t.text)));
      }
      case 'macro': {
        const n = args[0];
        if (!n) {
          this.error(dir.range, `\`${dir.text}\` expects a macro name`);
          return undefined;
        }
        const macs = this.findMacro(n.text);
        if (!macs) return false;
        if (args.length === 1) return true;
        const spec = this.macroSpec(dir, args, false, false);
        if (!spec) return undefined;
        return macs.some((m) => m.min <= spec.max && spec.min <= m.max);
      }
      case 'idn':
      case 'idni': {
        const exp = this.expand(args);
        let comma = -1;
        for (let i = 0; i < exp.length; i++) {
          if (exp[i]!.kind === 'op' && exp[i]!.text === ',') {
            comma = i;
            break;
          }
        }
        if (comma < 0) {
          this.error(dir.range, `\`${dir.text}\` expects two comma-separated texts`);
          return undefined;
        }
        return sameTokens(exp.slice(0, comma), exp.slice(comma + 1), type === 'idni');
      }
      case 'num':
      case 'str':
      case 'id':
      case 'token':
      case 'empty': {
        return tokenTypeTest(type, this.expand(args));
      }
      case 'ctx': {
        const top = this.contexts[this.contexts.length - 1];
        return !!top && args.some((t) => t.text.toLowerCase() === top.name.toLowerCase());
      }
      case 'env':
        return false;
      default:
        return false;
    }
  }

  // ------------------------------------------------------------ setup

  private predefine(): void {
    const std: Record<string, string> = {
      '__?NASM_MAJOR?__': '2',
      '__?NASM_MINOR?__': '16',
      '__?NASM_SUBMINOR?__': '1',
      '__?NASM_VER?__': '"2.16.01"',
      '__?OUTPUT_FORMAT?__': 'bin',
    };
    for (const [k, v] of Object.entries(std)) {
      this.defineText(k, v);
      this.defineText(k.replace(/\?/g, ''), v);
    }
    for (const [k, v] of Object.entries(this.opts.predefined ?? {})) this.defineText(k, v);
  }

  private defineText(name: string, body: string): void {
    const range: SourceRange = { file: PREDEF_FILE, line: 0, start: 0, end: 0 };
    const toks = lexLine(body, PREDEF_FILE, 0).tokens;
    this.smacros.define({ name, caseless: false, greedy: false, body: toks, range, active: 0 });
  }
}

// ---------------------------------------------------------------- helpers

const EQUALITY = new Set(['=', '==', '!=', '<>']);
const ORDERING = new Set(['<', '<=', '>', '>=', '<=>']);

function hasRegister(e: Expr): boolean {
  switch (e.kind) {
    case 'reg':
      return true;
    case 'unary':
      return hasRegister(e.arg);
    case 'binary':
      return hasRegister(e.left) || hasRegister(e.right);
    case 'cond':
      return hasRegister(e.test) || hasRegister(e.then) || hasRegister(e.else);
    default:
      return false;
  }
}

/** Structural equality of two expressions (ranges ignored). */
function sameExpr(a: Expr, b: Expr): boolean {
  if (a.kind !== b.kind) return false;
  switch (a.kind) {
    case 'num':
      return a.value === (b as typeof a).value;
    case 'reg':
    case 'sym':
      return a.name === (b as typeof a).name;
    case 'unary':
      return a.op === (b as typeof a).op && sameExpr(a.arg, (b as typeof a).arg);
    case 'binary': {
      const o = b as typeof a;
      return a.op === o.op && sameExpr(a.left, o.left) && sameExpr(a.right, o.right);
    }
    default:
      return false;
  }
}

/** nasm: a condition that fails to evaluate skips every branch of its %if (COND_NEVER). */
function condState(v: boolean | undefined): 'true' | 'false' | 'never' {
  return v === undefined ? 'never' : v ? 'true' : 'false';
}

function continued(text: string): boolean {
  return text.endsWith('\\');
}

function countNewlines(text: string, upto: number): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0 && i < upto; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

const labelParamCache = new WeakMap<object, boolean>();
function usesLabelParam(m: MMacro): boolean {
  let v = labelParamCache.get(m);
  if (v === undefined) {
    v = m.body.some((l) => l.tokens.some((t) => t.kind === 'param' && (t.text === '%00' || t.text === '%{00}')));
    labelParamCache.set(m, v);
  }
  return v;
}

function pastable(t: Token): boolean {
  return t.kind === 'ident' || t.kind === 'number';
}

function numberTokens(v: bigint, range: SourceRange): Token[] {
  if (v < 0n) return [mkTok('op', '-', range), mkTok('number', (-v).toString(), range)];
  return [mkTok('number', v.toString(), range)];
}

function splitGreedy(toks: Token[], max: number): Token[][] {
  // Everything from the max-th argument on (commas included) is the last parameter.
  if (max <= 1) return [toks];
  let seen = 0;
  let depth = 0;
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind !== 'op') continue;
    if (t.text === '{') depth++;
    else if (t.text === '}') depth--;
    else if (t.text === ',' && depth === 0 && ++seen === max - 1) {
      return [...splitArgs(toks, 0, i, false), toks.slice(i + 1)];
    }
  }
  return splitArgs(toks, 0, toks.length, false);
}

function describeCount(m: MMacro): string {
  if (m.max === Infinity) return `${m.min} or more`;
  if (m.min === m.max) return m.greedy ? `${m.min} or more` : String(m.min);
  return `${m.min}-${m.max}${m.greedy ? ' or more' : ''}`;
}

function describeFrame(f: ExpansionFrame | undefined): string {
  if (!f) return 'a macro';
  if (f.kind === 'macro') return `macro \`${f.name}\``;
  if (f.kind === 'rep') return '%rep';
  return `%include \`${f.name}\``;
}

/**
 * Preprocesses `source` (the text of `file`). Never throws; bad input yields located
 * diagnostics and every other line still comes out.
 */
export function preprocess(source: string, file: string, opts: PreprocessOptions): PreprocessResult {
  const pp = new Preprocessor(opts);
  try {
    pp.run(source, file);
  } catch (e) {
    // A bug here must not take the language server down: report it and keep what we have.
    const msg = e instanceof Error ? e.message : String(e);
    pp.diagnostics.push({
      range: { file, line: 0, start: 0, end: 0 },
      severity: 'error',
      code: 'internal-error',
      message: `preprocessor internal error: ${msg}`,
    });
  }
  return { lines: pp.lines, diagnostics: pp.diagnostics };
}
