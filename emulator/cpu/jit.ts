// Block compiler: turns a hot basic block (never crossing its 4 KiB page) into one JS function.
// Common integer instructions become inline code with dead status flags skipped; every other
// instruction calls its interpreter handler, so the compiled block never diverges from the
// interpreter. Blocks live in the page's decode cache and die with it on a code write.

import type { Mmu } from '../machine/mmu';
import type { Core } from './core';
import { Decoded, K } from './decoded';
import { Mnemonic } from 'iced-x86';
import { alu, alu64, Op } from './isa/alu';
import { S } from './isa/access';

export type BlockFn = (c: Core, budget: number) => void;
export interface Block {
  fn: BlockFn;
  /** Instructions in one pass. */
  len: number;
  /** First instruction's address and the address after the last instruction. */
  start: number;
  end: number;
  /** The block jumps back to its own start (runs as a loop inside the function). */
  loops: boolean;
}

/** Offset in Page.code where the block starting at page offset `off` is kept. */
export const BLOCK_SLOT = 4096;
const MAX_LEN = 48;
/**
 * A self-loop returns to the run loop after about this many instructions: V8 then optimizes the
 * block function as a whole (entered many times) rather than through on-stack replacement, which
 * was measured at half the speed.
 */
const LOOP_SLICE = 20000;
const ALL = 63; // iced RflagsBits OF|SF|ZF|AF|CF|PF

/** Readable data of the page holding `a` (read TLB, or the checked slow path that may raise #PF). */
function rpage(m: Mmu, a: number): Uint8Array {
  const vpn = Math.floor(a / 4096), i = vpn & 511;
  return m.rTag[i] === vpn ? m.rData[i] : m.readPage(a);
}

const HELPERS = { alu, alu64, S, rpage };

const ALU_OPS: Record<number, Op> = {
  [Mnemonic.Add]: Op.Add, [Mnemonic.Sub]: Op.Sub, [Mnemonic.And]: Op.And, [Mnemonic.Or]: Op.Or,
  [Mnemonic.Xor]: Op.Xor, [Mnemonic.Cmp]: Op.Cmp, [Mnemonic.Test]: Op.Test,
};
const SHIFTS = new Set<number>([Mnemonic.Rol, Mnemonic.Ror, Mnemonic.Shl, Mnemonic.Sal, Mnemonic.Shr, Mnemonic.Sar]);

/** Condition code (iced numbering) as a JS expression over F = c.rflags. */
function condExpr(cc: number): string {
  const L = '(((F >> 7) ^ (F >> 11)) & 1)';
  switch (cc) {
    case 1: return '(F & 0x800) !== 0';
    case 2: return '(F & 0x800) === 0';
    case 3: return '(F & 1) !== 0';
    case 4: return '(F & 1) === 0';
    case 5: return '(F & 0x40) !== 0';
    case 6: return '(F & 0x40) === 0';
    case 7: return '(F & 0x41) !== 0';
    case 8: return '(F & 0x41) === 0';
    case 9: return '(F & 0x80) !== 0';
    case 10: return '(F & 0x80) === 0';
    case 11: return '(F & 4) !== 0';
    case 12: return '(F & 4) === 0';
    case 13: return `${L} !== 0`;
    case 14: return `${L} === 0`;
    case 15: return `((F & 0x40) !== 0 || ${L} !== 0)`;
    case 16: return `((F & 0x40) === 0 && ${L} === 0)`;
    default: return 'true';
  }
}

function isBranchEnd(d: Decoded): boolean { return d.flow !== 0; }

/** A jcc (loope/loopne also carry a condition code but decrement rCX: they go to their handler). */
function isJcc(d: Decoded): boolean {
  return d.flow === 3 && d.cc !== 0 && d.k0 === K.Branch && d.mnemonic !== Mnemonic.Loope && d.mnemonic !== Mnemonic.Loopne;
}

