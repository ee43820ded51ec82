// NASM expressions: number and string literal decoding, a precedence-climbing parser over
// lexer tokens, and a 64-bit evaluator that reports undefined symbols instead of failing.

import { isRegister } from './registers';
import type { Expr, SourceRange, Token } from './types';

// ---------------------------------------------------------------- literals

function radixLetter(c: string): number {
  switch (c.toLowerCase()) {
    case 'b':
    case 'y':
      return 2;
    case 'o':
    case 'q':
      return 8;
    case 'd':
    case 't':
      return 10;
    case 'h':
    case 'x':
      return 16;
    default:
      return 0;
  }
}

const BIG_RADIX = [0n, 0n, 2n, 0n, 0n, 0n, 0n, 0n, 8n, 0n, 10n, 0n, 0n, 0n, 0n, 0n, 16n];

/**
 * Value of an integer literal in any NASM radix form (`0x1F`, `1Fh`, `$1F`, `0d10`, `10d`,
 * `0t10`, `0b1010`, `1010b`, `1010y`, `0o17`, `0q17`, `17o`, `17q`, underscores allowed),
 * or undefined when `text` is not one (floats included). Mirrors NASM's readnum: a prefix
 * and a suffix radix letter compete, the larger radix wins, a tie means decimal.
 * The result wraps to 64 bits and is returned as a signed (two's complement) value.
 */
export function parseNumber(text: string): bigint | undefined {
  let r = 0;
  let q = text.length;
  const len = q;
  if (len === 0) return undefined;
  let pradix = 0;
  let plen = 0;
  let sradix = 0;
  if (len > 2 && text[0] === '0' && (pradix = radixLetter(text[1]!)) !== 0) plen = 2;
  else if (len > 1 && text[0] === '$') {
    pradix = 16;
    plen = 1;
  }
  let slen = 0;
  if (len > 1 && (sradix = radixLetter(text[len - 1]!)) !== 0) slen = 1;
  let radix: number;
  if (pradix > sradix) {
    radix = pradix;
    r += plen;
  } else if (sradix > pradix) {
    radix = sradix;
    q -= slen;
  } else radix = 10;
  const big = BIG_RADIX[radix]!;
  let result = 0n;
  let digits = 0;
  for (let k = r; k < q; k++) {
    const c = text.charCodeAt(k);
    if (c === 95 /* _ */) continue;
    let d: number;
    if (c >= 48 && c <= 57) d = c - 48;
    else if (c >= 65 && c <= 90) d = c - 55;
    else if (c >= 97 && c <= 122) d = c - 87;
    else return undefined;
    if (d >= radix) return undefined;
    result = result * big + BigInt(d);
    digits++;
  }
  if (digits === 0 && r === q) return undefined;
  return BigInt.asIntN(64, result);
}

/** True when `text` is a number token NASM reads as floating point (`1.5`, `1e3`, `0x1.8p3`). */
export function isFloatLiteral(text: string): boolean {
  return parseNumber(text) === undefined && /^(\$|0x|0h)?[0-9][0-9a-f_]*(\.[0-9a-f_]*)?([ep][+-]?[0-9_]+)?$/i.test(text);
}

const utf8 = new TextEncoder();

