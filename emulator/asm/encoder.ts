// Instruction encoder: one resolved instruction -> the bytes `nasm -f bin` (2.16, bits 64) emits.
// Operands are matched against iced-x86's operand kinds (encoder-table.ts), NASM's choice among
// the matching forms is made here (shortest form, NASM's tie-breaks), and iced's Encoder writes
// the bytes. NASM rules were checked one by one against nasm 2.16.01 (see test/asm/differential).

import { Code, Encoder, EncodingKind, Instruction, MandatoryPrefix, OpCodeOperandKind as K, OpKind, Register } from 'iced-x86';
import type { EncodeRequest, EncodeResult, EncOperand } from './encoder-types';
import { candidatesFor, sizeSibling, registerInfo, RM_KINDS, type Candidate, type RegInfo } from './encoder-table';
import { OPSIZE_KEYWORD, SIZE_BYTES, DWORD_OK_64, DEFAULT_MEM_SIZE, NO_REXW, FORCE_REXW, DROP_F3, MEM_NO_SIZE, MEM_NO_SIZE_MNEMONICS, IMM_NO_SIZE, IMPLICIT_REG_FORMS, X87_BARE_POP, SEG_PREFIX, NEEDS_VEX_PREFIX, FAR_BRANCH } from './encoder-nasm';
import type { SizeKeyword } from './types';

export type { EncodeRequest, EncodeResult, EncOperand } from './encoder-types';

/** A resolved operand: the request's operand with its register looked up. */
interface Op {
  src: EncOperand;
  reg?: RegInfo;
  base?: RegInfo;
  index?: RegInfo;
  /** Memory: RIP-relative addressing is asked for (`rel`, or `default rel` without fs:/gs:). */
  wantRel?: boolean;
}

interface Match {
  cand: Candidate;
  /** NASM operand i -> request operand index (identity unless swapped, for xchg/test). */
  order: number[];
  overflow: boolean;
  swapped: boolean;
}

type Fail = 'none' | 'size' | 'kind';

let encoder: Encoder | undefined;
let instr: Instruction | undefined;
/** Register numbers of the memory operand as finally encoded (after NASM's split/swap), for fix-ups. */
const lastMem = { used: false, base: -1, index: -1 };

/** Encode one instruction. Never throws: bad input gives `{ ok: false, message }` in NASM's words. */
export function encodeInstruction(req: EncodeRequest): EncodeResult {
  try {
    return encode(req);
  } catch (e) {
    return { ok: false, message: `internal encoder error: ${e instanceof Error ? e.message : String(e)}` };
  }
}

function encode(req: EncodeRequest): EncodeResult {
  const mnemonic = req.mnemonic.toLowerCase();
  const cands = candidatesFor(mnemonic);
  if (!cands) return { ok: false, message: 'parser: instruction expected' };
  if (NEEDS_VEX_PREFIX.has(mnemonic)) return { ok: false, message: 'instruction not encodable without explicit prefix' };

  // ---- prefixes
  const pre = { lock: false, rep: false, repne: false, osize: 0, asize: 0, raw: [] as number[] };
  for (const p of req.prefixes) {
    switch (p.toLowerCase()) {
      case 'lock': pre.lock = true; break;
      case 'rep': case 'repe': case 'repz': pre.rep = true; break;
      case 'repne': case 'repnz': pre.repne = true; break;
      case 'o16': pre.osize = 16; break;
      case 'o32': pre.osize = 32; break;
      case 'o64': pre.osize = 64; break;
      case 'a32': pre.asize = 32; break;
      case 'a64': pre.asize = 64; break;
      case 'xacquire': pre.raw.push(0xf2); break;
      case 'bnd': break; // handled below (dropped on short jumps, as NASM does)
      case 'xrelease': pre.raw.push(0xf3); break;
      default: {
        const seg = Object.hasOwn(SEG_PREFIX, p.toLowerCase()) ? SEG_PREFIX[p.toLowerCase()] : undefined;
        if (seg === undefined) return { ok: false, message: `unknown prefix \`${p}'` };
        pre.raw.push(seg);
      }
    }
  }

  // BND (F2) is only for near branches and RET; NASM refuses REPNE there (it would read as BND).
  const branch = /^(j[a-z]+|call|ret[nfq]?)$/.test(mnemonic) && mnemonic !== 'jecxz' && mnemonic !== 'jrcxz';
  const bnd = req.prefixes.some((p) => p.toLowerCase() === 'bnd');
  if (bnd && !branch) return { ok: false, message: 'bnd prefix is not allowed' };

  // ---- operands
  const ops: Op[] = [];
  for (let i = 0; i < req.operands.length; i++) {
    const src = req.operands[i];
    if (src.kind === 'reg') {
      const reg = registerInfo(src.reg.toLowerCase());
      if (!reg || reg.cls === 'ip') return { ok: false, message: `invalid register \`${src.reg}'`, operand: i };
      ops.push({ src, reg });
    } else if (src.kind === 'mem') {
      const op: Op = { src };
      if (src.base) {
        op.base = registerInfo(src.base.toLowerCase());
        if (!op.base) return { ok: false, message: 'invalid effective address', operand: i };
      }
      if (src.index) {
        op.index = registerInfo(src.index.toLowerCase());
        if (!op.index) return { ok: false, message: 'invalid effective address', operand: i };
      }
      if (src.segment && pre.raw.some((b) => Object.values(SEG_PREFIX).includes(b))) {
        return { ok: false, message: 'instruction has conflicting segment overrides', operand: i };
      }
      const aw = op.base?.cls ?? op.index?.cls;
      if ((pre.asize === 32 && aw === 'r64') || (pre.asize === 64 && aw === 'r32')) {
        return { ok: false, message: 'impossible combination of address sizes', operand: i };
      }
      const err = checkEffectiveAddress(op);
      if (err) return { ok: false, message: err, operand: i };
      const seg = src.segment?.toLowerCase();
      op.wantRel = src.addressing === 'rel' || (src.addressing === undefined && req.defaultRel && seg !== 'fs' && seg !== 'gs');
      ops.push(op);
    } else {
      ops.push({ src });
    }
  }

  let implicitAddr = -1;
  const forms = Object.hasOwn(IMPLICIT_REG_FORMS, mnemonic) ? IMPLICIT_REG_FORMS[mnemonic] : undefined;
  if (forms && ops.length > 0) {
    const f = forms.find((x) => x.regs.length === ops.length && x.regs.every((r, i) => ops[i].reg?.name === r));
    if (!f) return { ok: false, message: 'invalid combination of opcode and operands' };
    implicitAddr = f.addr;
    ops.length = 0;
  }

  // x87 shorthands: `fadd st1` is `fadd st0, st1`, `faddp st2` is `faddp st2, st0`, a bare
  // `fxch`/`fcom`/`faddp` means st1, and a bare `fadd` is `faddp st1, st0` (NASM's templates;
  // SDM vol. 1, 8.1.2).
  if (ops.length === 0 && Object.hasOwn(X87_BARE_POP, mnemonic)) return encode({ ...req, mnemonic: X87_BARE_POP[mnemonic] });
  let x87Short = false;
  if (mnemonic.startsWith('f') && ops.length <= 1 && ops.every((o) => o.reg?.cls === 'st')) {
    const has = (f: (k: K[]) => boolean) => cands.some((c) => f(c.ops));
    if (!has((k) => k.length === ops.length && (k.length === 0 || k[0] === K.sti_opcode))) {
      const st = ops.length ? ops[0] : { src: { kind: 'reg', reg: 'st1' } as EncOperand, reg: registerInfo('st1') };
      const st0: Op = { src: { kind: 'reg', reg: 'st0' }, reg: registerInfo('st0') };
      if (has((k) => k.length === 1 && k[0] === K.sti_opcode)) ops.splice(0, ops.length, st);
      else if (has((k) => k.length === 2 && k[0] === K.st0 && k[1] === K.sti_opcode)) { ops.splice(0, ops.length, st0, st); x87Short = true; }
      else if (has((k) => k.length === 2 && k[0] === K.sti_opcode && k[1] === K.st0)) ops.splice(0, ops.length, st, st0);
    }
  }

  // `imul r, imm` is NASM's shorthand for `imul r, r, imm`.
  if (mnemonic === 'imul' && ops.length === 2 && ops[0].reg && ops[1].src.kind === 'imm') ops.splice(1, 0, ops[0]);

  // ---- choose the form: cached per operand shape (the choice never depends on more than the shape)
  const key = shapeKey(mnemonic, ops, pre.osize, implicitAddr) + (x87Short ? '|s' : '');
  let sel = selectionCache.get(key);
  if (!sel) {
    sel = select(mnemonic, cands, ops, pre.osize, implicitAddr, x87Short);
    if (selectionCache.size > 50000) selectionCache.clear();
    selectionCache.set(key, sel);
  }
  if ('error' in sel) return { ok: false, message: sel.error };
  const { live, rawOsize } = sel;

  let lastErr = '';
  for (const m of live) {
    const r = build(req, ops, m, pre, rawOsize, mnemonic);
    if (r.ok) return r;
    lastErr = r.message;
    if (!r.retry) break;
  }
  return { ok: false, message: lastErr || 'invalid combination of opcode and operands' };
}