/** Collect the instructions of the block at `rip`, all on the page of `rip`. */
function collect(core: Core, rip: number): Decoded[] {
  const out: Decoded[] = [];
  const pageEnd = rip - (rip & 4095) + 4096;
  let a = rip;
  while (out.length < MAX_LEN) {
    let d: Decoded;
    try { d = core.fetch(a); } catch { break; }
    if (d.next > pageEnd) break;
    out.push(d);
    if (isBranchEnd(d)) break;
    a = d.next;
    if (a >= pageEnd) break;
  }
  return out;
}

/**
 * Status flags are computed lazily inside a block: an ALU/inc/dec whose flags are live saves its
 * operands in locals ("pending"), a following jcc tests them directly (cmp+jcc fused), and the
 * flags are materialized into c.rflags only where something may observe them (a handler call, a
 * block exit, a fault: the catch block materializes the runtime-pending writer `P`).
 * Flags that no later instruction reads before overwriting them are not computed at all; the only
 * visible trace is that such dead arithmetic flags can be stale in the RFLAGS image of an exception
 * raised in the middle of a compiled block (the interpreter, used for stepping, is exact).
 */
interface Pending { k: number; kind: 'alu32' | 'alu64' | 'inc32' | 'inc64'; op: Op }

class Ctx {
  pend: Pending | null = null;
  readonly decls: string[] = [];
  readonly cases: string[] = [];
  constructor(readonly ds: Decoded[], readonly liveAfter: number[]) {}

  /** Code that writes the pending flags into c.rflags (no state change). */
  matCode(): string {
    const p = this.pend;
    if (!p) return '';
    return matFor(p);
  }
  /** Materialize and forget the pending writer. */
  materialize(): string {
    if (!this.pend) return '';
    const code = this.matCode();
    this.pend = null;
    return `${code} P = -1;`;
  }
  defer(p: Pending): string {
    this.pend = p;
    const k = p.k;
    if (p.kind === 'alu32' || p.kind === 'inc32') this.decls.push(`let a${k} = 0, b${k} = 0, r${k} = 0, cf${k} = 0;`);
    else this.decls.push(`let al${k} = 0, ah${k} = 0, bl${k} = 0, bh${k} = 0, rl${k} = 0, rh${k} = 0, cf${k} = 0;`);
    this.cases.push(`case ${k}: ${matFor(p)} break;`);
    return `P = ${k};`;
  }
}

function matFor(p: Pending): string {
  const k = p.k;
  switch (p.kind) {
    case 'alu32': return `H.alu(c, ${p.op}, a${k}, b${k}, 4);`;
    case 'alu64': return `H.alu64(c, ${p.op}, al${k}, ah${k}, bl${k}, bh${k});`;
    case 'inc32': return `H.alu(c, ${p.op}, a${k}, 1, 4); c.rflags = (c.rflags & ~1) | cf${k};`;
    default: return `H.alu64(c, ${p.op}, al${k}, ah${k}, 1, 0); c.rflags = (c.rflags & ~1) | cf${k};`;
  }
}

