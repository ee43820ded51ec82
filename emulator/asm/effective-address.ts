// NASM's model of a bracketed address: the expression becomes a vector of terms (registers
// with coefficients, a constant, relocation bases) plus a "hint" that remembers how the first
// register was written; base, index and scale then follow nasm's parse_mref / process_ea
// (asm/parser.c, asm/assemble.c), including their quirks, so `[rsi+rdi+8]`, `[nosplit eax*2]`
// and friends encode exactly as nasm 2.16 does. Checked by the differential tests.

import { registerInfo } from './registers';

export type HintType = 'none' | 'makebase' | 'notbase' | 'summed';

/** nasm's eval_hints: the first register seen, and what happened to it. */
export interface EaHint {
  base?: string;
  type: HintType;
}

export interface EaTerm {
  key: string;
  c: bigint;
}

/** One evaluated (sub)expression inside `[...]`. */
export interface EaVec {
  regs: EaTerm[];
  /** The constant term (section offsets of labels included), undefined when there is none. */
  simple: bigint | undefined;
  /** Relocation bases: one per section whose label addresses appear. */
  segs: EaTerm[];
  /** Absolute value of all non-register terms (labels resolved to addresses). */
  v: bigint;
  /** Relocatability (label terms minus subtracted label terms). */
  r: number;
  k: boolean;
}

export function emptyVec(): EaVec {
  return { regs: [], simple: undefined, segs: [], v: 0n, r: 0, k: true };
}

/** True when the vector is a plain number (nasm's is_simple). */
export function isSimple(x: EaVec): boolean {
  return x.regs.length === 0 && x.segs.length === 0;
}

function mergeTerms(a: EaTerm[], b: EaTerm[], hint: EaHint): EaTerm[] {
  const out = a.map((t) => ({ key: t.key, c: t.c }));
  for (const t of b) {
    const i = out.findIndex((x) => x.key === t.key);
    if (i < 0) {
      out.push({ key: t.key, c: t.c });
      continue;
    }
    const sum = out[i]!.c + t.c;
    // nasm's add_vectors: two terms of one type that do not cancel mark the hint "summed".
    if (sum !== 0n) {
      out[i]!.c = sum;
      hint.type = 'summed';
    } else out.splice(i, 1);
  }
  return out;
}

/** a + b (nasm add_vectors, including its effect on the hint). */
export function addVec(a: EaVec, b: EaVec, hint: EaHint): EaVec {
  let simple: bigint | undefined;
  if (a.simple !== undefined && b.simple !== undefined) {
    const sum = a.simple + b.simple;
    if (sum !== 0n) {
      simple = sum;
      hint.type = 'summed';
    }
  } else simple = a.simple ?? b.simple;
  return {
    regs: mergeTerms(a.regs, b.regs, hint),
    simple,
    segs: mergeTerms(a.segs, b.segs, hint),
    v: a.v + b.v,
    r: a.r + b.r,
    k: a.k && b.k,
  };
}

/** s * x (nasm scalar_mult); `affectHints` is true for `*`, false for negation. */
export function scaleVec(x: EaVec, s: bigint, hint: EaHint, affectHints: boolean): EaVec {
  if (affectHints && hint.type === 'makebase' && x.regs.some((t) => t.key === hint.base)) hint.type = 'notbase';
  return {
    regs: x.regs.map((t) => ({ key: t.key, c: t.c * s })).filter((t) => t.c !== 0n),
    simple: x.simple === undefined ? undefined : x.simple * s,
    segs: x.segs.map((t) => ({ key: t.key, c: t.c * s })).filter((t) => t.c !== 0n),
    v: x.v * s,
    r: x.r * Number(s),
    k: x.k,
  };
}

export type EaSplit = { base?: string; index?: string; scale: 1 | 2 | 4 | 8 } | { error: string };

function isGpr(n: string): boolean {
  const c = registerInfo(n)?.cls;
  return c === 'gpr' || c === 'rip';
}

function regNum(n: string): number {
  return registerInfo(n)?.index ?? -1;
}

/**
 * Base, index and scale from the final vector and hint. `nosplit` is nasm's EAF_TIMESTWO;
 * `mib` selects the MPX `bndldx`/`bndstx` rules. The result is final: the encoder must not
 * split it again (pass `nosplit` when there is an index without a base).
 */
export function splitEffectiveAddress(vec: EaVec, hint: EaHint, nosplit: boolean, mib = false): EaSplit {
  // nasm keeps registers in its enum order, which is the ASCII order of their names (x86/regs.pl).
  const regs = vec.regs.filter((t) => t.c !== 0n).sort((x, y) => (x.key < y.key ? -1 : x.key > y.key ? 1 : 0));
  let b: string | undefined;
  let i: string | undefined;
  let s = 0n;
  for (const t of regs) {
    const gpr = isGpr(t.key);
    if (gpr && t.c === 1n && b === undefined) b = t.key;
    else if (i === undefined) {
      i = t.key;
      s = t.c;
    } else {
      return {
        error: b === undefined ? 'invalid effective address: two index registers' : !gpr ? 'invalid effective address: impossible register' : 'invalid effective address: too many registers',
      };
    }
  }
  const segs = vec.segs.filter((t) => t.c !== 0n);
  if (segs.some((t) => t.c !== 1n)) return { error: 'invalid effective address: impossible segment base multiplier' };
  if (segs.length > 1) return { error: 'invalid effective address: multiple base segments' };
  if (b === undefined && i === undefined) return { scale: 1 };
  const { base: hb, type: ht } = hint;
  if (s === 1n && b !== undefined && i !== undefined && ((hb === b && ht === 'notbase') || (hb === i && ht === 'makebase'))) {
    [b, i] = [i, b];
  }
  if (b === undefined && s === 1n && !(hb === i && ht === 'notbase')) {
    b = i;
    i = undefined;
  }
  if (mib) {
    if (i === undefined && b !== undefined && hb === b && ht === 'notbase') {
      i = b;
      b = undefined;
      s = 1n;
    }
    if (ht === 'summed' && b === undefined) {
      b = i;
      s--;
    }
  } else {
    if (b === undefined && ((s === 2n && regNum(i!) !== 4 && (!nosplit || ht === 'summed')) || s === 3n || s === 5n || s === 9n)) {
      // [eax*2] -> [eax+eax], [eax*3] -> [eax+eax*2] (unless nosplit for *2).
      b = i;
      s--;
    }
    if (i === undefined && b !== undefined && (regNum(b) & 7) !== 4 && nosplit && hb === b && ht === 'notbase') {
      // [nosplit eax*1] keeps a SIB byte with no base and a zero displacement.
      i = b;
      b = undefined;
      s = 1n;
    }
  }
  if (s === 1n && i !== undefined && regNum(i) === 4 && isGpr(i)) [b, i] = [i, b]; // rsp cannot be an index (SDM Vol. 2A, 2.1.5)
  if ((i !== undefined && regNum(i) === 4 && isGpr(i)) || (i !== undefined && s !== 1n && s !== 2n && s !== 4n && s !== 8n)) {
    return { error: i !== undefined && s !== 1n && s !== 2n && s !== 4n && s !== 8n ? `invalid effective address: scale factor ${s} (must be 1, 2, 4 or 8)` : 'invalid effective address: rsp cannot be an index register' };
  }
  const out: { base?: string; index?: string; scale: 1 | 2 | 4 | 8 } = { scale: (i === undefined ? 1 : Number(s)) as 1 | 2 | 4 | 8 };
  if (b !== undefined) out.base = b;
  if (i !== undefined) out.index = i;
  return out;
}
