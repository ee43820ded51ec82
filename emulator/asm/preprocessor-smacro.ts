// Single-line macros (%define family): the definition table and the rescanning expander,
// with NASM's rule that a macro is not re-expanded inside its own expansion.

import { mkTok, relex } from './preprocessor-util';
import type { SourceRange, Token } from './types';

export interface SMacro {
  name: string;
  caseless: boolean;
  /** Parameter names; undefined for an object-like macro (`%define X 1`). */
  params?: string[];
  /** The last parameter takes the rest of the arguments, commas included (`%define f(a,b+)`). */
  greedy: boolean;
  body: Token[];
  /** Where it was defined (the name token). */
  range: SourceRange;
  /** Nesting count of expansions in progress; > 0 blocks recursion. */
  active: number;
}

export interface ExpandHooks {
  /** Built-in names (`__LINE__`...) resolved by the caller; undefined when not built in. */
  builtin(tok: Token): Token[] | undefined;
  error(message: string, range: SourceRange): void;
  maxTokens: number;
  maxDepth: number;
}

export const BUILTIN_NAMES: ReadonlySet<string> = new Set([
  '__LINE__', '__?LINE?__', '__FILE__', '__?FILE?__', '__BITS__', '__?BITS?__',
]);

/** Marks the end of one macro's expansion in the rescanning work list. */
interface EndMark {
  end: SMacro;
}
type Work = Token | EndMark;

const isMark = (w: Work): w is EndMark => (w as EndMark).end !== undefined;

/** Longest argument list (in tokens) a function-like macro call may have. */
const MAX_ARG_SCAN = 4096;
/** Unclosed `f(` look-aheads per line before we stop looking (keeps a hostile line linear). */
const MAX_FAILED_SCANS = 64;

export class SmacroTable {
  private readonly exact = new Map<string, SMacro[]>();
  private readonly caseless = new Map<string, SMacro[]>();

  define(m: SMacro): void {
    const map = m.caseless ? this.caseless : this.exact;
    const key = m.caseless ? m.name.toLowerCase() : m.name;
    const list = map.get(key);
    const arity = m.params ? m.params.length : -1;
    if (!list) {
      map.set(key, [m]);
      return;
    }
    const i = list.findIndex((o) => (o.params ? o.params.length : -1) === arity);
    if (i >= 0) list[i] = m;
    else list.push(m);
  }

  undef(name: string): void {
    this.exact.delete(name);
    this.caseless.delete(name.toLowerCase());
  }

  clear(): void {
    this.exact.clear();
    this.caseless.clear();
  }

  lookup(name: string): SMacro[] | undefined {
    const e = this.exact.get(name);
    if (this.caseless.size === 0) return e;
    const c = this.caseless.get(name.toLowerCase());
    if (!c) return e;
    return e ? [...e, ...c] : c;
  }

  isDefined(name: string): boolean {
    return this.lookup(name) !== undefined;
  }

  /**
   * Expands every single-line macro in `tokens`, rescanning results (so `%define f g` then
   * `f(1)` calls `g(1)`), then applies `%+` pasting. Returns the input array itself when
   * nothing changed, so plain lines cost no allocation.
   */
  expand(tokens: readonly Token[], hooks: ExpandHooks): Token[] {
    if (!this.needsWork(tokens)) return tokens as Token[];
    let out = this.rescan(tokens, hooks);
    for (let round = 0; round < 32; round++) {
      const pasted = pasteExplicit(out.tokens);
      if (pasted === undefined) break;
      // A pasted name may itself be a macro (`a %+ b` with `%define ab 3`): scan again.
      if (!this.needsWork(pasted)) return pasted;
      out = this.rescan(pasted, hooks);
    }
    return out.tokens;
  }

  private needsWork(tokens: readonly Token[]): boolean {
    for (const t of tokens) {
      if (t.kind === 'ident' && (this.lookup(t.text) !== undefined || BUILTIN_NAMES.has(t.text))) return true;
      if (t.kind === 'param' && t.text === '%+') return true;
    }
    return false;
  }

  private rescan(tokens: readonly Token[], hooks: ExpandHooks): { tokens: Token[]; expanded: boolean } {
    const out: Token[] = [];
    // Work list in reverse: the next token to look at is at the end.
    const work: Work[] = [];
    for (let i = tokens.length - 1; i >= 0; i--) work.push(tokens[i]!);
    let expanded = false;
    const scans = { failed: 0 };
    let depth = 0;
    let produced = 0;
    const activeMarks: SMacro[] = [];
    const finish = (): { tokens: Token[]; expanded: boolean } => {
      // Unwind any marks left (after an error) so `active` counts stay balanced.
      for (const m of activeMarks) m.active--;
      activeMarks.length = 0;
      return { tokens: out, expanded };
    };
    while (work.length > 0) {
      const w = work.pop()!;
      if (isMark(w)) {
        w.end.active--;
        activeMarks.splice(activeMarks.lastIndexOf(w.end), 1);
        depth--;
        continue;
      }
      if (w.kind !== 'ident') {
        out.push(w);
        continue;
      }
      const cands = this.lookup(w.text);
      if (!cands) {
        if (BUILTIN_NAMES.has(w.text)) {
          const b = hooks.builtin(w);
          if (b) {
            for (const t of b) out.push(t);
            continue;
          }
        }
        out.push(w);
        continue;
      }
      const call = this.matchCall(cands, work, scans);
      if (!call) {
        out.push(w);
        continue;
      }
      const { mac, args, consumed } = call;
      if (depth >= hooks.maxDepth) {
        hooks.error(`single-line macro expansion nested more than ${hooks.maxDepth} levels deep at \`${w.text}\``, w.range);
        out.push(w);
        for (let i = work.length - 1; i >= 0; i--) {
          const x = work[i]!;
          if (!isMark(x)) out.push(x);
        }
        return finish();
      }
      // Drop the consumed call tokens, handling end marks crossed by the argument list.
      for (let k = 0; k < consumed; k++) {
        const x = work.pop()!;
        if (isMark(x)) {
          x.end.active--;
          activeMarks.splice(activeMarks.lastIndexOf(x.end), 1);
          depth--;
          k--;
        }
      }
      const body = substitute(mac, args);
      produced += body.length;
      if (produced > hooks.maxTokens) {
        hooks.error(`macro expansion exceeds ${hooks.maxTokens} tokens (runaway macro \`${w.text}\`?)`, w.range);
        return finish();
      }
      expanded = true;
      mac.active++;
      activeMarks.push(mac);
      depth++;
      work.push({ end: mac });
      for (let i = body.length - 1; i >= 0; i--) work.push(body[i]!);
    }
    return finish();
  }

