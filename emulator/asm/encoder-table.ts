// The encoder's view of iced-x86's opcode table: NASM mnemonic -> candidate iced `Code`s with
// their operand kinds as plain JS objects, plus the register table. Built lazily and cached; the
// NASM-specific names and exclusions it applies are data in encoder-nasm.ts.

import { Code, CodeExt, EncodingKind, Instruction, MandatoryPrefix, MemorySize, MemorySizeExt, Mnemonic, OpCodeOperandKind as K, OpCodeTableKind, Register } from 'iced-x86';
import { ALIASES, EVEX_FIRST, EVEX_UNSUPPORTED, NASM_LACKS, NASM_NOT_64, NOT_IN_NASM, RENAMES } from './encoder-nasm';
import { icedMnemonicEncoding } from './encoder-iced-data';

/** One iced `Code` as the encoder matches it. */
export interface Candidate {
  code: Code;
  name: string;
  /** Operand kinds NASM's syntax shows, in NASM order. */
  ops: K[];
  /** For each iced operand: index into `ops`, or -1 for an operand NASM's syntax leaves implicit. */
  icedToNasm: number[];
  /** All iced operand kinds (to fill the iced Instruction). */
  icedOps: K[];
  opSize: number;
  /** Memory operand size in bytes (0: none or unsized, e.g. `lea`). */
  memSize: number;
  encoding: EncodingKind;
  mandatory: MandatoryPrefix;
  /** Estimated length without displacement/SIB/REX.B-X-R: ranks equivalent forms (NASM picks the shortest). */
  est: number;
  mode64: boolean;
  /** 32: the a32 form of an implicit-address instruction (needs 67 in 64-bit code). */
  addrSize: number;
  defaultOpSize64: boolean;
  /** Opcode identity ignoring operand size (for `o32 cbw`). */
  sibKey: string;
  /** op0 is r/m and op1 a reg (the "MR" direction NASM prefers for reg,reg: `mov ebx,ecx` is 89 CB). */
  mr: boolean;
}

export type RegClass = 'r8' | 'r16' | 'r32' | 'r64' | 'seg' | 'cr' | 'dr' | 'tr' | 'st' | 'mm' | 'xmm' | 'ymm' | 'zmm' | 'k' | 'bnd' | 'tmm' | 'ip';

export interface RegInfo {
  name: string;
  reg: Register;
  cls: RegClass;
  /** Register number 0..31 within its class (ah..bh are 4..7 like spl..dil; see `high`). */
  num: number;
  /** ah, ch, dh, bh: not encodable together with a REX prefix (SDM vol. 2A, 2.2.1). */
  high: boolean;
}

// ------------------------------------------------------------------ AVX-512 exclusions

/** The code belongs to an AVX-512 extension left out (EVEX_UNSUPPORTED). */
function evexUnsupported(code: Code): boolean {
  const ins = Instruction.create(code);
  try {
    return Array.from(ins.cpuidFeatures()).some((f) => EVEX_UNSUPPORTED.has(f));
  } finally {
    ins.free();
  }
}

// ------------------------------------------------------------------ operand kind groups

/** Operand kinds NASM's syntax does not show (string instructions' implicit memory operands). */
const IMPLICIT_MEM = new Set<K>([K.seg_rSI, K.es_rDI, K.seg_rDI, K.seg_rBX_al]);
/** Fixed registers a string instruction names in iced but not in NASM (`lodsb` has no operands). */
const STRING_FIXED = new Set<K>([K.al, K.ax, K.eax, K.rax, K.dx]);