function pushUtf8(out: number[], cp: number): void {
  if (cp < 0x80) out.push(cp);
  else if (cp < 0x800) out.push(0xc0 | (cp >> 6), 0x80 | (cp & 63));
  else if (cp < 0x10000) out.push(0xe0 | (cp >> 12), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
  else out.push(0xf0 | (cp >> 18), 0x80 | ((cp >> 12) & 63), 0x80 | ((cp >> 6) & 63), 0x80 | (cp & 63));
}

function isHexDigit(c: string | undefined): boolean {
  return c !== undefined && /^[0-9a-fA-F]$/.test(c);
}

/**
 * Bytes of a string literal including its quotes. `'...'` and `"..."` are taken verbatim;
 * backquoted strings process C-style escapes as NASM does (\n \t \\ \` \' \" \? \a \b \e
 * \f \r \v, \ooo octal, \xHH, \u1234 and \U12345678 as UTF-8). Text is encoded as UTF-8.
 */
export function parseStringLiteral(text: string): Uint8Array | { error: string } {
  const q = text[0];
  if (text.length < 2 || (q !== "'" && q !== '"' && q !== '`') || text[text.length - 1] !== q) {
    return { error: 'unterminated string' };
  }
  const body = text.slice(1, -1);
  if (q !== '`') return utf8.encode(body);
  const out: number[] = [];
  let i = 0;
  while (i < body.length) {
    const ch = body[i]!;
    if (ch !== '\\') {
      const cp = body.codePointAt(i)!;
      pushUtf8(out, cp);
      i += cp > 0xffff ? 2 : 1;
      continue;
    }
    i++;
    if (i >= body.length) return { error: 'unterminated string' };
    const e = body[i]!;
    i++;
    switch (e) {
      case 'n': out.push(10); break;
      case 't': out.push(9); break;
      case 'r': out.push(13); break;
      case 'a': out.push(7); break;
      case 'b': out.push(8); break;
      case 'e': out.push(27); break;
      case 'f': out.push(12); break;
      case 'v': out.push(11); break;
      case 'x': {
        let v = 0;
        let k = 0;
        while (k < 2 && isHexDigit(body[i])) {
          v = v * 16 + parseInt(body[i]!, 16);
          i++;
          k++;
        }
        // `\x` without digits is a plain `x` (checked with nasm 2.16.01).
        out.push(k === 0 ? 0x78 : v);
        break;
      }
      case 'u':
      case 'U': {
        const want = e === 'u' ? 4 : 8;
        let v = 0;
        let k = 0;
        while (k < want && isHexDigit(body[i])) {
          v = v * 16 + parseInt(body[i]!, 16);
          i++;
          k++;
        }
        if (k === 0) {
          out.push(e.charCodeAt(0));
          break;
        }
        if (v > 0x7fffffff) return { error: `invalid Unicode escape \\${e}${v.toString(16)}` };
        if (v > 0x10ffff) return { error: `Unicode escape \\${e}${v.toString(16)} is out of range` };
        pushUtf8(out, v);
        break;
      }
      default:
        if (e >= '0' && e <= '7') {
          let v = e.charCodeAt(0) - 48;
          let k = 1;
          while (k < 3 && body[i] !== undefined && body[i]! >= '0' && body[i]! <= '7') {
            v = v * 8 + (body.charCodeAt(i) - 48);
            i++;
            k++;
          }
          out.push(v & 0xff);
        } else {
          // \\ \` \' \" \? and any other character stand for themselves.
          const cp = body.codePointAt(i - 1)!;
          pushUtf8(out, cp);
          if (cp > 0xffff) i++;
        }
    }
  }
  return Uint8Array.from(out);
}

// ---------------------------------------------------------------- parser

export type ParseResult = { expr: Expr; next: number } | { error: string; range: SourceRange };

export interface ParseOptions {
  /** Register names become `reg` leaves (inside `[ ]`); otherwise they are an error. */
  allowRegisters?: boolean;
}

function span(a: SourceRange, b: SourceRange): SourceRange {
  if (a.file === b.file && a.line === b.line) {
    return { file: a.file, line: a.line, start: Math.min(a.start, b.start), end: Math.max(a.end, b.end) };
  }
  return a;
}

// Binary operator levels, lowest first (NASM manual 3.5; `?:` is handled above level 0).
const LEVELS: readonly (readonly string[])[] = [
  ['||'],
  ['^^'],
  ['&&'],
  ['=', '==', '!=', '<>', '<', '<=', '>', '>=', '<=>'],
  ['|'],
  ['^'],
  ['&'],
  ['<<', '>>', '<<<', '>>>'],
  ['+', '-'],
  ['*', '/', '//', '%', '%%'],
];
const LEVEL_OF = new Map<string, number>();
LEVELS.forEach((ops, lvl) => ops.forEach((o) => LEVEL_OF.set(o, lvl)));

class ExprError {
  constructor(
    readonly message: string,
    readonly range: SourceRange,
  ) {}
}

/** Deepest nesting of parentheses / unary operators before we give up (keeps the JS stack safe). */
const MAX_DEPTH = 500;

/** Most binary/ternary operators in one expression (keeps the evaluator's recursion bounded). */
const MAX_OPERATORS = 4000;

class Parser {
  private depth = 0;
  private operators = 0;
  constructor(
    private readonly toks: readonly Token[],
    public pos: number,
    private readonly regs: boolean,
  ) {}

  private peek(): Token | undefined {
    return this.toks[this.pos];
  }

  private isOp(t: Token | undefined, op: string): boolean {
    return t !== undefined && t.kind === 'op' && t.text === op;
  }

  private endRange(): SourceRange {
    const last = this.toks[this.pos - 1] ?? this.toks[0];
    if (!last) return { file: '', line: 0, start: 0, end: 0 };
    return { ...last.range, start: last.range.end, end: last.range.end };
  }

  private enter(): void {
    if (++this.depth > MAX_DEPTH) {
      const t = this.peek();
      throw new ExprError('expression nested too deeply', t ? t.range : this.endRange());
    }
  }

  cond(): Expr {
    this.enter();
    const test = this.binary(0);
    let result = test;
    if (this.isOp(this.peek(), '?')) {
      this.pos++;
      const then = this.cond();
      const colon = this.peek();
      if (!this.isOp(colon, ':')) {
        throw new ExprError("expecting ':' in conditional expression", colon ? colon.range : this.endRange());
      }
      this.pos++;
      const els = this.cond();
      result = { kind: 'cond', test, then, else: els, range: span(test.range, els.range) };
    }
    this.depth--;
    return result;
  }

  private binary(level: number): Expr {
    if (level >= LEVELS.length) return this.unary();
    let left = this.binary(level + 1);
    for (;;) {
      const t = this.peek();
      if (!t || t.kind !== 'op' || LEVEL_OF.get(t.text) !== level) return left;
      if (++this.operators > MAX_OPERATORS) throw new ExprError('expression too long', t.range);
      this.pos++;
      const right = this.binary(level + 1);
      left = { kind: 'binary', op: t.text, left, right, range: span(left.range, right.range) };
    }
  }

  private unary(): Expr {
    const t = this.peek();
    if (!t) throw new ExprError('expression expected', this.endRange());
    if (t.kind === 'op' && (t.text === '-' || t.text === '+' || t.text === '~' || t.text === '!')) {
      this.pos++;
      this.enter();
      const arg = this.unary();
      this.depth--;
      return { kind: 'unary', op: t.text, arg, range: span(t.range, arg.range) };
    }
    if (t.kind === 'ident' && t.text.toLowerCase() === 'seg') {
      this.pos++;
      this.enter();
      const arg = this.unary();
      this.depth--;
      return { kind: 'unary', op: 'seg', arg, range: span(t.range, arg.range) };
    }
    return this.primary();
  }

  private primary(): Expr {
    const t = this.peek()!;
    const range = t.range;
    switch (t.kind) {
      case 'number': {
        this.pos++;
        const v = parseNumber(t.text);
        if (v !== undefined) return { kind: 'num', value: v, range };
        if (isFloatLiteral(t.text)) return { kind: 'float', text: t.text, range };
        throw new ExprError(`invalid number \`${t.text}\``, range);
      }
      case 'string': {
        this.pos++;
        const b = parseStringLiteral(t.text);
        if (b instanceof Uint8Array) return { kind: 'str', bytes: b, range };
        throw new ExprError(b.error, range);
      }
      case 'ident': {
        this.pos++;
        if (t.text.startsWith('$')) return { kind: 'sym', name: t.text.slice(1), range };
        if (isRegister(t.text)) {
          if (this.regs) return { kind: 'reg', name: t.text.toLowerCase(), range };
          throw new ExprError(`register \`${t.text}\` cannot be used in an expression`, range);
        }
        return { kind: 'sym', name: t.text, range };
      }
      case 'op':
        if (t.text === '$') {
          this.pos++;
          return { kind: 'here', range };
        }
        if (t.text === '$$') {
          this.pos++;
          return { kind: 'sectionStart', range };
        }
        if (t.text === '(') {
          this.pos++;
          this.enter();
          const inner = this.cond();
          this.depth--;
          const close = this.peek();
          if (!this.isOp(close, ')')) {
            throw new ExprError("expecting ')'", close ? close.range : this.endRange());
          }
          this.pos++;
          // The parentheses belong to the operand's range, so errors underline them too.
          return { ...inner, range: span(t.range, close!.range) };
        }
        throw new ExprError(`expression expected before \`${t.text}\``, range);
      case 'error':
        throw new ExprError(t.text.length > 1 ? 'unterminated string' : `unexpected character \`${t.text}\``, range);
      default:
        throw new ExprError(`unexpected \`${t.text}\` in expression`, range);
    }
  }
}

/**
 * Parses one expression starting at `tokens[pos]`. Stops at the first token that cannot
 * continue it (`,`, `]`, `:` outside `?:`...) and returns its index in `next`.
 */
export function parseExpr(tokens: readonly Token[], pos: number, opts?: ParseOptions): ParseResult {
  const p = new Parser(tokens, pos, opts?.allowRegisters ?? false);
  try {
    const expr = p.cond();
    return { expr, next: p.pos };
  } catch (e) {
    if (e instanceof ExprError) return { error: e.message, range: e.range };
    throw e;
  }
}

// ---------------------------------------------------------------- evaluator

export interface EvalContext {
  /** Value of a symbol, or undefined when it is not (yet) defined. */
  symbol(name: string): bigint | undefined;
  /** `$`: address of the start of the current line. */
  here?: bigint;
  /** `$$`: start of the current section. */
  sectionStart?: bigint;
}

export type EvalResult =
  | { kind: 'value'; value: bigint }
  | { kind: 'unknown'; symbols: string[] }
  | { kind: 'error'; message: string; range: SourceRange };

const i64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);

