// Conditional assembly for the preprocessor: the %if/%elif/%else/%endif state machine (after
// NASM's cond states) and the token tests behind %ifidn, %ifnum, %ifstr, %ifid, %iftoken, %ifempty.

import { parseStringLiteral } from './expr';
import type { SourceRange, Token } from './types';

/**
 * `true`: this branch emits; `false`: no branch taken yet, a later %elif/%else may be;
 * `done`: a branch was taken, the rest is skipped; `never`: inside a skipped parent;
 * `else-true` / `else-false`: after %else (a further %elif or %else is an error).
 */
export type CondState = 'true' | 'false' | 'done' | 'never' | 'else-true' | 'else-false';

export interface Cond {
  state: CondState;
  /** The opening %if, for "unterminated %if". */
  range: SourceRange;
}

export interface CondDirective {
  elif: boolean;
  /** '' (plain %if expression), 'def', 'macro', 'idn', 'idni', 'num', 'str', 'id', 'token', 'empty', 'ctx', 'env'. */
  type: string;
  negate: boolean;
}

const COND_TYPES = new Set(['', 'def', 'macro', 'idn', 'idni', 'num', 'str', 'id', 'token', 'empty', 'ctx', 'env']);

/** `%ifnidn` -> { type: 'idn', negate: true }; undefined when `name` (lowercase) is no conditional. */
export function condDirective(name: string): CondDirective | undefined {
  let rest: string;
  let elif: boolean;
  if (name.startsWith('%elif')) {
    rest = name.slice(5);
    elif = true;
  } else if (name.startsWith('%if')) {
    rest = name.slice(3);
    elif = false;
  } else return undefined;
  // `%ifnum` is a type of its own; `%ifnnum` is its negation.
  if (COND_TYPES.has(rest)) return { elif, type: rest, negate: false };
  if (rest.startsWith('n') && COND_TYPES.has(rest.slice(1))) return { elif, type: rest.slice(1), negate: true };
  return undefined;
}

export function emitting(conds: readonly Cond[]): boolean {
  const c = conds[conds.length - 1];
  return !c || c.state === 'true' || c.state === 'else-true';
}

/** What an %elif does to the innermost condition: evaluate its test, or not. Error text if misplaced. */
export function elifStep(c: Cond): { evaluate: boolean; error?: string } {
  switch (c.state) {
    case 'true':
      c.state = 'done';
      return { evaluate: false };
    case 'false':
      return { evaluate: true };
    case 'else-true':
    case 'else-false':
      c.state = 'never';
      return { evaluate: false, error: 'after %else' };
    default:
      return { evaluate: false };
  }
}

/** Applies %else; returns an error text for a second %else. */
export function elseStep(c: Cond): string | undefined {
  switch (c.state) {
    case 'true':
    case 'done':
      c.state = 'else-false';
      return undefined;
    case 'false':
      c.state = 'else-true';
      return undefined;
    case 'never':
      return undefined;
    default:
      c.state = 'else-false';
      return '`%else` after %else';
  }
}

/** %ifnum / %ifstr / %ifid / %iftoken / %ifempty on already expanded tokens. */
export function tokenTypeTest(type: string, exp: readonly Token[]): boolean {
  if (type === 'empty') return exp.length === 0;
  if (type === 'token') return exp.length === 1;
  let i = 0;
  // NASM accepts a leading minus on %ifnum, and looks only at the first token
  // (`%ifnum 2+3` is true in nasm 2.16.01).
  if (type === 'num' && exp[0]?.kind === 'op' && exp[0].text === '-') i = 1;
  if (exp.length <= i) return false;
  const k = exp[i]!.kind;
  return type === 'num' ? k === 'number' : type === 'str' ? k === 'string' : k === 'ident';
}

/** %ifidn: same tokens, spacing ignored, strings compared by content; `caseless` for %ifidni. */
export function sameTokens(a: readonly Token[], b: readonly Token[], caseless: boolean): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x.kind === 'string' && y.kind === 'string') {
      const bx = parseStringLiteral(x.text);
      const by = parseStringLiteral(y.text);
      if (!(bx instanceof Uint8Array) || !(by instanceof Uint8Array)) return false;
      const sx = new TextDecoder().decode(bx);
      const sy = new TextDecoder().decode(by);
      if (caseless ? sx.toLowerCase() !== sy.toLowerCase() : sx !== sy) return false;
      continue;
    }
    if (caseless ? x.text.toLowerCase() !== y.text.toLowerCase() : x.text !== y.text) return false;
  }
  return true;
}