const MODRM_KINDS = new Set<K>([
  K.mem, K.mem_mpx, K.mem_mib, K.mem_vsib32x, K.mem_vsib64x, K.mem_vsib32y, K.mem_vsib64y, K.mem_vsib32z, K.mem_vsib64z,
  K.r8_or_mem, K.r16_or_mem, K.r32_or_mem, K.r32_or_mem_mpx, K.r64_or_mem, K.r64_or_mem_mpx, K.mm_or_mem, K.xmm_or_mem,
  K.ymm_or_mem, K.zmm_or_mem, K.bnd_or_mem_mpx, K.k_or_mem, K.r8_reg, K.r16_reg, K.r16_reg_mem, K.r16_rm, K.r32_reg,
  K.r32_reg_mem, K.r32_rm, K.r64_reg, K.r64_reg_mem, K.r64_rm, K.seg_reg, K.k_reg, K.kp1_reg, K.k_rm, K.mm_reg, K.mm_rm,
  K.xmm_reg, K.xmm_rm, K.ymm_reg, K.ymm_rm, K.zmm_reg, K.zmm_rm, K.cr_reg, K.dr_reg, K.tr_reg, K.bnd_reg, K.sibmem,
  K.tmm_reg, K.tmm_rm,
]);

export const RM_KINDS = new Set<K>([
  K.r8_or_mem, K.r16_or_mem, K.r32_or_mem, K.r32_or_mem_mpx, K.r64_or_mem, K.r64_or_mem_mpx, K.mm_or_mem, K.xmm_or_mem,
  K.ymm_or_mem, K.zmm_or_mem, K.bnd_or_mem_mpx, K.k_or_mem,
]);

function immBytes(k: K): number {
  switch (k) {
    case K.imm8: case K.imm8sex16: case K.imm8sex32: case K.imm8sex64: case K.br64_1: case K.br32_1: case K.br16_1: return 1;
    case K.imm16: case K.br16_2: case K.xbegin_2: return 2;
    case K.imm32: case K.imm32sex64: case K.br32_4: case K.br64_4: case K.xbegin_4: return 4;
    case K.imm64: case K.mem_offs: return 8;
    default: return 0;
  }
}

// ------------------------------------------------------------------ building

const table = new Map<string, Candidate[] | null>();
let regs: Map<string, RegInfo> | undefined;

/** Candidates for a NASM mnemonic (lowercase), or undefined if NASM has no such mnemonic. Cached. */
export function candidatesFor(mnemonic: string): Candidate[] | undefined {
  let c = table.get(mnemonic);
  if (c === undefined) {
    if (table.size > 10000) table.clear(); // bounded: garbage mnemonics cannot grow it without limit
    c = buildCandidates(mnemonic) ?? null;
    table.set(mnemonic, c);
  }
  return c ?? undefined;
}

/** Register by lowercase NASM name. */
export function registerInfo(name: string): RegInfo | undefined {
  if (!regs) regs = buildRegs();
  return regs.get(name);
}

let siblings: Map<string, Candidate[]> | undefined;

/** The operand-less legacy form with the same opcode at another operand size (CBW -> CWDE/CDQE). */
export function sizeSibling(c: Candidate, opSize: number): Candidate | undefined {
  if (!siblings) {
    // Rare path (`o32 cbw`): index every operand-less legacy form once.
    siblings = new Map();
    for (const codes of index().byIced.values()) {
      for (const code of codes) {
        const x = candidate(code);
        if (!x || x.encoding !== EncodingKind.Legacy || x.ops.length !== 0 || !x.mode64) continue;
        let sl = siblings.get(x.sibKey);
        if (!sl) siblings.set(x.sibKey, (sl = []));
        sl.push(x);
      }
    }
  }
  return siblings.get(c.sibKey)?.find((x) => x.opSize === opSize);
}

interface Index {
  /** iced mnemonic (lowercase, renamed to NASM's spelling) -> its codes. */
  byIced: Map<string, Code[]>;
}

let idx: Index | undefined;
const candCache = new Map<Code, Candidate | null>();

/**
 * Pass 1 (once): which codes exist per mnemonic, from three OpCodeInfo fields per code.
 * The full operand description of a code is read only when its mnemonic is first used.
 */