interface Selected { live: Match[]; rawOsize: number }
type Selection = Selected | { error: string };

const selectionCache = new Map<string, Selection>();

/**
 * Everything the form choice depends on: registers, memory shape and size keywords, and for
 * immediates which fields the value fits (not the value itself).
 */
function shapeKey(mnemonic: string, ops: Op[], osize: number, implicitAddr: number): string {
  let k = `${mnemonic}|${osize}|${implicitAddr}`;
  for (const o of ops) {
    const s = o.src;
    if (s.kind === 'reg') k += `|r${o.reg!.name}`;
    else if (s.kind === 'mem') k += `|m${s.size ?? ''}:${s.dispSize ?? ''}:${o.base?.cls ?? ''}:${o.index?.cls ?? ''}:${s.far ? 'f' : ''}${o.wantRel ? 'r' : ''}`;
    else k += `|i${s.size ?? ''}:${s.strict ? 1 : 0}:${s.jump ?? ''}:${s.known ? 1 : 0}:${s.hasSymbol ? 1 : 0}:${fitBits(s.value)}`;
  }
  return k;
}

/** Bit mask of the value ranges matchOperand tests. */
function fitBits(value: bigint): number {
  const v = BigInt.asIntN(64, value);
  const s8 = (x: bigint) => x >= -128n && x <= 127n;
  return (v >= -256n && v <= 255n ? 1 : 0) | (v >= -65536n && v <= 65535n ? 2 : 0) | (v >= -(1n << 32n) && v <= 0xffffffffn ? 4 : 0) |
    (v >= -(1n << 31n) && v < 1n << 31n ? 8 : 0) | (s8(v) ? 16 : 0) | (s8(BigInt.asIntN(16, v)) ? 32 : 0) | (s8(BigInt.asIntN(32, v)) ? 64 : 0) | (v === 1n ? 128 : 0);
}