/** A character constant is its bytes read little-endian (NASM manual 3.4.3), at most 8 of them. */
export function stringValue(bytes: Uint8Array): bigint {
  let v = 0n;
  const n = Math.min(bytes.length, 8);
  for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]!);
  return i64(v);
}

function merge(a: EvalResult, b: EvalResult): EvalResult {
  if (a.kind === 'error') return a;
  if (b.kind === 'error') return b;
  const syms = new Set<string>();
  if (a.kind === 'unknown') a.symbols.forEach((s) => syms.add(s));
  if (b.kind === 'unknown') b.symbols.forEach((s) => syms.add(s));
  return { kind: 'unknown', symbols: [...syms] };
}

function binop(op: string, a: bigint, b: bigint, range: SourceRange): EvalResult {
  let v: bigint;
  switch (op) {
    case '+': v = a + b; break;
    case '-': v = a - b; break;
    case '*': v = a * b; break;
    case '/':
    case '%':
    case '//':
    case '%%': {
      if (b === 0n) return { kind: 'error', message: 'division by zero', range };
      // `/` and `%` are unsigned, `//` and `%%` signed (NASM manual 3.5.6).
      if (op === '/') v = u64(a) / u64(b);
      else if (op === '%') v = u64(a) % u64(b);
      else if (op === '//') v = a / b;
      else v = a % b;
      break;
    }
    case '&': v = a & b; break;
    case '|': v = a | b; break;
    case '^': v = a ^ b; break;
    // Shift counts are taken modulo 64, as the x86 host NASM is built for does.
    case '<<':
    case '<<<':
      v = a << (u64(b) & 63n);
      break;
    case '>>': v = u64(a) >> (u64(b) & 63n); break;
    case '>>>': v = a >> (u64(b) & 63n); break;
    case '=':
    case '==': v = a === b ? 1n : 0n; break;
    case '!=':
    case '<>': v = a !== b ? 1n : 0n; break;
    // NASM orders two values by the sign of their 64-bit difference, so it wraps:
    // 0x7FFFFFFFFFFFFFFF < -1 is true. Checked against nasm 2.16.01.
    case '<': v = i64(a - b) < 0n ? 1n : 0n; break;
    case '<=': v = i64(a - b) <= 0n ? 1n : 0n; break;
    case '>': v = i64(a - b) > 0n ? 1n : 0n; break;
    case '>=': v = i64(a - b) >= 0n ? 1n : 0n; break;
    // "less" is handled by the caller (nasm 2.16.01 turns it into its "unknown" marker).
    case '<=>': v = i64(a - b) > 0n ? 1n : 0n; break;
    case '&&': v = a !== 0n && b !== 0n ? 1n : 0n; break;
    case '||': v = a !== 0n || b !== 0n ? 1n : 0n; break;
    case '^^': v = (a !== 0n) !== (b !== 0n) ? 1n : 0n; break;
    default:
      return { kind: 'error', message: `unknown operator \`${op}\``, range };
  }
  return { kind: 'value', value: i64(v) };
}