function index(): Index {
  if (idx) return idx;
  const byIced = new Map<string, Code[]>();
  const codeNames = Object.keys(Code).filter((k) => Number.isNaN(Number(k)));
  for (const name of codeNames) {
    const code = (Code as unknown as Record<string, number>)[name] as Code;
    // Knights Corner mask instructions (VEX_KNC_*) are Xeon Phi only; NASM's k-instructions are AVX-512's.
    if (name.startsWith('VEX_KNC_') || NASM_LACKS.has(code) || name === 'INVALID' || name.startsWith('DeclareByte') || name.startsWith('DeclareWord') || name.startsWith('DeclareDword') || name.startsWith('DeclareQword') || name.startsWith('MVEX_') || name.startsWith('XOP_')) continue;
    // Precomputed from iced's OpCodeInfo (encoder-iced-data.ts): no WASM call per code at start-up.
    const me = icedMnemonicEncoding(code);
    if (me === undefined) continue;
    const enc = me.encoding;
    const mnem = (Mnemonic[me.mnemonic] ?? '').toLowerCase();
    if (!mnem) continue;
    if (EVEX_FIRST.has(mnem) ? enc !== EncodingKind.EVEX : enc !== EncodingKind.Legacy && enc !== EncodingKind.VEX && enc !== EncodingKind.D3NOW && enc !== EncodingKind.EVEX) continue;
    const key = Object.hasOwn(RENAMES, mnem) ? RENAMES[mnem] : mnem;
    let list = byIced.get(key);
    if (!list) byIced.set(key, (list = []));
    list.push(code);
  }
  idx = { byIced };
  return idx;
}

/** Pass 2 (per code, cached): the candidate as the matcher sees it, or null if NASM never emits it. */
function candidate(code: Code): Candidate | null {
  const hit = candCache.get(code);
  if (hit !== undefined) return hit;
  const info = CodeExt.opCode(code);
  let cand: Candidate | null = null;
  try {
    const enc = info.encoding;
    const icedOps: K[] = [];
    for (let i = 0; i < info.opCount; i++) icedOps.push(info.opKind(i));
    // 16/32-bit-only branch forms (o16 jmp rel16 ...) never come out of NASM in 64-bit code; EVEX
    // forms that need an opmask (gathers/scatters) cannot be written without `{k}` syntax.
    if (!(enc === EncodingKind.EVEX && (info.requireOpMaskRegister || evexUnsupported(code))) && !icedOps.some((k) => k === K.br16_1 || k === K.br16_2 || k === K.br32_1 || k === K.br32_4 || k === K.xbegin_2 || k === K.farbr2_2 || k === K.farbr4_2)) {
      const hasImplicit = icedOps.some((k) => IMPLICIT_MEM.has(k));
      const icedToNasm: number[] = [];
      const ops: K[] = [];
      for (const k of icedOps) {
        const drop = IMPLICIT_MEM.has(k) || (hasImplicit && STRING_FIXED.has(k));
        icedToNasm.push(drop ? -1 : ops.length);
        if (!drop) ops.push(k);
      }
      const ms = info.memorySize;
      const memSize = ms === MemorySize.Unknown ? 0 : MemorySizeExt.size(ms);
      const mandatory = info.mandatoryPrefix;
      const opSize = info.operandSize;
      const defaultOpSize64 = info.defaultOpSize64;
      const addrSize = info.addressSize;
      const tbl = info.table;
      let est = info.opCodeLength;
      if (enc === EncodingKind.Legacy) {
        if (tbl === OpCodeTableKind.T0F) est += 1;
        else if (tbl === OpCodeTableKind.T0F38 || tbl === OpCodeTableKind.T0F3A) est += 2;
        if (mandatory === MandatoryPrefix.P66 || mandatory === MandatoryPrefix.PF3 || mandatory === MandatoryPrefix.PF2) est += 1;
        if (opSize === 16) est += 1;
        if (opSize === 64 && !defaultOpSize64 && !info.forceOpSize64) est += 1;
      } else if (enc === EncodingKind.VEX) {
        est += info.W === 1 || tbl !== OpCodeTableKind.T0F ? 3 : 2;
      } else {
        est += 3; // 62 P0 P1 P2 for EVEX / 0F 0F ... ib for 3DNow!
      }
      if (icedOps.some((k) => MODRM_KINDS.has(k))) est += 1;
      if (addrSize === 32) est += 1; // 67 prefix: `loop` is E2, not the ECX form 67 E2
      for (const k of icedOps) est += immBytes(k);
      cand = {
        code, name: Code[code], ops, icedToNasm, icedOps, opSize, memSize, encoding: enc, mandatory, est,
        mode64: (info.mode64 || code === Code.Rdpid_r32) && !NASM_NOT_64.has(code), addrSize, defaultOpSize64,
        sibKey: `${tbl}:${info.opCode}:${mandatory}:${icedOps.length}`,
        mr: ops.length >= 2 && RM_KINDS.has(ops[0]) && !RM_KINDS.has(ops[1]) && MODRM_KINDS.has(ops[1]),
      };
    }
  } finally {
    info.free();
  }
  candCache.set(code, cand);
  return cand;
}