function select(mnemonic: string, cands: Candidate[], ops: Op[], osize: number, implicitAddr: number, x87Short: boolean): Selection {
  const matches: Match[] = [];
  let fail = 'none' as Fail;
  const unsizedMem = ops.some((o) => o.src.kind === 'mem' && !o.src.size);
  const tryOrder = (order: number[], swapped: boolean) => {
    for (const cand of cands) {
      if (cand.ops.length !== ops.length) continue;
      if (implicitAddr > 0 && cand.addrSize !== implicitAddr && cand.addrSize !== 0) continue;
      let overflow = false;
      let ok = true;
      for (let i = 0; i < cand.ops.length && ok; i++) {
        const r = matchOperand(cand, i, ops[order[i]], mnemonic, unsizedMem);
        if (r === 'size') { if (fail !== 'size') fail = 'size'; ok = false; }
        else if (r === 'kind') { if (fail === 'none') fail = 'kind'; ok = false; }
        else if (r === 'overflow') overflow = true;
      }
      if (ok) matches.push({ cand, order, overflow, swapped });
    }
  };
  const identity = ops.map((_, i) => i);
  tryOrder(identity, false);
  if ((mnemonic === 'xchg' || mnemonic === 'test' || mnemonic === 'fxch') && ops.length === 2) tryOrder([1, 0], true);

  if (matches.length === 0) {
    if (cands.every((c) => !c.mode64)) return { error: 'instruction not supported in 64-bit mode' };
    // NASM says "mismatch" when a form exists at some other size; a memory size no form of this
    // shape has at all (`inc tword [rax]`) is an invalid combination.
    const mi = ops.findIndex((o) => o.src.kind === 'mem' && o.src.size);
    if (fail === 'size' && mi >= 0) {
      const want = SIZE_BYTES[(ops[mi].src as Extract<EncOperand, { kind: 'mem' }>).size!];
      const known = cands.some((c) => c.ops.length === ops.length && (RM_KINDS.has(c.ops[mi]) || MEM_KINDS.has(c.ops[mi])) &&
        (memSizeOf(c, mi) === want || memSizeOf(c, mi) === 0 || MEM_NO_SIZE.has(c.code)));
      if (!known && !MEM_NO_SIZE_MNEMONICS.has(mnemonic)) fail = 'kind';
    }
    return { error: fail === 'size' ? 'mismatch in operand sizes' : 'invalid combination of opcode and operands' };
  }
  let live = matches.filter((m) => m.cand.mode64 && justified(m, ops, osize));
  // NASM uses EVEX only when no legacy/VEX form fits (xmm16+, zmm, AVX-512-only instructions).
  if (live.some((m) => m.cand.encoding !== EncodingKind.EVEX)) live = live.filter((m) => m.cand.encoding !== EncodingKind.EVEX);
  if (live.length === 0) return { error: 'instruction not supported in 64-bit mode' };

  // o16/o32/o64 choose among size variants of operand-less forms (`o64 sysret`, `o16 pushf`).
  let rawOsize = 0;
  if (osize > 16 && ops.length === 0 && live.length > 0 && live[0].cand.opSize === 16 && !live.some((m) => m.cand.opSize === osize)) {
    // `o32 cbw` is CWDE, `o64 cbw` CDQE: the same opcode at the requested operand size.
    const sib = sizeSibling(live[0].cand, osize);
    if (sib) live = [{ cand: sib, order: [], overflow: false, swapped: false }];
  }
  if (osize) {
    // A size variant exists: it is the encoding; otherwise NASM writes the prefix as is (`o16 movsq`).
    const sized = live.filter((m) => m.cand.opSize === osize);
    if (sized.length) live = sized;
    else rawOsize = osize;
  }

  // ---- unsized memory operand: NASM needs a single possible size
  const memIdx = ops.findIndex((o) => o.src.kind === 'mem');
  if (memIdx >= 0) {
    const m = ops[memIdx].src as Extract<EncOperand, { kind: 'mem' }>;
    if (m.dispSize === 'qword' && !m.base && !m.index && live.some((x) => x.cand.ops.includes(K.mem_offs))) {
      live = live.filter((x) => x.cand.ops.includes(K.mem_offs));
    }
    if (!m.size) {
      const sizes = new Set(live.map((x) => memSizeOf(x.cand, x.order.indexOf(memIdx))));
      if (sizes.size > 1) {
        const def = Object.hasOwn(DEFAULT_MEM_SIZE, mnemonic) ? DEFAULT_MEM_SIZE[mnemonic] : undefined;
        if (def !== undefined && sizes.has(def)) live = live.filter((x) => memSizeOf(x.cand, x.order.indexOf(memIdx)) === def);
        else return { error: 'operation size not specified' };
      }
    }
  }

  const strictWidth = ops.some((o) => o.src.kind === 'imm' && o.src.strict && o.src.size) ? ops.find((o) => o.src.kind === 'imm' && o.src.strict && o.src.size) : undefined;
  // ---- rank: no truncation first, then the shortest, then NASM's direction preferences
  const prefSwap = mnemonic === 'xchg' && ops.every((o) => o.reg);
  // reg,reg: NASM picks the r/m,reg ("MR") form for integer registers, the reg,r/m form otherwise.
  const gprOps = ops.every((o) => o.reg && (o.reg.cls === 'r8' || o.reg.cls === 'r16' || o.reg.cls === 'r32' || o.reg.cls === 'r64'));
  // `fadd st0, st0` is NASM's DC C0 form; `fadd st0` (short for st0, st0) is D8 C0.
  const allSt0 = !x87Short && ops.length === 2 && ops.every((o) => o.reg?.name === 'st0');
  const strictBytes = strictWidth ? SIZE_BYTES[(strictWidth.src as Extract<EncOperand, { kind: 'imm' }>).size!] : 0;
  const rankKey = (m: Match) => {
    const c = m.cand;
    const sx = c.ops.some((k) => k === K.imm8sex16 || k === K.imm8sex32 || k === K.imm8sex64) ? 0 : 1;
    const st = strictBytes && !c.ops.some((k) => immWidth(k) === strictBytes) ? 1 : 0;
    return [st, m.overflow ? 1 : 0, c.est, sx, m.swapped === prefSwap ? 0 : 1, (c.mr === gprOps) ? 0 : 1, allSt0 && c.ops[0] !== K.sti_opcode ? 1 : 0, c.code];
  };
  const keys = new Map(live.map((m) => [m, rankKey(m)]));
  live.sort((a, b) => {
    const ka = keys.get(a)!;
    const kb = keys.get(b)!;
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i] - kb[i];
    return 0;
  });

  return { live, rawOsize };
}

// ------------------------------------------------------------------ operand matching

function immWidth(k: K): number {
  switch (k) {
    case K.imm8: case K.imm8sex16: case K.imm8sex32: case K.imm8sex64: return 1;
    case K.imm16: return 2;
    case K.imm32: case K.imm32sex64: return 4;
    case K.imm64: return 8;
    default: return 0;
  }
}

/**
 * A 16-bit form needs a reason: a 16-bit register or memory size, a `word` immediate or `o16`
 * (`push 0x80` is the 64-bit push). `xchg eax, eax` is not `90` (that would be a NOP without the
 * zero-extension of RAX, SDM vol. 2B XCHG), NASM uses 87 C0.
 */
function justified(m: Match, ops: Op[], osize: number): boolean {
  const c = m.cand;
  if (c.code === Code.Xchg_r32_EAX && ops.every((o) => o.reg?.name === 'eax')) return false;
  if (c.opSize !== 16 || osize === 16) return true;
  if (!ops.some((o) => o.src.kind === 'imm') || ops.some((o) => o.src.kind !== 'imm')) return true;
  return ops.some((o) => (o.reg && o.reg.cls === 'r16') || o.src.kind === 'mem' || (o.src.kind === 'imm' && o.src.size === 'word') || (o.reg && o.reg.cls === 'seg'));
}

