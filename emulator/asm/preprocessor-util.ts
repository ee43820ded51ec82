// Small token helpers shared by the preprocessor modules: making tokens, rebuilding text,
// splitting argument lists, and quoting strings the way NASM's nasm_quote does.

import { lexLine } from './lexer';
import type { SourceRange, Token, TokenKind } from './types';

export function mkTok(kind: TokenKind, text: string, range: SourceRange): Token {
  return { kind, text, range };
}

/** True when `b` directly follows `a` in the source with no whitespace between them. */
export function adjacent(a: Token, b: Token): boolean {
  return a.range.end === b.range.start && a.range.line === b.range.line && a.range.file === b.range.file;
}

/** Text of a token run, with one space wherever the source had whitespace (NASM's detokenize). */
export function tokensText(tokens: readonly Token[], from = 0, to = tokens.length): string {
  let s = '';
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (i > from && !adjacent(tokens[i - 1]!, t)) s += ' ';
    s += t.text;
  }
  return s;
}

/** The range from the first to the last token when they share a line, else the first's. */
export function spanOf(tokens: readonly Token[], fallback: SourceRange): SourceRange {
  if (tokens.length === 0) return fallback;
  const a = tokens[0]!.range;
  const b = tokens[tokens.length - 1]!.range;
  if (a.file === b.file && a.line === b.line && b.end >= a.start) return { file: a.file, line: a.line, start: a.start, end: b.end };
  return a;
}

/** Re-tokenises `text` (for pasting, %deftok, %[...]); every new token gets `range`. */
export function relex(text: string, range: SourceRange): Token[] {
  const toks = lexLine(text, range.file, range.line).tokens;
  for (const t of toks) t.range = { ...range };
  return toks;
}

/**
 * Splits tokens[from..to) at top-level commas. Braces group (`{a, b}` is one argument, braces
 * removed when they enclose the whole argument); with `parens`, parentheses group too.
 */
export function splitArgs(tokens: readonly Token[], from: number, to: number, parens: boolean): Token[][] {
  const args: Token[][] = [];
  let cur: Token[] = [];
  let depth = 0;
  for (let i = from; i < to; i++) {
    const t = tokens[i]!;
    if (t.kind === 'op') {
      if (t.text === '{' || (parens && t.text === '(')) depth++;
      else if ((t.text === '}' || (parens && t.text === ')')) && depth > 0) depth--;
      else if (t.text === ',' && depth === 0) {
        args.push(stripBraces(cur));
        cur = [];
        continue;
      }
    }
    cur.push(t);
  }
  args.push(stripBraces(cur));
  return args;
}

/** `{ a, b }` -> `a, b` when the braces enclose the whole argument. */
export function stripBraces(arg: Token[]): Token[] {
  if (arg.length < 2) return arg;
  const f = arg[0]!;
  const l = arg[arg.length - 1]!;
  if (f.kind !== 'op' || f.text !== '{' || l.kind !== 'op' || l.text !== '}') return arg;
  let depth = 0;
  for (let i = 0; i < arg.length; i++) {
    const t = arg[i]!;
    if (t.kind !== 'op') continue;
    if (t.text === '{') depth++;
    else if (t.text === '}') {
      depth--;
      if (depth === 0 && i !== arg.length - 1) return arg;
    }
  }
  return arg.slice(1, -1);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * Source text of a string literal holding `bytes`: single quotes when possible, then double
 * quotes, else a backquoted string with escapes (the order NASM's nasm_quote prefers).
 */
export function quoteString(bytes: Uint8Array): string {
  let text: string | undefined;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    text = undefined;
  }
  let printable = text !== undefined;
  if (text !== undefined) {
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c < 32 || c === 127) {
        printable = false;
        break;
      }
    }
  }
  if (printable && text !== undefined) {
    if (!text.includes("'")) return `'${text}'`;
    if (!text.includes('"')) return `"${text}"`;
  }
  let s = '`';
  const named: Record<number, string> = { 7: 'a', 8: 'b', 9: 't', 10: 'n', 11: 'v', 12: 'f', 13: 'r', 27: 'e', 92: '\\', 96: '`' };
  if (text !== undefined) {
    for (const ch of text) {
      const c = ch.codePointAt(0)!;
      if (named[c] !== undefined) s += `\\${named[c]}`;
      else if (c < 32 || c === 127) s += `\\${c.toString(8).padStart(3, '0')}`;
      else s += ch;
    }
  } else {
    for (const c of bytes) {
      if (named[c] !== undefined) s += `\\${named[c]}`;
      else if (c < 32 || c >= 127) s += `\\x${c.toString(16).padStart(2, '0')}`;
      else s += String.fromCharCode(c);
    }
  }
  return s + '`';
}