function buildCandidates(nasm: string): Candidate[] | undefined {
  const { byIced } = index();
  // Own properties only: a mnemonic such as `constructor` must not find Object.prototype members.
  const names = Object.hasOwn(ALIASES, nasm) ? ALIASES[nasm] : NOT_IN_NASM.has(nasm) ? undefined : [nasm];
  if (!names) return undefined;
  const list: Candidate[] = [];
  let known = false;
  for (const n of names) {
    const codes = byIced.get(n);
    if (!codes) continue;
    known = true;
    for (const c of codes) {
      const x = candidate(c);
      if (x) list.push(x);
    }
  }
  return known ? list : undefined;
}

function buildRegs(): Map<string, RegInfo> {
  const m = new Map<string, RegInfo>();
  const add = (name: string, reg: Register, cls: RegClass, num: number, high = false) => m.set(name, { name, reg, cls, num, high });
  const R = Register as unknown as Record<string, number>;
  const gpr = ['ax', 'cx', 'dx', 'bx', 'sp', 'bp', 'si', 'di'];
  const low8 = ['al', 'cl', 'dl', 'bl', 'spl', 'bpl', 'sil', 'dil'];
  for (let i = 0; i < 16; i++) {
    if (i < 8) {
      add(low8[i], R[low8[i].toUpperCase()], 'r8', i);
      add(gpr[i], R[gpr[i].toUpperCase()], 'r16', i);
      add('e' + gpr[i], R['E' + gpr[i].toUpperCase()], 'r32', i);
      add('r' + gpr[i], R['R' + gpr[i].toUpperCase()], 'r64', i);
    } else {
      add(`r${i}b`, R[`R${i}L`], 'r8', i);
      add(`r${i}l`, R[`R${i}L`], 'r8', i);
      add(`r${i}w`, R[`R${i}W`], 'r16', i);
      add(`r${i}d`, R[`R${i}D`], 'r32', i);
      add(`r${i}`, R[`R${i}`], 'r64', i);
      add(`cr${i}`, R[`CR${i}`], 'cr', i);
      add(`dr${i}`, R[`DR${i}`], 'dr', i);
    }
  }
  ['ah', 'ch', 'dh', 'bh'].forEach((n, i) => add(n, R[n.toUpperCase()], 'r8', i + 4, true));
  ['es', 'cs', 'ss', 'ds', 'fs', 'gs'].forEach((n, i) => add(n, R[n.toUpperCase()], 'seg', i));
  for (let i = 0; i < 8; i++) {
    add(`cr${i}`, R[`CR${i}`], 'cr', i);
    add(`dr${i}`, R[`DR${i}`], 'dr', i);
    add(`tr${i}`, R[`TR${i}`], 'tr', i);
    add(`st${i}`, R[`ST${i}`], 'st', i);
    add(`mm${i}`, R[`MM${i}`], 'mm', i);
    add(`k${i}`, R[`K${i}`], 'k', i);
    add(`tmm${i}`, R[`TMM${i}`], 'tmm', i);
  }
  for (let i = 0; i < 4; i++) add(`bnd${i}`, R[`BND${i}`], 'bnd', i);
  for (let i = 0; i < 32; i++) {
    add(`xmm${i}`, R[`XMM${i}`], 'xmm', i);
    add(`ymm${i}`, R[`YMM${i}`], 'ymm', i);
    add(`zmm${i}`, R[`ZMM${i}`], 'zmm', i);
  }
  add('rip', Register.RIP, 'ip', 0);
  add('eip', Register.EIP, 'ip', 0);
  return m;
}