function memKindSize(k: K): number {
  switch (k) {
    case K.r8_or_mem: return 1;
    case K.r16_or_mem: return 2;
    case K.r32_or_mem: case K.r32_or_mem_mpx: return 4;
    case K.r64_or_mem: case K.r64_or_mem_mpx: case K.mm_or_mem: return 8;
    case K.xmm_or_mem: return 16;
    case K.ymm_or_mem: return 32;
    case K.zmm_or_mem: return 64;
    default: return 0;
  }
}

function memSizeOf(c: Candidate, nasmIdx: number): number {
  return c.memSize || memKindSize(c.ops[nasmIdx]);
}

function regMatches(k: K, r: RegInfo, evex: boolean): boolean {
  switch (k) {
    case K.al: return r.name === 'al';
    case K.cl: return r.name === 'cl';
    case K.ax: return r.name === 'ax';
    case K.dx: return r.name === 'dx';
    case K.eax: return r.name === 'eax';
    case K.rax: return r.name === 'rax';
    case K.es: case K.cs: case K.ss: case K.ds: case K.fs: case K.gs: return r.cls === 'seg' && r.name === K[k];
    case K.st0: return r.name === 'st0';
    case K.sti_opcode: return r.cls === 'st';
    case K.r8_reg: case K.r8_opcode: case K.r8_or_mem: return r.cls === 'r8';
    case K.r16_reg: case K.r16_reg_mem: case K.r16_rm: case K.r16_opcode: case K.r16_or_mem: return r.cls === 'r16';
    case K.r32_reg: case K.r32_reg_mem: case K.r32_rm: case K.r32_opcode: case K.r32_vvvv: case K.r32_or_mem: case K.r32_or_mem_mpx: return r.cls === 'r32';
    case K.r64_reg: case K.r64_reg_mem: case K.r64_rm: case K.r64_opcode: case K.r64_vvvv: case K.r64_or_mem: case K.r64_or_mem_mpx: return r.cls === 'r64';
    case K.seg_reg: return r.cls === 'seg';
    case K.cr_reg: return r.cls === 'cr';
    case K.dr_reg: return r.cls === 'dr';
    case K.tr_reg: return r.cls === 'tr';
    case K.k_reg: case K.kp1_reg: case K.k_rm: case K.k_vvvv: case K.k_or_mem: return r.cls === 'k';
    case K.mm_reg: case K.mm_rm: case K.mm_or_mem: return r.cls === 'mm';
    // xmm16..31 / ymm16..31 / zmm exist only in EVEX encodings (SDM vol. 2A, 2.7).
    case K.xmm_reg: case K.xmm_rm: case K.xmm_vvvv: case K.xmmp3_vvvv: case K.xmm_is4: case K.xmm_is5: case K.xmm_or_mem: return r.cls === 'xmm' && (evex || r.num < 16);
    case K.ymm_reg: case K.ymm_rm: case K.ymm_vvvv: case K.ymm_is4: case K.ymm_is5: case K.ymm_or_mem: return r.cls === 'ymm' && (evex || r.num < 16);
    case K.zmm_reg: case K.zmm_rm: case K.zmm_vvvv: case K.zmmp3_vvvv: case K.zmm_or_mem: return r.cls === 'zmm';
    case K.bnd_reg: case K.bnd_or_mem_mpx: return r.cls === 'bnd';
    case K.tmm_reg: case K.tmm_rm: case K.tmm_vvvv: return r.cls === 'tmm';
    default: return false;
  }
}

const MEM_KINDS = new Set<K>([K.mem, K.mem_mpx, K.mem_mib, K.sibmem, K.mem_offs, K.mem_vsib32x, K.mem_vsib64x, K.mem_vsib32y, K.mem_vsib64y, K.mem_vsib32z, K.mem_vsib64z]);

type OpMatch = 'ok' | 'overflow' | 'size' | 'kind';