/** A condition evaluated straight from the pending writer's locals, or null when it needs RFLAGS. */
function fusedCond(p: Pending, cc: number): string | null {
  const k = p.k;
  const w64 = p.kind === 'alu64' || p.kind === 'inc64';
  const zero = w64 ? `((rl${k} | rh${k}) === 0)` : `(r${k} === 0)`;
  const sign = w64 ? `(rh${k} < 0)` : `((r${k} | 0) < 0)`;
  if (cc === 5) return zero;
  if (cc === 6) return `!${zero}`;
  if (cc === 9) return sign;
  if (cc === 10) return `!${sign}`;
  const logic = p.op === Op.And || p.op === Op.Or || p.op === Op.Xor || p.op === Op.Test;
  if (logic && (p.kind === 'alu32' || p.kind === 'alu64')) {
    // CF = OF = 0 after logic ops.
    switch (cc) {
      case 1: case 3: return 'false';
      case 2: case 4: return 'true';
      case 7: return zero;
      case 8: return `!${zero}`;
      case 13: return sign;
      case 14: return `!${sign}`;
      case 15: return `(${zero} || ${sign})`;
      case 16: return `!(${zero} || ${sign})`;
      default: return null;
    }
  }
  if ((p.op === Op.Sub || p.op === Op.Cmp) && p.kind === 'alu32') {
    const a = `a${k}`, b = `b${k}`, sa = `(a${k} | 0)`, sb = `(b${k} | 0)`;
    switch (cc) {
      case 3: return `${a} < ${b}`;
      case 4: return `${a} >= ${b}`;
      case 7: return `${a} <= ${b}`;
      case 8: return `${a} > ${b}`;
      case 13: return `${sa} < ${sb}`;
      case 14: return `${sa} >= ${sb}`;
      case 15: return `${sa} <= ${sb}`;
      case 16: return `${sa} > ${sb}`;
      default: return null;
    }
  }
  if ((p.op === Op.Sub || p.op === Op.Cmp) && p.kind === 'alu64') {
    // Unsigned halves; signed comparison uses the signed high halves.
    const ltU = `(ah${k} < bh${k} || (ah${k} === bh${k} && al${k} < bl${k}))`;
    const eq = `(ah${k} === bh${k} && al${k} === bl${k})`;
    const ltS = `((ah${k} | 0) < (bh${k} | 0) || (ah${k} === bh${k} && al${k} < bl${k}))`;
    switch (cc) {
      case 3: return ltU;
      case 4: return `!${ltU}`;
      case 7: return `(${ltU} || ${eq})`;
      case 8: return `!(${ltU} || ${eq})`;
      case 13: return ltS;
      case 14: return `!${ltS}`;
      case 15: return `(${ltS} || ${eq})`;
      case 16: return `!(${ltS} || ${eq})`;
      default: return null;
    }
  }
  return null;
}