  /**
   * Picks the overload that fits what follows the name. `consumed` counts the tokens after the
   * name (not end marks) that belong to the call: the parenthesised argument list.
   */
  private matchCall(cands: SMacro[], work: Work[], scans: { failed: number }): { mac: SMacro; args: Token[][]; consumed: number } | undefined {
    let objectLike: SMacro | undefined;
    let withParams = false;
    for (const m of cands) {
      if (m.active > 0) continue;
      if (m.params === undefined) objectLike = m;
      else withParams = true;
    }
    if (withParams) {
      // Look ahead (from the end of the work list) for `( ... )`, skipping end marks.
      let i = work.length - 1;
      while (i >= 0 && isMark(work[i]!)) i--;
      const open = work[i];
      if (open && !isMark(open) && open.kind === 'op' && open.text === '(' && scans.failed < MAX_FAILED_SCANS) {
        const args: Token[][] = [];
        let cur: Token[] = [];
        let depth = 0;
        let consumed = 1;
        let closed = false;
        // Bounded look-ahead: a line full of unclosed `f(` must not cost quadratic time.
        const stop = Math.max(0, i - MAX_ARG_SCAN);
        for (i--; i >= stop; i--) {
          const t = work[i]!;
          if (isMark(t)) continue;
          consumed++;
          if (t.kind === 'op') {
            if (t.text === '(' || t.text === '{') depth++;
            else if ((t.text === ')' || t.text === '}') && depth > 0) depth--;
            else if (t.text === ')') {
              closed = true;
              break;
            } else if (t.text === ',' && depth === 0) {
              args.push(cur);
              cur = [];
              continue;
            }
          }
          cur.push(t);
        }
        if (!closed) scans.failed++;
        if (closed) {
          if (cur.length > 0 || args.length > 0) args.push(cur);
          for (const m of cands) {
            if (m.active > 0 || m.params === undefined) continue;
            const n = m.params.length;
            if (args.length === n || (n === 1 && args.length === 0)) {
              return { mac: m, args: args.map(stripOuterBraces), consumed };
            }
            if (m.greedy && args.length > n && n > 0) {
              const merged = args.slice(0, n - 1).map(stripOuterBraces);
              const rest: Token[] = [];
              args.slice(n - 1).forEach((a, k) => {
                if (k > 0) rest.push(mkTok('op', ',', a[0]?.range ?? rest[rest.length - 1]?.range ?? m.range));
                rest.push(...a);
              });
              merged.push(rest);
              return { mac: m, args: merged, consumed };
            }
          }
        }
      }
    }
    return objectLike ? { mac: objectLike, args: [], consumed: 0 } : undefined;
  }
}

function stripOuterBraces(arg: Token[]): Token[] {
  if (arg.length >= 2 && arg[0]!.text === '{' && arg[arg.length - 1]!.text === '}') return arg.slice(1, -1);
  return arg;
}

/** The body with each parameter name replaced by its argument's tokens (call-site ranges). */
function substitute(m: SMacro, args: Token[][]): Token[] {
  const params = m.params;
  if (!params || params.length === 0) return m.body;
  const out: Token[] = [];
  for (const t of m.body) {
    if (t.kind === 'ident') {
      const k = params.indexOf(t.text);
      if (k >= 0) {
        const a = args[k];
        if (a) for (const x of a) out.push(x);
        continue;
      }
    }
    out.push(t);
  }
  return out;
}

/**
 * Joins the tokens on each side of every `%+` into one (re-lexed) token, as NASM's explicit
 * paste does. Returns undefined when the line has no `%+`.
 */
export function pasteExplicit(tokens: readonly Token[]): Token[] | undefined {
  let has = false;
  for (const t of tokens) if (t.kind === 'param' && t.text === '%+') has = true;
  if (!has) return undefined;
  const out: Token[] = [];
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    if (!(t.kind === 'param' && t.text === '%+')) {
      out.push(t);
      continue;
    }
    const prev = out.pop();
    let j = i + 1;
    while (j < tokens.length && tokens[j]!.kind === 'param' && tokens[j]!.text === '%+') j++;
    const next = tokens[j];
    if (!prev || !next) {
      if (prev) out.push(prev);
      i = j;
      if (next) out.push(next);
      continue;
    }
    for (const p of relex(prev.text + next.text, prev.range)) out.push(p);
    i = j;
  }
  return out;
}