function matchOperand(c: Candidate, i: number, op: Op, mnemonic: string, unsizedMem: boolean): OpMatch {
  const k = c.ops[i];
  const s = op.src;
  if (s.kind === 'reg') return regMatches(k, op.reg!, c.encoding === EncodingKind.EVEX) ? 'ok' : 'kind';
  if (s.kind === 'mem') {
    if (!RM_KINDS.has(k) && !MEM_KINDS.has(k)) return 'kind';
    const farOffset = FAR_BRANCH.get(c.code);
    if (farOffset !== undefined || s.far) {
      if (farOffset === undefined || !s.far) return 'kind';
      // `call far [x]` is m16:64; `far dword [x]` m16:32, `far word [x]` m16:16.
      return (s.size ? SIZE_BYTES[s.size] : 8) === farOffset ? 'ok' : 'size';
    }
    const idx = op.index;
    const vsib = k === K.mem_vsib32x || k === K.mem_vsib64x || k === K.mem_vsib32y || k === K.mem_vsib64y || k === K.mem_vsib32z || k === K.mem_vsib64z;
    if (vsib) {
      const want = k === K.mem_vsib32x || k === K.mem_vsib64x ? 'xmm' : k === K.mem_vsib32y || k === K.mem_vsib64y ? 'ymm' : 'zmm';
      if (!idx || idx.cls !== want) return 'kind';
    } else if (idx && idx.cls !== 'r64' && idx.cls !== 'r32') return 'kind';
    if ((op.base && op.base.num >= 16) || (idx && idx.num >= 16 && c.encoding !== EncodingKind.EVEX)) return 'kind';
    // moffs (A0-A3 with a 64-bit address) only for `[qword x]` addressed absolutely: under
    // `rel`/`default rel` NASM makes `[qword lab]` RIP-relative and `[qword 0x1000]` a disp32.
    if (k === K.mem_offs && (s.dispSize !== 'qword' || s.base || s.index || op.wantRel)) return 'kind';
    if (s.size && (MEM_NO_SIZE.has(c.code) || MEM_NO_SIZE_MNEMONICS.has(mnemonic))) return 'size';
    if (s.size && mnemonic !== 'lea') {
      const want = memSizeOf(c, i);
      if (want !== SIZE_BYTES[s.size]) return 'size';
    }
    return 'ok';
  }
  // immediate / branch target
  if (s.size && IMM_NO_SIZE.has(c.code) && !(s.size === 'qword' && c.code === Code.Palignr_mm_mmm64_imm8)) return 'size';
  const v = BigInt.asIntN(64, s.value);
  const sz = s.size;
  const known = s.known;
  switch (k) {
    case K.br64_1:
      if (s.jump === 'near' || s.jump === 'far') return 'kind';
      // LOOPcc/JrCXZ have only the short form; NASM refuses the `short` keyword on them.
      if (s.jump === 'short' && (mnemonic.startsWith('loop') || mnemonic.endsWith('cxz'))) return 'size';
      return 'ok';
    case K.br64_4: case K.xbegin_4:
      if (s.jump === 'short' || s.jump === 'far') return 'kind';
      return 'ok';
    case K.imm8_const_1:
      if (sz || s.jump || !known || s.hasSymbol || v !== 1n) return 'kind';
      return 'ok';
    case K.imm8:
      if (s.jump) return 'kind';
      if (sz === 'qword' && c.code === Code.Palignr_mm_mmm64_imm8) return 'ok'; // NASM's MMX PALIGNR template sizes its imm as the mm operand
      if (sz && sz !== 'byte') return 'size';
      return known && (v < -256n || v > 255n) ? 'overflow' : 'ok';
    case K.imm16:
      if (s.jump) return 'kind';
      if (sz && sz !== 'word') return 'size';
      return known && (v < -65536n || v > 65535n) ? 'overflow' : 'ok';
    case K.imm32:
      if (s.jump) return 'kind';
      if (sz && sz !== 'dword') return 'size';
      return known && (v < -(1n << 32n) || v > 0xffffffffn) ? 'overflow' : 'ok';
    case K.imm32sex64:
      if (s.jump) return 'kind';
      if (sz && sz !== 'qword' && !(sz === 'dword' && DWORD_OK_64.has(c.code) && !unsizedMem)) return 'size';
      if (sz === 'qword' && unsizedMem) return 'size'; // NASM: a qword immediate does not size `[mem]`
      // A label never shrinks to a sign-extended imm32 when a full imm64 form exists (`mov rax, lab`).
      if (s.hasSymbol) return 'overflow';
      return known && (v < -(1n << 31n) || v >= 1n << 31n) ? 'overflow' : 'ok';
    case K.imm64:
      if (s.jump) return 'kind';
      if (sz && sz !== 'qword') return 'size';
      if (s.strict && sz !== 'qword') return 'kind';
      return 'ok';
    case K.imm8sex16: case K.imm8sex32: case K.imm8sex64: {
      if (s.jump) return 'kind';
      const opBits = k === K.imm8sex16 ? 16 : k === K.imm8sex32 ? 32 : 64;
      // `add [rax], byte 1`: with no other size given, the immediate's size is the operation size.
      if (sz === 'byte') return unsizedMem ? 'size' : known && (v < -128n || v > 127n) ? 'overflow' : 'ok';
      if (sz && sz !== OPSIZE_KEYWORD[opBits] && !(sz === 'dword' && DWORD_OK_64.has(c.code) && !unsizedMem)) return 'size';
      if (sz === 'qword' && unsizedMem) return 'size';
      if (s.strict && sz) return 'kind'; // `strict dword`: the full-width field
      if (s.hasSymbol) return 'kind';
      if (!known) return 'ok';
      const t = BigInt.asIntN(opBits === 64 ? 32 : opBits, v);
      if (t < -128n || t > 127n) return 'kind';
      const fits = opBits === 16 ? v >= -65536n && v <= 65535n : opBits === 32 ? v >= -(1n << 32n) && v <= 0xffffffffn : v >= -(1n << 31n) && v < 1n << 31n;
      return fits ? 'ok' : 'overflow';
    }
    default:
      return 'kind';
  }
}

/** Address-form checks NASM makes before matching (messages as NASM prints them). */
function checkEffectiveAddress(op: Op): string | undefined {
  const m = op.src as Extract<EncOperand, { kind: 'mem' }>;
  const b = op.base;
  const x = op.index;
  // NASM 2.16 has no `[rip]` register syntax (RIP-relative is `[rel x]`).
  if (b && b.cls !== 'r64' && b.cls !== 'r32') return 'invalid effective address';
  if (x && x.cls !== 'r64' && x.cls !== 'r32' && x.cls !== 'xmm' && x.cls !== 'ymm' && x.cls !== 'zmm') return 'invalid effective address';
  if (b && x && (b.cls === 'r64' || b.cls === 'r32') && (x.cls === 'r64' || x.cls === 'r32') && b.cls !== x.cls) return 'impossible combination of address sizes';
  if (x && x.num === 4 && (x.cls === 'r64' || x.cls === 'r32') && (m.scale !== 1 || (b && b.num === 4 && b.cls === x.cls))) return 'invalid 64-bit effective address';
  return undefined;
}

// ------------------------------------------------------------------ building the iced instruction

interface Prefixes { lock: boolean; rep: boolean; repne: boolean; osize: number; asize: number; raw: number[] }

type BuildResult = { ok: true; bytes: Uint8Array; warning?: string } | { ok: false; message: string; retry: boolean };