/**
 * nasm 2.16.01's `<=>` yields its internal "unknown" marker for "less": any expression that
 * uses such a result (without a ?: discarding it) comes out as 0. Internal only.
 */
type Inner = EvalResult | { kind: 'poison' };
const POISON: Inner = { kind: 'poison' };

function mergeInner(a: Inner, b: Inner): Inner {
  if (a.kind === 'error') return a;
  if (b.kind === 'error') return b;
  if (a.kind === 'unknown' || b.kind === 'unknown') {
    return merge(a.kind === 'poison' ? { kind: 'value', value: 0n } : a, b.kind === 'poison' ? { kind: 'value', value: 0n } : b);
  }
  return POISON;
}

/** Evaluates `expr` in 64-bit two's complement arithmetic. Never throws. */
export function evalExpr(expr: Expr, ctx: EvalContext): EvalResult {
  const r = evalInner(expr, ctx);
  return r.kind === 'poison' ? { kind: 'value', value: 0n } : r;
}

function evalInner(expr: Expr, ctx: EvalContext): Inner {
  switch (expr.kind) {
    case 'num':
      return { kind: 'value', value: i64(expr.value) };
    case 'str':
      if (expr.bytes.length > 8) {
        return { kind: 'error', message: 'character constant longer than 8 bytes', range: expr.range };
      }
      return { kind: 'value', value: stringValue(expr.bytes) };
    case 'float':
      return { kind: 'error', message: `floating-point constant \`${expr.text}\` in an integer expression`, range: expr.range };
    case 'sym': {
      const v = ctx.symbol(expr.name);
      return v === undefined ? { kind: 'unknown', symbols: [expr.name] } : { kind: 'value', value: i64(v) };
    }
    case 'reg':
      return { kind: 'error', message: `register \`${expr.name}\` cannot be used in a scalar expression`, range: expr.range };
    case 'here':
      return ctx.here === undefined
        ? { kind: 'error', message: '`$` has no value here', range: expr.range }
        : { kind: 'value', value: i64(ctx.here) };
    case 'sectionStart':
      return ctx.sectionStart === undefined
        ? { kind: 'error', message: '`$$` has no value here', range: expr.range }
        : { kind: 'value', value: i64(ctx.sectionStart) };
    case 'unary': {
      if (expr.op === 'seg') {
        return { kind: 'error', message: '`seg` has no meaning in a flat binary', range: expr.range };
      }
      const a = evalInner(expr.arg, ctx);
      if (a.kind !== 'value') return a;
      switch (expr.op) {
        case '-': return { kind: 'value', value: i64(-a.value) };
        case '+': return a;
        case '~': return { kind: 'value', value: i64(~a.value) };
        case '!': return { kind: 'value', value: a.value === 0n ? 1n : 0n };
        default: return { kind: 'error', message: `unknown operator \`${expr.op}\``, range: expr.range };
      }
    }
    case 'binary': {
      const a = evalInner(expr.left, ctx);
      const b = evalInner(expr.right, ctx);
      if (a.kind !== 'value' || b.kind !== 'value') {
        // nasm scales an unknown term by a known factor, so 0 * unknown is a known 0.
        if (expr.op === '*' && a.kind !== 'error' && b.kind !== 'error' && ((a.kind === 'value' && a.value === 0n) || (b.kind === 'value' && b.value === 0n))) {
          return { kind: 'value', value: 0n };
        }
        return mergeInner(a, b);
      }
      if (expr.op === '<=>' && i64(a.value - b.value) < 0n) return POISON;
      return binop(expr.op, a.value, b.value, expr.range);
    }
    case 'cond': {
      const t = evalInner(expr.test, ctx);
      if (t.kind !== 'value') return t;
      return evalInner(t.value !== 0n ? expr.then : expr.else, ctx);
    }
  }
}

/** Symbol names an expression mentions, in order of first appearance (for references). */
export function exprSymbols(expr: Expr, out: { name: string; range: SourceRange }[] = []): { name: string; range: SourceRange }[] {
  switch (expr.kind) {
    case 'sym':
      out.push({ name: expr.name, range: expr.range });
      break;
    case 'unary':
      exprSymbols(expr.arg, out);
      break;
    case 'binary':
      exprSymbols(expr.left, out);
      exprSymbols(expr.right, out);
      break;
    case 'cond':
      exprSymbols(expr.test, out);
      exprSymbols(expr.then, out);
      exprSymbols(expr.else, out);
      break;
    default:
      break;
  }
  return out;
}
