// NASM lexer: splits one source line into tokens with exact 0-based column ranges and
// separates the `;` comment. The same tokens feed the preprocessor and the parser.

import type { SourceRange, Token, TokenKind } from './types';

export interface LexedLine {
  tokens: Token[];
  /** The comment: `text` is everything after the `;`, `range` starts at the `;`. */
  comment?: { text: string; range: SourceRange };
}

// Character classes as in NASM's ctype table: identifiers start with a letter, `_`, `.`,
// `?` or `@` and continue with those plus digits, `$`, `#` and `~`. Bytes >= 0x80 are
// accepted as letters so UTF-8 names survive.
const ID_START = new Uint8Array(128);
const ID_CHAR = new Uint8Array(128);
const NUM_CHAR = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  const alpha = /[A-Za-z]/.test(ch);
  const digit = /[0-9]/.test(ch);
  ID_START[c] = alpha || ch === '_' || ch === '.' || ch === '?' || ch === '@' ? 1 : 0;
  ID_CHAR[c] = ID_START[c] || digit || ch === '$' || ch === '#' || ch === '~' ? 1 : 0;
  NUM_CHAR[c] = alpha || digit || ch === '_' ? 1 : 0;
}

export function isIdStart(code: number): boolean {
  return code >= 128 ? true : ID_START[code] === 1;
}
export function isIdChar(code: number): boolean {
  return code >= 128 ? true : ID_CHAR[code] === 1;
}
function isDigit(code: number): boolean {
  return code >= 48 && code <= 57;
}
function isNumChar(code: number): boolean {
  return code < 128 && NUM_CHAR[code] === 1;
}

/**
 * Length of the operator at `i` (first char code `c`), longest match first, or 0:
 * + - * / // % %% < << <<< <= <=> <> > >> >>> >= = == ! != & && | || ^ ^^ ~ ? : , [ ] ( ) { } $ $$
 */
function opLength(s: string, i: number, c: number): number {
  const c1 = s.charCodeAt(i + 1);
  switch (c) {
    case 60: // <
      if (c1 === 60) return s.charCodeAt(i + 2) === 60 ? 3 : 2;
      if (c1 === 61) return s.charCodeAt(i + 2) === 62 ? 3 : 2;
      return c1 === 62 ? 2 : 1;
    case 62: // >
      if (c1 === 62) return s.charCodeAt(i + 2) === 62 ? 3 : 2;
      return c1 === 61 ? 2 : 1;
    case 47: // /
      return c1 === 47 ? 2 : 1;
    case 61: // =
    case 33: // !
      return c1 === 61 ? 2 : 1;
    case 38: // &
    case 124: // |
    case 94: // ^
    case 36: // $
      return c1 === c ? 2 : 1;
    case 37: // % (only reached for a lone % or %% operator)
      return c1 === 37 ? 2 : 1;
    case 43: case 45: case 42: case 126: case 63: case 58: case 44:
    case 91: case 93: case 40: case 41: case 123: case 125:
      return 1;
    default:
      return 0;
  }
}

/**
 * End (exclusive) of a number starting at `i`, following NASM's scanner: digits, letters and
 * `_`; a `.` or `p` makes it a float; `e` followed by a sign is an exponent unless the number
 * is hexadecimal (`0x1e+5` is 0x1e plus 5).
 */
function scanNumber(s: string, i: number): number {
  let p = i;
  let isHex = false;
  if (s.charCodeAt(p) === 36 /* $ */) {
    p++;
    isHex = true;
  } else if (s.charCodeAt(p) === 48 && (s.charCodeAt(p + 1) | 0x20) === 0x78 /* 0x */) {
    isHex = true;
  }
  for (;;) {
    const c = s.charCodeAt(p);
    if (Number.isNaN(c)) break;
    const lc = c | 0x20;
    if (!isHex && lc === 0x65 /* e */) {
      p++;
      const n = s.charCodeAt(p);
      if (n === 43 || n === 45) p++;
    } else if (lc === 0x70 /* p */ && c < 128) {
      p++;
      const n = s.charCodeAt(p);
      if (n === 43 || n === 45) p++;
    } else if (isNumChar(c) || c === 46 /* . */) {
      p++;
    } else break;
  }
  return p;
}

/** End (exclusive) of a quoted string starting at `i`, or -1 when unterminated. */
export function scanString(s: string, i: number): number {
  const q = s.charCodeAt(i);
  let p = i + 1;
  if (q === 96 /* ` */) {
    while (p < s.length) {
      const c = s.charCodeAt(p);
      if (c === 92 /* \ */) p += 2;
      else if (c === 96) return p + 1;
      else p++;
    }
    return -1;
  }
  const end = s.indexOf(String.fromCharCode(q), p);
  return end < 0 ? -1 : end + 1;
}