function build(req: EncodeRequest, ops: Op[], m: Match, pre: Prefixes, rawOsize: number, mnemonic: string): BuildResult {
  if (!encoder) encoder = new Encoder(64);
  if (!instr) instr = new Instruction();
  const I = instr;
  const warnings: string[] = [];
  let cand = m.cand;
  let code = cand.code;
  let narrow = false;

  // `mov r64, imm` that fits in 32 bits unsigned: NASM emits `mov r32, imm32` (zero-extends; SDM vol. 1, 3.4.1.1).
  if (mnemonic === 'mov' && (code === Code.Mov_r64_imm64 || code === Code.Mov_rm64_imm32) && ops[0].reg) {
    const s = ops[1].src as Extract<EncOperand, { kind: 'imm' }>;
    const v = BigInt.asIntN(64, s.value);
    if (!s.strict && !s.hasSymbol && (s.size === undefined || s.size === 'qword') && (!s.known || (v >= 0n && v <= 0xffffffffn))) {
      code = Code.Mov_r32_imm32;
      narrow = true;
    }
  }
  const noW = NO_REXW[code];
  if (noW !== undefined) { code = noW; narrow = true; }

  I.code = code;
  lastMem.used = false;
  I.segmentPrefix = Register.None;
  I.hasLockPrefix = pre.lock;
  I.hasRepePrefix = pre.rep;
  I.hasRepnePrefix = pre.repne;
  let sawImm = false;
  let target: bigint | undefined;
  let shortBranch = false;

  for (let j = 0; j < cand.icedOps.length; j++) {
    const k = cand.icedOps[j];
    const ni = cand.icedToNasm[j];
    if (ni < 0) {
      setImplicit(I, j, k, pre.asize);
      continue;
    }
    const op = ops[m.order[ni]];
    const s = op.src;
    if (s.kind === 'reg') {
      I.setOpKind(j, OpKind.Register);
      let r = op.reg!.reg;
      if (code === Code.Rdpid_r64 && op.reg!.cls === 'r32') r = registerInfo(op.reg!.num >= 8 ? `r${op.reg!.num}` : 'r' + op.reg!.name.slice(1))!.reg;
      else if (narrow && (op.reg!.cls === 'r64' || op.reg!.cls === 'r16')) r = to32(op.reg!).reg;
      I.setOpRegister(j, r);
    } else if (s.kind === 'mem') {
      const err = setMemory(I, j, k, op, req, warnings, cand);
      if (err) return { ok: false, message: err, retry: false };
    } else {
      const v = BigInt.asIntN(64, s.value);
      if (k === K.br64_1 || k === K.br64_4 || k === K.xbegin_4) {
        I.setOpKind(j, OpKind.NearBranch64);
        target = BigInt.asUintN(64, s.value);
        shortBranch = k === K.br64_1;
        if (shortBranch && s.known) {
          // Clearly out of rel8 reach: skip to the rel32 form without a failed encode.
          const d = BigInt.asIntN(64, target - BigInt(req.address));
          if (d < -200n || d > 200n) {
            const explicitShort = s.jump === 'short' || mnemonic.startsWith('loop') || mnemonic.endsWith('cxz');
            return { ok: false, message: 'short jump is out of range', retry: !explicitShort };
          }
        }
        // A forward reference's guess may be anywhere: encode in range (the driver re-runs the pass).
        I.nearBranch64 = s.known ? target : BigInt(req.address);
        continue;
      }
      if (s.known && !s.hasSymbol && matchOperand(cand, ni, op, mnemonic, false) === 'overflow') warnings.push(overflowWarning(k, s.size));
      setImmediate(I, j, k, v, sawImm, narrow);
      sawImm = true;
    }
  }

  const raw67 = pre.asize === 32 && !ops.some((o) => o.src.kind === 'mem') && !cand.icedToNasm.includes(-1);
  // `o64` on a default-64-bit instruction still writes REX.W (NASM: `o64 ret` is 48 C3).
  // An operand-size prefix that disagrees with the operands wins, as in NASM (which warns):
  // `o64 mov eax, ebx` is 48 89 D8, `o32 mov ax, bx` is 89 D8. A default-64-bit operand-less form
  // or branch still gets REX.W (`o64 ret` is 48 C3), one with a register does not (`o64 push rax` is 50).
  const sizedByOperand = ops.some((o) => o.src.kind !== 'imm');
  const forceW = FORCE_REXW.has(code) || (rawOsize === 64 && !(cand.defaultOpSize64 && sizedByOperand)) ||
    (pre.osize === 64 && cand.defaultOpSize64 && cand.opSize === 64 && !sizedByOperand);
  const drop66 = (rawOsize === 32 || rawOsize === 64) && cand.opSize === 16 && cand.mandatory !== MandatoryPrefix.P66;
  if (rawOsize && cand.opSize && cand.opSize !== rawOsize && ops.length > 0) warnings.push(`invalid operand size prefix, must be o${cand.opSize}`);
  // REPNE before a near branch would read as BND: NASM refuses it (a short jump keeps it).
  if (pre.repne && /^(j[a-z]+|call|ret[nfq]?)$/.test(mnemonic) && !shortBranch) return { ok: false, message: 'repne prefix is not allowed', retry: false };
  const extra: number[] = [...pre.raw];
  if (req.prefixes.some((p) => p.toLowerCase() === 'bnd') && !shortBranch) extra.unshift(0xf2);
  if (rawOsize === 16) extra.push(0x66);
  if (raw67) extra.push(0x67);
  const post = (b: Uint8Array): Uint8Array => {
    if (DROP_F3.has(code)) b = dropPrefix(b, 0xf3);
    if (drop66) b = dropPrefix(b, 0x66);
    if (forceW) b = withRexW(b);
    if (cand.encoding === EncodingKind.D3NOW) b = fix3dnowRex(b);
    return nasmPrefixOrder(extra, b, cand);
  };
  let out: Uint8Array;
  try {
    // iced computes rel8/rel32 and RIP-relative displacements from the end of what it encodes;
    // the bytes added or removed afterwards shift that end, so encode again at the shifted address.
    let ip = BigInt(req.address) + BigInt(extra.length);
    encoder.encode(I, ip);
    let bytes = encoder.takeBuffer();
    out = post(bytes);
    const end = BigInt(req.address + out.length);
    if (ip + BigInt(bytes.length) !== end) {
      ip = end - BigInt(bytes.length);
      encoder.encode(I, ip);
      bytes = encoder.takeBuffer();
      out = post(bytes);
    }
  } catch (e) {
    encoder.takeBuffer();
    const msg = e instanceof Error ? e.message : String(e);
    if (/Branch distance is too far away/.test(msg)) {
      const s = ops[m.order[0]].src as Extract<EncOperand, { kind: 'imm' }>;
      const explicitShort = s.jump === 'short' || mnemonic.startsWith('loop') || /^j[er]?cxz$/.test(mnemonic);
      return { ok: false, message: 'short jump is out of range', retry: shortBranch && !explicitShort };
    }
    if (/AH, CH, DH, BH/.test(msg) || /REX prefix/.test(msg)) return { ok: false, message: 'cannot use high byte register in rex instruction', retry: false };
    return { ok: false, message: 'invalid combination of opcode and operands', retry: true };
  }
  return { ok: true, bytes: out, warning: warnings.length ? warnings.join('; ') : undefined };
}

function prefixEnd(bytes: Uint8Array): number {
  let n = 0;
  while (n < bytes.length && isLegacyPrefix(bytes[n])) n++;
  return n;
}

function dropPrefix(bytes: Uint8Array, p: number): Uint8Array {
  const n = prefixEnd(bytes);
  const at = bytes.subarray(0, n).lastIndexOf(p);
  if (at < 0) return bytes;
  const out = new Uint8Array(bytes.length - 1);
  out.set(bytes.subarray(0, at), 0);
  out.set(bytes.subarray(at + 1), at);
  return out;
}