/** Compile the block at `rip` (or return null when no instruction fits). */
export function compileBlock(core: Core, rip: number): Block | null {
  const ds = collect(core, rip);
  if (ds.length === 0) return null;
  const L = ds.length;
  const last = ds[L - 1];
  const selfLoop = last.k0 === K.Branch && last.target === rip &&
    (last.mnemonic === Mnemonic.Jmp || isJcc(last));

  // Dead-flag analysis, backwards; everything is live at the block exit.
  const liveAfter: number[] = new Array(L);
  let live = ALL;
  for (let k = L - 1; k >= 0; k--) {
    liveAfter[k] = live;
    const d = ds[k];
    live = (live & ~killOf(d)) | d.fr;
  }
  const liveIn0 = live;

  const ctx = new Ctx(ds, liveAfter);
  const body: string[] = [];
  for (let k = 0; k < L; k++) body.push(emit(ctx, ds[k], k, selfLoop && k === L - 1, L, rip, liveIn0));

  // Registers used by inline code live in locals x<n> (R[n] halves); they are written back to c.r
  // before a handler call, an exit or a fault, and reloaded after a handler call.
  const used = new Set<number>(), written = new Set<number>();
  let code = body.join('\n    ').replace(/R\[(\d+)\](\s*[&|^]?=(?!=))?/g, (_m, num: string, asg: string | undefined) => {
    used.add(Number(num));
    if (asg) written.add(Number(num));
    return `x${num}${asg ?? ''}`;
  });
  const u = [...used].sort((a, b) => a - b), w = [...written].sort((a, b) => a - b);
  const sync = w.map((i) => `R[${i}] = x${i};`).join(' ');
  code = code.replace(/\/\*SYNC\*\//g, sync)
    .replace(/\/\*SYNCX\*\//g, w.map((i) => `R[${i}] = x${i}, `).join(''))
    .replace(/\/\*RELOAD\*\//g, u.map((i) => `x${i} = R[${i}];`).join(' '));
  // Invariant: locals may hold a half as int32 or uint32 (same bits); code tests them only with
  // bitwise operators, === 0, or after an explicit | 0 / >>> 0.
  const src = `
const D = ds, H = helpers;
return function block(c, budget) {
  const R = c.r, M = c.mmu;
  // c.icount is kept exact for handlers (rdtsc reads it): absolute values from the entry count.
  const I0 = c.icount;
  let n = 0, base = 0, F = 0, P = -1, lp = -1, ld = M.rData[0];
  const H_LOAD32 = (a) => M.read32(a);
  ${u.map((i) => `let x${i} = R[${i}];`).join(' ')}
  ${ctx.decls.join('\n  ')}
  try {
    ${selfLoop ? 'for (;;) {' : ''}
    ${code}
    ${selfLoop ? '}' : ''}
  } catch (e) {
    ${sync}
    switch (P) { ${ctx.cases.join(' ')} }
    c.icount = I0 + base + n; c.rip = D[n].ip; c.nextRip = D[n].next;
    throw e;
  }
};`;
  const factory = new Function('ds', 'helpers', src) as (ds: Decoded[], h: typeof HELPERS) => BlockFn;
  return { fn: factory(ds, HELPERS), len: L, start: rip, end: last.next, loops: selfLoop };
}

/** Flags an instruction certainly overwrites (only for forms emitted inline or always-writing ones). */
function killOf(d: Decoded): number {
  const m = d.mnemonic;
  if (ALU_OPS[m] !== undefined || m === Mnemonic.Adc || m === Mnemonic.Sbb || m === Mnemonic.Neg) return d.fw;
  if (m === Mnemonic.Inc || m === Mnemonic.Dec) return d.fw;
  if (SHIFTS.has(m) && d.k1 === K.Imm && (d.imm & (d.s0 === 8 ? 63 : 31)) !== 0) {
    // Rotates write only CF/OF; shifts write all (AF undefined).
    return (m === Mnemonic.Rol || m === Mnemonic.Ror) ? d.fw & (16 | 1) : d.fw;
  }
  return 0;
}

/**
 * Effective address expression: registers with zero high halves (the common case for pointers
 * below 4 GiB) give an exact canonical sum inline; anything else goes through c.ea().
 */
function eaExpr(d: Decoded, k: number): string {
  if (d.asz !== 8 || d.mseg >= 0 || d.mb < -1 || (d.mb < 0 && d.mi < 0)) return `(/*SYNCX*/ c.ea(D[${k}]))`;
  const his: string[] = [], terms: string[] = [];
  if (d.mb >= 0) { his.push(`R[${2 * d.mb + 1}]`); terms.push(`(R[${2 * d.mb}] >>> 0)`); }
  if (d.mi >= 0) { his.push(`R[${2 * d.mi + 1}]`); terms.push(`(R[${2 * d.mi}] >>> 0) * ${d.ms}`); }
  if (d.md !== 0) terms.push(`${d.md}`);
  return `((${his.join(' | ')}) === 0 ? ${terms.join(' + ')} : (/*SYNCX*/ c.ea(D[${k}])))`;
}

/**
 * Inline 64-bit load through the block-local read-page cache (lp = page base, ld = its data).
 * The cache is only valid while permissions cannot change, so it is dropped (lp = -1) after every
 * handler call and every store (a store may replace a copy-on-write page's data).
 */
function load64(a: string, lo: string, hi: string): string {
  return `{ const o = ${a} & 4095, pb = ${a} - o;
      if (o <= 4088) { if (pb !== lp) { ld = H.rpage(M, ${a}); lp = pb; }
        ${lo} = (ld[o] | (ld[o + 1] << 8) | (ld[o + 2] << 16) | (ld[o + 3] << 24)) >>> 0;
        ${hi} = (ld[o + 4] | (ld[o + 5] << 8) | (ld[o + 6] << 16) | (ld[o + 7] << 24)) >>> 0;
      } else { ${lo} = M.read64(${a}); ${hi} = M.hi; } }`;
}

/** Source operand n (1) for size 4 as an unsigned expression; memory reads set `n` first. */
function src32(d: Decoded, k: number): string | null {
  if (d.k1 === K.Gpr && d.r1 < 16) return `(R[${2 * d.r1}] >>> 0)`;
  if (d.k1 === K.Imm) return `${d.imm >>> 0}`;
  if (d.k1 === K.Mem) return `H_LOAD32(${eaExpr(d, k)})`;
  return null;
}

/** Statements defining `blo`, `bhi` for a 64-bit source operand. */
function src64(d: Decoded, k: number): string | null {
  if (d.k1 === K.Gpr) return `const blo = R[${2 * d.r1}] >>> 0, bhi = R[${2 * d.r1 + 1}] >>> 0;`;
  if (d.k1 === K.Imm) return `const blo = ${d.imm >>> 0}, bhi = ${d.immHi >>> 0};`;
  if (d.k1 === K.Mem) return `const A = ${eaExpr(d, k)}; let blo = 0, bhi = 0; ${load64('A', 'blo', 'bhi')}`;
  return null;
}

function fallback(ctx: Ctx, k: number): string {
  return `${ctx.materialize()} P = -1; n = ${k}; c.rip = D[${k}].ip; c.nextRip = D[${k}].next; c.icount = I0 + base + ${k}; /*SYNC*/ D[${k}].fn(c, D[${k}]); /*RELOAD*/ lp = -1;
    if (c.nextRip !== D[${k}].next || c.attention !== 0) { c.icount = I0 + base + ${k + 1}; c.rip = c.nextRip; return; }`;
}

/** After an inline store: leave if the store hit a code page (or anything else needs attention). */
function afterStore(ctx: Ctx, k: number): string {
  return `lp = -1; if (c.attention !== 0) { ${ctx.matCode()} /*SYNC*/ c.icount = I0 + base + ${k + 1}; c.rip = D[${k}].next; return; }`;
}

function emit(ctx: Ctx, d: Decoded, k: number, loopBack: boolean, L: number, start: number, liveIn0: number): string {
  const m = d.mnemonic;
  // ---- block-ending branches
  if (d.flow !== 0) {
    if (d.k0 === K.Branch && (m === Mnemonic.Jmp || isJcc(d))) {
      let cond = 'true';
      let pre = '';
      if (m !== Mnemonic.Jmp) {
        const fused = ctx.pend ? fusedCond(ctx.pend, d.cc) : null;
        if (fused) cond = fused;
        else { pre = ctx.materialize() + ' F = c.rflags;'; cond = condExpr(d.cc); }
      }
      const exitMat = ctx.matCode();
      if (loopBack) {
        // Back edge: flags must be in c.rflags only if the loop head may read them before overwriting.
        const backMat = ctx.pend && (liveIn0 & ALL) ? `${exitMat} P = -1;` : '';
        return `${pre} base += ${L};
      if (!(${cond})) { ${exitMat} /*SYNC*/ c.icount = I0 + base; c.rip = ${d.next}; return; }
      ${backMat}
      if (base + ${L} > budget || base > ${LOOP_SLICE} || c.attention !== 0) { ${backMat ? '' : exitMat} /*SYNC*/ c.icount = I0 + base; c.rip = ${start}; return; }`;
      }
      return `${pre} ${exitMat} /*SYNC*/ c.icount = I0 + base + ${L}; c.rip = (${cond}) ? ${d.target} : ${d.next}; return;`;
    }
    return `${fallback(ctx, k)}
    c.icount = I0 + base + ${L}; c.rip = c.nextRip; return;`;
  }
  const code = inline(ctx, d, k);
  const out = code ?? fallback(ctx, k);
  const tail = k === L - 1 ? `\n    ${ctx.matCode()} /*SYNC*/ c.icount = I0 + base + ${L}; c.rip = ${d.next}; return;` : '';
  return out + tail;
}

/** Inline code for the common forms, or null to call the handler. */
function inline(ctx: Ctx, d: Decoded, k: number): string | null {
  const m = d.mnemonic, size = d.s0;
  const written = ctx.liveAfter[k] & d.fw;
  if (m === Mnemonic.Nop) return '';
  if (d.lock || (size !== 4 && size !== 8)) return null;
  const dst = d.k0 === K.Gpr && d.r0 < 16 ? d.r0 : -1;
  const lo = `R[${2 * dst}]`, hi = `R[${2 * dst + 1}]`;

  if (m === Mnemonic.Lea && dst >= 0 && d.asz === 8 && d.mb >= -1) {
    // base + index*scale + disp on halves: the low sum is exact in a double, its carry goes high.
    const loT: string[] = [], hiT: string[] = [];
    if (d.mb >= 0) { loT.push(`(R[${2 * d.mb}] >>> 0)`); hiT.push(`R[${2 * d.mb + 1}]`); }
    if (d.mi >= 0) { loT.push(`(R[${2 * d.mi}] >>> 0) * ${d.ms}`); hiT.push(`R[${2 * d.mi + 1}] * ${d.ms}`); }
    if (loT.length === 0) return null;
    const disp = d.md;
    if (disp < -0x80000000 || disp > 0x7fffffff) return null;
    if (size === 4) return `${lo} = (${loT.join(' + ')} + ${disp}) | 0; ${hi} = 0;`;
    return `{ const t = ${loT.join(' + ')} + ${disp}; const h = (${hiT.join(' + ')} + Math.floor(t / 4294967296)) | 0; ${lo} = t | 0; ${hi} = h; }`;
  }

  if ((m === Mnemonic.Push || m === Mnemonic.Pop) && size === 8 && d.k0 === K.Gpr) {
    // 64-bit push/pop of a register; a stack below 4 GiB takes the inline path.
    const r = d.r0;
    if (m === Mnemonic.Push) {
      return `n = ${k}; { const vl = R[${2 * r}], vh = R[${2 * r + 1}];
        const sp = (R[9] === 0 && (R[8] >>> 0) >= 8) ? (R[8] >>> 0) - 8 : (/*SYNCX*/ c.canonicalStack(R[8], R[9], -8));
        M.write64(sp, vl, vh); R[8] = sp | 0; R[9] = Math.floor(sp / 4294967296) | 0; } ${afterStore(ctx, k)}`;
    }
    return `n = ${k}; { const sp = R[9] === 0 ? (R[8] >>> 0) : (/*SYNCX*/ c.canonicalStack(R[8], R[9], 0));
      const vl = M.read64(sp), vh = M.hi; const np = sp + 8; R[8] = np | 0; R[9] = Math.floor(np / 4294967296) | 0;
      R[${2 * r}] = vl; R[${2 * r + 1}] = vh; }`;
  }

  if (m === Mnemonic.Mov) {
    if (d.k1 !== K.Gpr && d.k1 !== K.Imm && d.k1 !== K.Mem) return null;
    if (dst >= 0) {
      if (size === 4) { const s = src32(d, k); return s && `n = ${k}; ${lo} = ${s}; ${hi} = 0;`; }
      const s = src64(d, k);
      return s && `n = ${k}; { ${s} ${lo} = blo; ${hi} = bhi; }`;
    }
    if (d.k0 === K.Mem && (d.k1 === K.Gpr || d.k1 === K.Imm)) {
      if (size === 4) return `n = ${k}; M.write32(${eaExpr(d, k)}, ${src32(d, k)}); ${afterStore(ctx, k)}`;
      return `n = ${k}; { ${src64(d, k)} M.write64(${eaExpr(d, k)}, blo, bhi); } ${afterStore(ctx, k)}`;
    }
    return null;
  }

  const op = ALU_OPS[m];
  if (op !== undefined && dst >= 0) {
    const writes = op !== Op.Cmp && op !== Op.Test;
    if (size === 4) {
      const s = src32(d, k);
      if (!s) return null;
      const expr = (a: string, b: string) => op === Op.Add ? `(${a} + ${b}) >>> 0` : op === Op.Sub || op === Op.Cmp ? `(${a} - ${b}) >>> 0`
        : op === Op.And || op === Op.Test ? `(${a} & ${b}) >>> 0` : op === Op.Or ? `(${a} | ${b}) >>> 0` : `(${a} ^ ${b}) >>> 0`;
      if (written) {
        // ALU ops write all six flags, so an older pending writer is simply superseded.
        ctx.pend = null;
        const tag = ctx.defer({ k, kind: 'alu32', op });
        return `n = ${k}; a${k} = ${lo} >>> 0; b${k} = ${s}; r${k} = ${expr(`a${k}`, `b${k}`)}; ${writes ? `${lo} = r${k}; ${hi} = 0;` : ''} ${tag}`;
      }
      if (d.fw === ALL && ctx.pend) { ctx.pend = null; }
      const dead = d.fw === ALL ? 'P = -1;' : '';
      if (!writes) return d.k1 === K.Mem ? `n = ${k}; ${s}; ${dead}` : dead;
      return `n = ${k}; ${lo} = ${expr(`(${lo} >>> 0)`, s)}; ${hi} = 0; ${dead}`;
    }
    const s = src64(d, k);
    if (!s) return null;
    const compute = (): string => {
      switch (op) {
        case Op.Add: return `const l = alo + blo; const rl = l >>> 0, rh = (ahi + bhi + (l > 0xffffffff ? 1 : 0)) | 0;`;
        case Op.Sub: case Op.Cmp: return `const l = alo - blo; const rl = l >>> 0, rh = (ahi - bhi - (l < 0 ? 1 : 0)) | 0;`;
        case Op.And: case Op.Test: return `const rl = (alo & blo) >>> 0, rh = ahi & bhi;`;
        case Op.Or: return `const rl = (alo | blo) >>> 0, rh = ahi | bhi;`;
        default: return `const rl = (alo ^ blo) >>> 0, rh = ahi ^ bhi;`;
      }
    };
    const store = writes ? `${lo} = rl; ${hi} = rh;` : '';
    if (written) {
      ctx.pend = null;
      const tag = ctx.defer({ k, kind: 'alu64', op });
      return `n = ${k}; { ${s} const alo = ${lo} >>> 0, ahi = ${hi} >>> 0; ${compute()} al${k} = alo; ah${k} = ahi; bl${k} = blo; bh${k} = bhi; rl${k} = rl; rh${k} = rh; ${store} ${tag} }`;
    }
    if (ctx.pend) ctx.pend = null;
    if (!writes) return d.k1 === K.Mem ? `n = ${k}; { ${s} } P = -1;` : 'P = -1;';
    return `n = ${k}; { ${s} const alo = ${lo} >>> 0, ahi = ${hi} >>> 0; ${compute()} ${store} } P = -1;`;
  }

  if ((m === Mnemonic.Inc || m === Mnemonic.Dec) && dst >= 0) {
    const aop = m === Mnemonic.Inc ? Op.Add : Op.Sub;
    const delta = m === Mnemonic.Inc ? 1 : -1;
    if (written) {
      // inc/dec keep CF: take it from the previous writer (0 after a pending logic op).
      let pre = '';
      let cf = 'c.rflags & 1';
      const pp = ctx.pend;
      if (pp && (pp.kind === 'alu32' || pp.kind === 'alu64') && (pp.op === Op.And || pp.op === Op.Or || pp.op === Op.Xor || pp.op === Op.Test)) cf = '0';
      else if (pp) pre = ctx.materialize();
      ctx.pend = null;
      if (size === 4) {
        const tag = ctx.defer({ k, kind: 'inc32', op: aop });
        return `${pre} cf${k} = ${cf}; a${k} = ${lo} >>> 0; r${k} = (a${k} + ${delta}) >>> 0; ${lo} = r${k}; ${hi} = 0; ${tag}`;
      }
      const tag = ctx.defer({ k, kind: 'inc64', op: aop });
      return `${pre} cf${k} = ${cf}; al${k} = ${lo} >>> 0; ah${k} = ${hi} >>> 0;
        ${m === Mnemonic.Inc ? `if ((${lo} = (${lo} + 1) | 0) === 0) ${hi} = (${hi} + 1) | 0;` : `if ((${lo} = (${lo} - 1) | 0) === -1) ${hi} = (${hi} - 1) | 0;`}
        rl${k} = ${lo}; rh${k} = ${hi} | 0; ${tag}`;
    }
    if (size === 4) return `${lo} = (${lo} + ${delta}) | 0; ${hi} = 0;`;
    return m === Mnemonic.Inc
      ? `if ((${lo} = (${lo} + 1) | 0) === 0) ${hi} = (${hi} + 1) | 0;`
      : `if ((${lo} = (${lo} - 1) | 0) === -1) ${hi} = (${hi} - 1) | 0;`;
  }

  if (SHIFTS.has(m) && dst >= 0 && d.k1 === K.Imm && !written) {
    const n = d.imm & (size === 8 ? 63 : 31);
    if (n === 0) return size === 4 ? `${hi} = 0;` : '';
    if (size === 4) {
      const a = lo;
      const e = m === Mnemonic.Rol ? `(${a} << ${n}) | (${a} >>> ${32 - n})` : m === Mnemonic.Ror ? `(${a} >>> ${n}) | (${a} << ${32 - n})`
        : m === Mnemonic.Shr ? `${a} >>> ${n}` : m === Mnemonic.Sar ? `${a} >> ${n}` : `${a} << ${n}`;
      return `${lo} = ${e}; ${hi} = 0;`;
    }
    return shift64(m, n, lo, hi);
  }
  return null;
}

/** 64-bit shift/rotate by a constant 1..63 on halves. */
function shift64(m: number, n: number, lo: string, hi: string): string {
  const rot = (r: number): string => {
    if (r === 32) return `{ const t = ${lo}; ${lo} = ${hi}; ${hi} = t; }`;
    if (r < 32) return `{ const l = ${lo}, h = ${hi}; ${hi} = (h << ${r}) | (l >>> ${32 - r}); ${lo} = (l << ${r}) | (h >>> ${32 - r}); }`;
    const q = r - 32;
    return `{ const l = ${lo}, h = ${hi}; ${hi} = (l << ${q}) | (h >>> ${32 - q}); ${lo} = (h << ${q}) | (l >>> ${32 - q}); }`;
  };
  switch (m) {
    case Mnemonic.Rol: return rot(n);
    case Mnemonic.Ror: return rot(64 - n);
    case Mnemonic.Shr:
      if (n < 32) return `${lo} = (${lo} >>> ${n}) | (${hi} << ${32 - n}); ${hi} = ${hi} >>> ${n};`;
      return `${lo} = ${hi} >>> ${n - 32}; ${hi} = 0;`;
    case Mnemonic.Sar:
      if (n < 32) return `${lo} = (${lo} >>> ${n}) | (${hi} << ${32 - n}); ${hi} = ${hi} >> ${n};`;
      return `${lo} = ${hi} >> ${n - 32}; ${hi} = ${hi} >> 31;`;
    default:
      if (n < 32) return `${hi} = (${hi} << ${n}) | (${lo} >>> ${32 - n}); ${lo} = ${lo} << ${n};`;
      return `${hi} = ${lo} << ${n - 32}; ${lo} = 0;`;
  }
}