/** End (exclusive) of a `%{...}` / `%[...]` group whose opening bracket is at `i`; -1 if unclosed. */
function scanBracket(s: string, i: number): number {
  const open = s.charCodeAt(i);
  const close = open === 123 ? 125 : 93;
  let depth = 0;
  let p = i;
  while (p < s.length) {
    const c = s.charCodeAt(p);
    if (c === 39 || c === 34 || c === 96) {
      const e = scanString(s, p);
      if (e < 0) return -1;
      p = e;
      continue;
    }
    if (c === open) depth++;
    else if (c === close) {
      depth--;
      if (depth === 0) return p + 1;
    }
    p++;
  }
  return -1;
}

/** Kind and end of a `%`-token at `i` (NASM preprocessor tokenizer rules). */
function scanPercent(s: string, i: number): { kind: TokenKind; end: number } {
  const c1 = s.charCodeAt(i + 1);
  const c2 = s.charCodeAt(i + 2);
  // `%+` not followed by a digit is the token-paste operator.
  if (c1 === 43 && !isDigit(c2)) return { kind: 'param', end: i + 2 };
  if (isDigit(c1) || ((c1 === 45 || c1 === 43) && isDigit(c2))) {
    let p = i + 2;
    while (isDigit(s.charCodeAt(p))) p++;
    return { kind: 'param', end: p };
  }
  if (c1 === 123 || c1 === 91) {
    const e = scanBracket(s, i + 1);
    if (e < 0) return { kind: 'error', end: s.length };
    return { kind: 'param', end: e };
  }
  // `%%name`: macro-local label.
  if (c1 === 37 && isIdChar(c2) && !Number.isNaN(c2)) {
    let p = i + 3;
    while (p < s.length && isIdChar(s.charCodeAt(p))) p++;
    return { kind: 'local', end: p };
  }
  // `%$name`, `%$$name`: context-local; `%!name`: environment; `%?`, `%??`: macro's own name.
  if (c1 === 36 || c1 === 33) {
    let p = i + 2;
    while (s.charCodeAt(p) === 36) p++;
    while (p < s.length && isIdChar(s.charCodeAt(p))) p++;
    if (p > i + 2) return { kind: 'param', end: p };
  }
  if (c1 === 63) {
    return { kind: 'param', end: s.charCodeAt(i + 2) === 63 ? i + 3 : i + 2 };
  }
  if (!Number.isNaN(c1) && isIdChar(c1)) {
    let p = i + 2;
    while (p < s.length && isIdChar(s.charCodeAt(p))) p++;
    return { kind: 'directive', end: p };
  }
  if (c1 === 37) return { kind: 'op', end: i + 2 };
  return { kind: 'op', end: i + 1 };
}

/**
 * Tokenises `text` (one physical line, without its newline). Never throws: characters that
 * start no token become `error` tokens, an unterminated string becomes one `error` token
 * running to the end of the line.
 */
export function lexLine(text: string, file: string, line: number): LexedLine {
  const tokens: Token[] = [];
  const n = text.length;
  let i = 0;
  const push = (kind: TokenKind, start: number, end: number): void => {
    tokens.push({ kind, text: text.slice(start, end), range: { file, line, start, end } });
  };
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12 || c === 0) {
      i++;
      continue;
    }
    if (c === 59 /* ; */) {
      return { tokens, comment: { text: text.slice(i + 1), range: { file, line, start: i, end: n } } };
    }
    if (c === 39 || c === 34 || c === 96) {
      const e = scanString(text, i);
      if (e < 0) {
        push('error', i, n);
        break;
      }
      push('string', i, e);
      i = e;
      continue;
    }
    if (isDigit(c) || (c === 36 && isDigit(text.charCodeAt(i + 1)))) {
      const e = scanNumber(text, i);
      push('number', i, e);
      i = e;
      continue;
    }
    if (c === 36 /* $ */ && i + 1 < n && isIdStart(text.charCodeAt(i + 1)) && text.charCodeAt(i + 1) !== 36) {
      // `$name`: an identifier escaped so it is not taken as a keyword or register.
      let p = i + 2;
      while (p < n && isIdChar(text.charCodeAt(p))) p++;
      push('ident', i, p);
      i = p;
      continue;
    }
    if (c === 63 /* ? */ && !(i + 1 < n && isIdChar(text.charCodeAt(i + 1)))) {
      push('op', i, i + 1);
      i++;
      continue;
    }
    if (isIdStart(c)) {
      let p = i + 1;
      while (p < n && isIdChar(text.charCodeAt(p))) p++;
      push('ident', i, p);
      i = p;
      continue;
    }
    if (c === 37 /* % */) {
      const r = scanPercent(text, i);
      push(r.kind, i, r.end);
      i = r.end;
      continue;
    }
    const ol = opLength(text, i, c);
    if (ol > 0) {
      push('op', i, i + ol);
      i += ol;
      continue;
    }
    // A surrogate pair stays one error token so ranges never split a character.
    const w = c >= 0xd800 && c <= 0xdbff && i + 1 < n ? 2 : 1;
    push('error', i, i + w);
    i += w;
  }
  return { tokens };
}