/** Set REX.W, adding a REX byte after the legacy prefixes when there is none. */
function withRexW(bytes: Uint8Array): Uint8Array {
  const n = prefixEnd(bytes);
  if ((bytes[n] & 0xf0) === 0x40) {
    const out = bytes.slice();
    out[n] |= 0x08;
    return out;
  }
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes.subarray(0, n), 0);
  out[n] = 0x48;
  out.set(bytes.subarray(n), n + 1);
  return out;
}

/** iced 1.21 leaves out REX.B/X for 3DNow! memory operands with r8..r15 (NASM writes it). */
function fix3dnowRex(bytes: Uint8Array): Uint8Array {
  if (!lastMem.used) return bytes;
  const n = prefixEnd(bytes);
  if ((bytes[n] & 0xf0) === 0x40) return bytes;
  const rex = (lastMem.base >= 8 ? 1 : 0) | (lastMem.index >= 8 ? 2 : 0);
  if (!rex) return bytes;
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes.subarray(0, n), 0);
  out[n] = 0x40 | rex;
  out.set(bytes.subarray(n), n + 1);
  return out;
}

/** The 32-bit register with the same number as a 16/64-bit GPR (rax, ax -> eax; r9, r9w -> r9d). */
function to32(r: RegInfo): RegInfo {
  const n = r.name;
  const name = r.num >= 8 ? `r${r.num}d` : r.cls === 'r64' ? 'e' + n.slice(1) : r.cls === 'r16' ? 'e' + n : n;
  return registerInfo(name) ?? r;
}

/** NASM's wording for an immediate truncated to its field (-w+number-overflow). */
function overflowWarning(k: K, size: SizeKeyword | undefined): string {
  switch (k) {
    case K.imm8: return 'byte data exceeds bounds';
    case K.imm16: return 'word data exceeds bounds';
    case K.imm32: return 'dword data exceeds bounds';
    case K.imm8sex16: return size === 'byte' ? 'signed byte value exceeds bounds' : 'word value exceeds bounds';
    case K.imm8sex32: return size === 'byte' ? 'signed byte value exceeds bounds' : 'dword value exceeds bounds';
    case K.imm8sex64: return size === 'byte' ? 'signed byte value exceeds bounds' : 'signed dword value exceeds bounds';
    default: return 'signed dword value exceeds bounds';
  }
}

function setImplicit(I: Instruction, j: number, k: K, asize: number): void {
  const a32 = asize === 32;
  switch (k) {
    case K.seg_rSI: I.setOpKind(j, a32 ? OpKind.MemorySegESI : OpKind.MemorySegRSI); break;
    case K.es_rDI: I.setOpKind(j, a32 ? OpKind.MemoryESEDI : OpKind.MemoryESRDI); break;
    case K.seg_rDI: I.setOpKind(j, a32 ? OpKind.MemorySegEDI : OpKind.MemorySegRDI); break;
    case K.seg_rBX_al:
      I.setOpKind(j, OpKind.Memory);
      I.memoryBase = a32 ? Register.EBX : Register.RBX;
      I.memoryIndex = Register.AL;
      I.memoryIndexScale = 1;
      I.memoryDisplacement = 0n;
      I.memoryDisplSize = 0;
      break;
    case K.al: I.setOpKind(j, OpKind.Register); I.setOpRegister(j, Register.AL); break;
    case K.ax: I.setOpKind(j, OpKind.Register); I.setOpRegister(j, Register.AX); break;
    case K.eax: I.setOpKind(j, OpKind.Register); I.setOpRegister(j, Register.EAX); break;
    case K.rax: I.setOpKind(j, OpKind.Register); I.setOpRegister(j, Register.RAX); break;
    case K.dx: I.setOpKind(j, OpKind.Register); I.setOpRegister(j, Register.DX); break;
    default: break;
  }
}

function setImmediate(I: Instruction, j: number, k: K, v: bigint, second: boolean, narrow: boolean): void {
  switch (k) {
    case K.imm8: case K.imm8_const_1:
      if (second) { I.setOpKind(j, OpKind.Immediate8_2nd); I.immediate8_2nd = Number(BigInt.asUintN(8, v)); }
      else { I.setOpKind(j, OpKind.Immediate8); I.immediate8 = k === K.imm8_const_1 ? 1 : Number(BigInt.asUintN(8, v)); }
      break;
    case K.imm8sex16: I.setOpKind(j, OpKind.Immediate8to16); I.immediate8to16 = Number(BigInt.asIntN(8, v)); break;
    case K.imm8sex32: I.setOpKind(j, OpKind.Immediate8to32); I.immediate8to32 = Number(BigInt.asIntN(8, v)); break;
    case K.imm8sex64: I.setOpKind(j, OpKind.Immediate8to64); I.immediate8to64 = BigInt.asIntN(8, v); break;
    case K.imm16: I.setOpKind(j, OpKind.Immediate16); I.immediate16 = Number(BigInt.asUintN(16, v)); break;
    case K.imm32: I.setOpKind(j, OpKind.Immediate32); I.immediate32 = Number(BigInt.asUintN(32, v)); break;
    case K.imm32sex64:
      I.setOpKind(j, OpKind.Immediate32to64); I.immediate32to64 = BigInt.asIntN(32, v); break;
    case K.imm64:
      if (narrow) { I.setOpKind(j, OpKind.Immediate32); I.immediate32 = Number(BigInt.asUintN(32, v)); }
      else { I.setOpKind(j, OpKind.Immediate64); I.immediate64 = BigInt.asUintN(64, v); }
      break;
    default: break;
  }
  if (narrow && k === K.imm32sex64) { I.setOpKind(j, OpKind.Immediate32); I.immediate32 = Number(BigInt.asUintN(32, v)); }
}

/**
 * The memory operand, NASM's way (checked against nasm 2.16): `[rax*2]` is split into
 * `[rax+rax]` unless `nosplit`; `[x+rsp]` swaps so rsp is the base; a relocatable displacement
 * is always 32-bit; a zero displacement is dropped; RIP-relative under `rel` / `default rel`
 * for relocatable addresses without fs/gs override.
 */
function setMemory(I: Instruction, j: number, k: K, op: Op, req: EncodeRequest, warnings: string[], cand: Candidate): string | undefined {
  const m = op.src as Extract<EncOperand, { kind: 'mem' }>;
  let base = op.base;
  let index = op.index;
  let scale: number = m.scale;
  // MPX `mib` and AMX `sibmem` operands keep the index as written (NASM does not split them).
  if (!base && index && !m.nosplit && k !== K.mem_mib && k !== K.sibmem && (scale === 2 || scale === 1) && (index.cls === 'r64' || index.cls === 'r32')) {
    base = index;
    if (scale === 1) index = undefined;
    scale = 1;
  }
  if (base && index && index.num === 4 && scale === 1 && (index.cls === 'r64' || index.cls === 'r32')) {
    const t = base; base = index; index = t;
  }
  I.setOpKind(j, OpKind.Memory);
  lastMem.used = true;
  lastMem.base = base ? base.num : -1;
  lastMem.index = index ? index.num : -1;
  I.segmentPrefix = m.segment ? (registerInfo(m.segment.toLowerCase())?.reg ?? Register.None) : Register.None;
  I.memoryIndex = index ? index.reg : Register.None;
  I.memoryIndexScale = index ? scale : 1;
  const disp = BigInt.asIntN(64, m.disp);
  if (k === K.mem_offs) {
    I.memoryBase = Register.None;
    I.memoryDisplacement = BigInt.asUintN(64, disp);
    I.memoryDisplSize = 8;
    return undefined;
  }
  if (!base && !index) {
    const wantRel = op.wantRel;
    if (m.dispSize === 'qword') warnings.push('displacement size ignored on absolute address');
    if (wantRel && m.hasSymbol) {
      I.memoryBase = cand.addrSize === 32 ? Register.EIP : Register.RIP;
      I.memoryDisplacement = BigInt.asUintN(64, disp);
      I.memoryDisplSize = 8;
      return undefined;
    }
    if (m.addressing === 'rel') warnings.push('absolute address can not be RIP-relative');
    if (disp < -(1n << 31n) || disp > 0xffffffffn) warnings.push('dword data exceeds bounds');
    I.memoryBase = Register.None;
    // An a32 form (MOVDIR64B r32, ...) addresses with 32 bits: displacement size 4 selects that in iced.
    I.memoryDisplacement = cand.addrSize === 32 ? BigInt.asUintN(32, disp) : BigInt.asUintN(64, BigInt.asIntN(32, disp));
    I.memoryDisplSize = cand.addrSize === 32 ? 4 : 8;
    return undefined;
  }
  // The r32 forms of MOVDIR64B/ENQCMD(S) address with 32-bit registers: NASM writes 67 and keeps the numbers.
  if (cand.addrSize === 32) {
    if (base?.cls === 'r64') base = to32(base);
    if (index?.cls === 'r64') { index = to32(index); I.memoryIndex = index.reg; }
  }
  I.memoryBase = base ? base.reg : Register.None;
  const a32 = (base ?? index)!.cls === 'r32';
  const d32 = BigInt.asIntN(32, disp);
  const wide = a32 ? 4 : 8;
  let size: number;
  if (!base) size = wide;
  else if (m.dispSize === 'byte') size = 1;
  else if (m.dispSize === 'dword' || m.dispSize === 'qword') size = wide;
  else if (m.hasSymbol) size = wide;
  else if (d32 === 0n) size = 0;
  // EVEX: ask for disp8 and let iced compress it (disp8*N, SDM vol. 2A 2.7.5) or widen it, as NASM does.
  else if (cand.encoding === EncodingKind.EVEX) size = 1;
  else size = d32 >= -128n && d32 <= 127n ? 1 : wide;
  if (size === 1 && (disp < -128n || disp > 255n)) warnings.push('byte data exceeds bounds');
  if (size !== 1 && (disp < -(1n << 31n) || disp > 0xffffffffn)) warnings.push('dword data exceeds bounds');
  const stored = size === 1 && cand.encoding !== EncodingKind.EVEX ? BigInt.asIntN(8, disp) : d32;
  I.memoryDisplacement = BigInt.asUintN(a32 ? 32 : 64, size === 0 ? 0n : stored);
  I.memoryDisplSize = size;
  return undefined;
}

/**
 * NASM writes prefixes as: lock/rep (F0 F2 F3), segment, operand size (66), address size (67),
 * then the mandatory prefix of SSE forms; iced writes segment first. Reorder the leading prefixes.
 */
function nasmPrefixOrder(extra: number[], bytes: Uint8Array, cand: Candidate): Uint8Array {
  let n = 0;
  while (n < bytes.length && isLegacyPrefix(bytes[n])) n++;
  if (n + extra.length <= 1) return extra.length ? concat(extra, bytes) : bytes;
  const pfx = [...extra, ...bytes.subarray(0, n)];
  let mandatory = -1;
  if (cand.mandatory === MandatoryPrefix.P66) mandatory = 0x66;
  else if (cand.mandatory === MandatoryPrefix.PF3) mandatory = 0xf3;
  else if (cand.mandatory === MandatoryPrefix.PF2) mandatory = 0xf2;
  let tail: number[] = [];
  if (mandatory >= 0 && cand.encoding === EncodingKind.Legacy) {
    const at = pfx.lastIndexOf(mandatory);
    if (at >= 0) { pfx.splice(at, 1); tail = [mandatory]; }
  }
  const rank = (b: number) => (b === 0xf0 || b === 0xf2 || b === 0xf3 ? 0 : b === 0x66 ? 2 : b === 0x67 ? 3 : 1);
  const sorted = pfx.map((b, i) => [rank(b), i, b]).sort((a, b) => a[0] - b[0] || a[1] - b[1]).map((x) => x[2]);
  const out = new Uint8Array(sorted.length + tail.length + bytes.length - n);
  out.set(sorted, 0);
  out.set(tail, sorted.length);
  out.set(bytes.subarray(n), sorted.length + tail.length);
  return out;
}

function concat(head: number[], bytes: Uint8Array): Uint8Array {
  const out = new Uint8Array(head.length + bytes.length);
  out.set(head, 0);
  out.set(bytes, head.length);
  return out;
}

function isLegacyPrefix(b: number): boolean {
  return b === 0xf0 || b === 0xf2 || b === 0xf3 || b === 0x66 || b === 0x67 || b === 0x26 || b === 0x2e || b === 0x36 || b === 0x3e || b === 0x64 || b === 0x65;
}
