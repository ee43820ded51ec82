// The assembler driver: parses the preprocessed lines once, then runs NASM-style passes
// (each pass evaluates with the previous pass's symbol values, re-encoding only what changed)
// until no label moves, lays the sections out as `nasm -f bin` does, and builds the image,
// line table, instruction records, symbols and diagnostics.

import { encodeFloat, fitsData, isFloatSpecial, storeInt } from './data';
import { encodeInstruction } from './encoder';
import type { EncOperand, EncodeResult } from './encoder-types';
import { addVec, emptyVec, isSimple, scaleVec, splitEffectiveAddress, type EaHint, type EaVec } from './effective-address';
import { evalExpr, exprSymbols, stringValue } from './expr';
import { DEFAULT_ORG, DEFAULT_SECTION_ALIGN, layoutSections, type LayoutResult, type SectionPlan } from './layout';
import { LineParser, type DataItem, type ParsedLine, type Statement } from './parser';
import { preprocess } from './preprocessor';
import type {
  AssembledProgram,
  Diagnostic,
  ExpansionFrame,
  Expr,
  FileHost,
  InstructionRecord,
  LineEntry,
  Operand,
  PreprocessedLine,
  SectionInfo,
  SourceRange,
  SymbolInfo,
} from './types';

export interface AssembleOptions {
  host: FileHost;
  includePaths?: string[];
  /** Linter mode: `extern` is allowed (placeholder values), missing includes are warnings. */
  lint?: boolean;
  /** Upper bound on optimisation passes before giving up (default 64). */
  maxPasses?: number;
}

/** Largest image / section the assembler builds (bad input such as `times 1000000000 db 0`). */
export const MAX_IMAGE_BYTES = 256 * 1024 * 1024;
/** Instruction records kept for `times N insn` beyond this many are folded into one data entry. */
const MAX_TIMES_RECORDS = 100_000;
/** Repetitions of a `times` body that must be assembled one by one (relative jumps, nested `times`). */
const MAX_TIMES_ITERATIONS = 1_000_000;

// ---------------------------------------------------------------- evaluation

/** An evaluated expression: value, NASM relocatability (count of label/`$` terms) and whether every symbol was known. */
interface Val {
  v: bigint;
  r: number;
  k: boolean;
}

class EvalErr {
  constructor(
    readonly message: string,
    readonly range: SourceRange,
    readonly code = 'value-error',
  ) {}
}

interface SymDef {
  name: string;
  kind: 'label' | 'equ' | 'extern';
  /** Section of a section label; undefined for equ / absolute-space labels. */
  sec?: string;
  /** Offset in `sec`, or the absolute value. */
  value: bigint;
  reloc: number;
  known: boolean;
  pass: number;
  range: SourceRange;
  global: boolean;
  /** Bumped whenever sec/value/reloc/known/kind change (the object is updated in place). */
  version: number;
}

/** A shared evaluation of an instruction text (see `Assembly.textEncodings`). */
interface TextEncoding {
  res: EncodeResult;
  defaultRel: boolean;
  /** Layout generation the values were computed with (label addresses depend on it). */
  layoutGen: number;
  /** The symbols the operands read, with their versions at the time. */
  deps: SymDef[];
  versions: number[];
}

interface SecState {
  name: string;
  nobits: boolean;
  size: number;
  align: number;
  declaredAlign?: number;
  start?: number;
  vstart?: number;
  follows?: string;
  vfollows?: string;
  exec?: boolean;
  range?: SourceRange;
  /** Cached start address from the previous pass's layout. */
  base?: bigint;
}

interface Emit {
  sec: SecState;
  offset: number;
  size: number;
  bytes?: Uint8Array;
  /** `bytes` repeated this many times (`times N db 0`). */
  repeat: number;
  line: number;
  kind: 'instruction' | 'data';
  insn?: Extract<Statement, { kind: 'instruction' }>;
}

interface EncCache {
  /** The statement the entry belongs to (a line's only instruction). */
  stmt: Statement;
  sig: (bigint | number | string | boolean | undefined)[];
  res: EncodeResult;
  /** No symbols, `$` or address dependence: reusable without re-evaluating. */
  fixed: boolean;
  defaultRel: boolean;
  /** Operands are registers and literals only (computed once per statement). */
  literal: boolean;
  /** Prefixes, mnemonic and operand shape: the statement's part of the shared-encoding key. */
  head: string;
}

const COMPARISONS = new Set(['=', '==', '!=', '<>', '<', '<=', '>', '>=', '<=>', '&&', '||', '^^']);

/** NASM's wording for an operator applied to a label address (nasm 2.16 eval.c). */
function notScalar(op: string, range: SourceRange): EvalErr {
  const what = op.startsWith('<<') || op.startsWith('>>') ? 'shift operator' : ['/', '//', '%', '%%'].includes(op) ? 'division operator' : `\`${op}\` operator`;
  return new EvalErr(`${what} may only be applied to scalar values (a label address is relocatable; use a label difference such as \`lab - $$\`)`, range);
}

function sameSig(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** An expression of literals only (no symbols, `$`, `$$`). */
function isLiteral(e: Expr): boolean {
  switch (e.kind) {
    case 'num':
    case 'str':
    case 'reg':
      return true;
    case 'unary':
      return isLiteral(e.arg);
    case 'binary':
      return isLiteral(e.left) && isLiteral(e.right);
    case 'cond':
      return isLiteral(e.test) && isLiteral(e.then) && isLiteral(e.else);
    default:
      return false;
  }
}

const i64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const EMPTY_CTX = { symbol: (): bigint | undefined => undefined };

function isBranch(m: string): boolean {
  return m.charCodeAt(0) === 106 /* j */ || m === 'call' || m.startsWith('loop') || m === 'xbegin';
}

/** Linear form of an effective address: registers with coefficients plus a displacement. */
// ---------------------------------------------------------------- the driver

class Assembly {
  // Per line, in parallel arrays (no per-line record object): what the passes and the result
  // need of each preprocessed line. The tokens themselves are not kept once parsed.
  private readonly stmts: Statement[] = [];
  private readonly labels: ParsedLine['label'][] = [];
  private readonly sites: SourceRange[] = [];
  private readonly stacks: ExpansionFrame[][] = [];
  private readonly comments: { text: string; range: SourceRange }[] = [];
  readonly diagnostics: Diagnostic[] = [];
  private readonly syms = new Map<string, SymDef>();
  /** Encoding cache by line index (see `encode`). */
  private readonly encCache: (EncCache | undefined)[] = [];
  private readonly incbinCache = new Map<Statement, Uint8Array | string>();
  private readonly usesHereCache = new Map<Statement, boolean>();
  private layout: LayoutResult = { placed: new Map(), imageSize: 0, errors: [] };
  private org = DEFAULT_ORG;

  // per-pass state
  private pass = 0;
  private passDiags: Diagnostic[] = [];
  /** This pass's emits are `emits[0 .. emitCount)`; the objects are reused from pass to pass. */
  private readonly emits: Emit[] = [];
  private emitCount = 0;
  private sections = new Map<string, SecState>();
  private secOrder: SecState[] = [];
  private cur!: SecState;
  private absolute: bigint | undefined;
  private defaultRel = false;
  private changed = false;
  private orgSeen: SourceRange | undefined;
  private passOrg = DEFAULT_ORG;
  private strucStack: { name: string; start: bigint; saved: { sec: SecState; absolute: bigint | undefined } }[] = [];
  private istrucStack: { name: string; start: bigint; range: SourceRange }[] = [];
  private curLine = 0;
  private changedAt: SourceRange | undefined;

  constructor(private readonly opts: AssembleOptions) {}

  /** Parses every line of an already preprocessed file. */
  parseAll(pls: PreprocessedLine[]): void {
    const parser = new LineParser();
    for (const pl of pls) this.parseLine(parser, pl);
  }

  /** Parses the next line (lines come in source order) and keeps what the passes and the result need. */
  parseLine(parser: LineParser, pl: PreprocessedLine): void {
    const parsed = parser.parse(pl);
    for (const d of parsed.diagnostics) this.diagnostics.push(pl.stack.length ? { ...d, stack: pl.stack } : d);
    this.stmts.push(parsed.stmt);
    this.labels.push(parsed.label);
    this.sites.push(pl.site);
    this.stacks.push(pl.stack);
    if (pl.comment) this.comments.push(pl.comment);
  }

  // ------------------------------------------------------------ symbols

  private symValue(d: SymDef): bigint {
    if (d.sec === undefined) return d.value;
    let base = this.layoutBases.get(d.sec);
    if (base === undefined) {
      const p = this.layout.placed.get(d.sec);
      base = BigInt(p ? p.vstart : this.org);
      this.layoutBases.set(d.sec, base);
    }
    return base + d.value;
  }

  /** Start address of each section in `layout` (with `org`), as bigints; reset with the layout. */
  private layoutBases = new Map<string, bigint>();

  private lookup(name: string, range: SourceRange): Val {
    const d = this.syms.get(name);
    if (this.deps !== undefined) {
      if (d === undefined || !d.known) this.depsOk = false;
      else this.deps.push(d);
    }
    if (!d) {
      if (this.pass > 1) {
        throw new EvalErr(`symbol \`${name}\` is not defined`, range, 'undefined-symbol');
      }
      return { v: 0n, r: 1, k: false };
    }
    // A symbol whose own definition had no value yet (an equ chain, possibly circular): if this
    // is still so in the final pass, the use is reported then.
    if (!d.known) this.unknownUses.push({ name, range, line: this.curLine });
    return { v: this.symValue(d), r: d.reloc, k: d.known };
  }

  private unknownUses: { name: string; range: SourceRange; line: number }[] = [];

  private define(name: string, range: SourceRange, kind: SymDef['kind'], sec: string | undefined, value: bigint, reloc: number, known: boolean): void {
    const old = this.syms.get(name);
    if (old && old.pass === this.pass) {
      if (old.kind === 'extern' && kind !== 'extern') {
        // A local definition of an extern name wins.
      } else {
        this.passDiags.push({
          range,
          severity: 'error',
          code: 'symbol-redefined',
          message: `symbol \`${name}\` redefined`,
          related: [{ range: old.range, message: 'first defined here' }],
        });
        return;
      }
    }
    if (!old || old.sec !== sec || old.value !== value || old.known !== known || old.reloc !== reloc) {
      if (!this.changed) this.changedAt = range;
      this.changed = true;
    }
    if (!old) {
      this.syms.set(name, { name, kind, sec, value, reloc, known, pass: this.pass, range, global: false, version: ++this.symClock });
      return;
    }
    // Updated in place, so evaluations that read it can check `version` without a lookup.
    if (old.sec !== sec || old.value !== value || old.known !== known || old.reloc !== reloc || old.kind !== kind) old.version = ++this.symClock;
    old.kind = kind;
    old.sec = sec;
    old.value = value;
    old.reloc = reloc;
    old.known = known;
    old.pass = this.pass;
    old.range = range;
  }

  private symClock = 0;

  /** `$`: the start of the current source line, also for every repetition of `times` (as nasm 2.16). */
  // Kept as plain fields (not a Val per line) because every line sets them on every pass.
  private lineSec: SecState | undefined;
  private lineOff = 0;
  private lineAbs = 0n;

  private here(): Val {
    if (this.lineSec === undefined) return { v: this.lineAbs, r: 0, k: true };
    return { v: this.secBase(this.lineSec) + BigInt(this.lineOff), r: 1, k: true };
  }

  /** Start address of `sec` in the previous pass's layout (labels use it during this pass). */
  private secBase(sec: SecState): bigint {
    if (sec.base === undefined) {
      const p = this.layout.placed.get(sec.name);
      sec.base = BigInt(p ? p.vstart : this.org);
    }
    return sec.base;
  }

  /** Address of the next byte to be emitted. */
  private curAddrValue(): bigint {
    if (this.absolute !== undefined) return this.absolute;
    return this.secBase(this.cur) + BigInt(this.cur.size);
  }

  private sectionStart(): Val {
    if (this.absolute !== undefined) return { v: this.absolute, r: 0, k: true };
    return { v: this.secBase(this.cur), r: 1, k: true };
  }

  /** Scalar evaluation with NASM relocatability tracking. */
  private ev(e: Expr): Val {
    switch (e.kind) {
      case 'num':
        return { v: e.value, r: 0, k: true };
      case 'sym':
        return this.lookup(e.name, e.range);
      case 'here':
        this.depsOk = false;
        return this.here();
      case 'sectionStart':
        this.depsOk = false;
        return this.sectionStart();
      case 'str':
        if (e.bytes.length > 8) throw new EvalErr('character constant longer than 8 bytes', e.range);
        return { v: stringValue(e.bytes), r: 0, k: true };
      case 'float':
        throw new EvalErr(`floating-point constant \`${e.text}\` in an integer expression`, e.range);
      case 'reg':
        throw new EvalErr(`register \`${e.name}\` cannot be used here`, e.range);
      case 'unary': {
        if (e.op === 'seg') throw new EvalErr('`seg` has no meaning in a flat binary', e.range);
        const a = this.ev(e.arg);
        if (e.op === '-') return { v: i64(-a.v), r: -a.r, k: a.k };
        if (e.op === '+') return a;
        if (a.r !== 0 && a.k) throw notScalar(e.op, e.range);
        return { v: this.scalarOp(e.op, a.v, 0n, e.range, true), r: 0, k: a.k };
      }
      case 'binary': {
        const a = this.ev(e.left);
        const b = this.ev(e.right);
        const k = a.k && b.k;
        if (e.op === '+') return { v: i64(a.v + b.v), r: a.r + b.r, k };
        if (e.op === '-') return { v: i64(a.v - b.v), r: a.r - b.r, k };
        // NASM keeps label addresses relocatable even in a flat binary: only + and - (and
        // comparisons) may involve them; `lab >> 12` is an error there too.
        if ((a.r !== 0 || b.r !== 0) && k && !COMPARISONS.has(e.op)) throw notScalar(e.op, e.range);
        if (e.op === '*') return { v: i64(a.v * b.v), r: 0, k };
        // Unknown operands of a division in an early pass: do not report a division by zero yet.
        if (!k && (e.op === '/' || e.op === '//' || e.op === '%' || e.op === '%%') && b.v === 0n) return { v: 0n, r: 0, k };
        return { v: this.scalarOp(e.op, a.v, b.v, e.range, false), r: 0, k };
      }
      case 'cond': {
        const t = this.ev(e.test);
        const x = this.ev(t.v !== 0n ? e.then : e.else);
        return { v: x.v, r: x.r, k: x.k && t.k };
      }
    }
  }

  /** Every other operator: the preprocessor's evaluator is the one definition of NASM's arithmetic. */
  private scalarOp(op: string, a: bigint, b: bigint, range: SourceRange, unary: boolean): bigint {
    const left: Expr = { kind: 'num', value: a, range };
    const expr: Expr = unary
      ? { kind: 'unary', op, arg: left, range }
      : { kind: 'binary', op, left, right: { kind: 'num', value: b, range }, range };
    const r = evalExpr(expr, EMPTY_CTX);
    if (r.kind === 'error') throw new EvalErr(r.message, r.range);
    if (r.kind !== 'value') return 0n;
    return r.value;
  }

  /**
   * Evaluates a bracketed expression as nasm does: a vector of register, constant and
   * relocation-base terms, updating nasm's base/index hint on the way (effective-address.ts).
   */
  private evVec(e: Expr, hint: EaHint): EaVec {
    switch (e.kind) {
      case 'reg': {
        if (hint.type === 'none') {
          hint.base = e.name;
          hint.type = 'makebase';
        }
        const x = emptyVec();
        x.regs.push({ key: e.name, c: 1n });
        return x;
      }
      case 'num':
      case 'str': {
        const v = this.ev(e);
        return { regs: [], simple: v.v, segs: [], v: v.v, r: 0, k: true };
      }
      case 'sym':
      case 'here':
      case 'sectionStart':
        return this.leafVec(e);
      case 'unary': {
        const x = this.evVec(e.arg, hint);
        if (e.op === '+') return x;
        if (e.op === '-') return scaleVec(x, -1n, hint, false);
        if (!isSimple(x)) throw new EvalErr('invalid effective address', e.range);
        const v = this.scalarOp(e.op, x.simple ?? 0n, 0n, e.range, true);
        return { regs: [], simple: v, segs: [], v, r: 0, k: x.k };
      }
      case 'binary': {
        const x = this.evVec(e.left, hint);
        const y = this.evVec(e.right, hint);
        if (e.op === '+') return addVec(x, y, hint);
        if (e.op === '-') return addVec(x, scaleVec(y, -1n, hint, false), hint);
        if (e.op === '*') {
          if (isSimple(x)) return { ...scaleVec(y, x.simple ?? 0n, hint, true), k: x.k && y.k };
          if (isSimple(y)) return { ...scaleVec(x, y.simple ?? 0n, hint, true), k: x.k && y.k };
          throw new EvalErr('invalid effective address: unable to multiply two non-scalar objects', e.range);
        }
        if (!isSimple(x) || !isSimple(y)) {
          if (x.regs.length || y.regs.length) throw new EvalErr('invalid effective address', e.range);
          if ((x.k && y.k) || this.pass > 1) throw notScalar(e.op, e.range);
        }
        if (!(x.k && y.k) && (e.op === '/' || e.op === '//' || e.op === '%' || e.op === '%%') && (y.simple ?? 0n) === 0n) {
          return { regs: [], simple: 0n, segs: [], v: 0n, r: 0, k: false };
        }
        const v = this.scalarOp(e.op, x.simple ?? 0n, y.simple ?? 0n, e.range, false);
        return { regs: [], simple: v, segs: [], v, r: 0, k: x.k && y.k };
      }
      case 'cond': {
        if (this.containsReg(e)) throw new EvalErr('invalid effective address', e.range);
        const v = this.ev(e);
        return { regs: [], simple: v.v, segs: [], v: v.v, r: v.r, k: v.k };
      }
      default: {
        const v = this.ev(e);
        return { regs: [], simple: v.v, segs: [], v: v.v, r: v.r, k: v.k };
      }
    }
  }

  /** A label, `$` or `$$` inside brackets: its section offset as the constant term plus a relocation base. */
  private leafVec(e: Extract<Expr, { kind: 'sym' | 'here' | 'sectionStart' }>): EaVec {
    const v = this.ev(e);
    if (v.r === 0) return { regs: [], simple: v.v, segs: [], v: v.v, r: 0, k: v.k };
    let sec: string | undefined;
    let off = v.v;
    if (e.kind === 'sym') {
      const d = this.syms.get(e.name);
      if (d?.sec !== undefined) {
        sec = d.sec;
        off = d.value;
      }
    } else if (this.absolute === undefined) {
      sec = this.cur.name;
      off = e.kind === 'sectionStart' ? 0n : BigInt(this.lineSec === this.cur ? this.lineOff : 0);
    }
    return { regs: [], simple: off, segs: [{ key: sec ?? `?${v.r}`, c: BigInt(v.r) }], v: v.v, r: v.r, k: v.k };
  }

  private containsReg(e: Expr): boolean {
    switch (e.kind) {
      case 'reg':
        return true;
      case 'unary':
        return this.containsReg(e.arg);
      case 'binary':
        return this.containsReg(e.left) || this.containsReg(e.right);
      case 'cond':
        return this.containsReg(e.test) || this.containsReg(e.then) || this.containsReg(e.else);
      default:
        return false;
    }
  }

  /** Evaluates `[...]` and splits it into base/index/scale as NASM does. */
  private memOperand(op: Extract<Operand, { kind: 'mem' }>, mib: boolean): EncOperand {
    const hint: EaHint = { type: 'none' };
    const ea = this.evVec(op.expr, hint);
    const split = splitEffectiveAddress(ea, hint, op.nosplit === true, mib);
    if ('error' in split) throw new EvalErr(split.error, op.range);
    const { base, index, scale } = split;
    const m: EncOperand = {
      kind: 'mem',
      scale,
      disp: i64(ea.v),
      hasDisp: ea.simple !== undefined || ea.segs.length > 0,
      dispKnown: ea.k,
      hasSymbol: ea.r !== 0,
    };
    if (op.size) m.size = op.size;
    if (op.segment) m.segment = op.segment;
    if (base) m.base = base;
    if (index) m.index = index;
    if (op.dispSize) m.dispSize = op.dispSize;
    // The split above is final: keep the encoder from splitting an index-only form again.
    if (op.nosplit || (index !== undefined && base === undefined)) m.nosplit = true;
    if (op.addressing) m.addressing = op.addressing;
    if (op.far) m.far = true;
    return m;
  }

  // ------------------------------------------------------------ emission

  private addDiag(range: SourceRange, severity: Diagnostic['severity'], code: string, message: string): void {
    const stack = this.stacks[this.curLine];
    this.passDiags.push(stack && stack.length ? { range, severity, code, message, stack } : { range, severity, code, message });
  }

  private checkRoom(size: number, range: SourceRange): void {
    const at = this.absolute !== undefined ? 0 : this.cur.size;
    if (size < 0 || at + size > MAX_IMAGE_BYTES) {
      throw new EvalErr(`output would exceed the ${MAX_IMAGE_BYTES / (1024 * 1024)} MiB image limit`, range);
    }
  }

  /** Emits `bytes` × `repeat` at the current position. */
  private put(bytes: Uint8Array, repeat: number, kind: Emit['kind'], range: SourceRange, insn?: Emit['insn']): void {
    const size = bytes.length * repeat;
    if (this.absolute !== undefined) {
      if (size > 0) throw new EvalErr('code or data cannot be assembled in absolute space (only res* is allowed)', range);
      return;
    }
    this.checkRoom(size, range);
    if (this.cur.nobits) {
      if (size > 0) this.addDiag(range, 'warning', 'nobits-data', `attempt to initialize memory in a nobits section (\`${this.cur.name}\`): ignored`);
    } else if (size > 0 || insn) {
      this.emit(size, bytes, repeat, kind, insn);
    }
    this.cur.size += size;
  }

  /** Records `size` bytes at the current position of the current section. */
  private emit(size: number, bytes: Uint8Array | undefined, repeat: number, kind: Emit['kind'], insn: Emit['insn']): void {
    const e = this.emits[this.emitCount];
    if (e === undefined) {
      this.emits.push({ sec: this.cur, offset: this.cur.size, size, bytes, repeat, line: this.curLine, kind, insn });
    } else {
      e.sec = this.cur;
      e.offset = this.cur.size;
      e.size = size;
      e.bytes = bytes;
      e.repeat = repeat;
      e.line = this.curLine;
      e.kind = kind;
      e.insn = insn;
    }
    this.emitCount++;
  }

  private reserve(size: number, range: SourceRange): void {
    if (size < 0) throw new EvalErr(`reservation size ${size} is negative`, range);
    if (this.absolute !== undefined) {
      this.absolute += BigInt(size);
      return;
    }
    this.checkRoom(size, range);
    // NASM zero-fills reservations in progbits sections.
    if (!this.cur.nobits && size > 0) this.emit(size, undefined, 1, 'data', undefined);
    this.cur.size += size;
  }

  private position(): bigint {
    return this.absolute !== undefined ? this.absolute : BigInt(this.cur.size);
  }

  private count(e: Expr, what: string): number {
    const v = this.ev(e);
    if (!v.k) return 0;
    if (v.v < 0n) throw new EvalErr(`${what} value ${v.v} is negative`, e.range);
    if (v.v > BigInt(MAX_IMAGE_BYTES)) throw new EvalErr(`${what} value ${v.v} exceeds the ${MAX_IMAGE_BYTES / (1024 * 1024)} MiB image limit`, e.range);
    return Number(v.v);
  }

  private dependsOnHere(s: Statement): boolean {
    let c = this.usesHereCache.get(s);
    if (c !== undefined) return c;
    c = false;
    // `$` is the line start for every repetition, so only the instruction's own address matters:
    // relative branches and (possibly RIP-relative) memory operands.
    if (s.kind === 'instruction') {
      c = (isBranch(s.mnemonic) && s.operands.some((o) => o.kind === 'imm')) || s.operands.some((o) => o.kind === 'mem');
    } else if (s.kind === 'data') c = false;
    else c = true;
    this.usesHereCache.set(s, c);
    return c;
  }

  private encode(s: Extract<Statement, { kind: 'instruction' }>): EncodeResult {
    if (s.mnemonic === '') return { ok: true, bytes: lonePrefixBytes(s.prefixes) };
    // One cache slot per line: a line holds at most one instruction (`times` and `align` bodies included).
    const line = this.curLine;
    let prev = this.encCache[line];
    if (prev !== undefined && prev.stmt !== s) prev = undefined;
    // Operands made of registers and literal numbers only: the bytes never change between passes.
    if (prev !== undefined && prev.fixed && prev.defaultRel === this.defaultRel) return prev.res;
    // The same text evaluated before, on this or another line, from symbols that have not changed
    // since and not depending on its address (`swapgs`, `mov rax, [gs:percpu.kstack]`): same bytes.
    const key = s.key;
    if (key === undefined) return this.encodeFresh(s, line, prev);
    const known = this.textEncodings.get(key);
    if (known !== undefined && this.textEncodingValid(known)) return known.res;
    const deps: SymDef[] = [];
    this.deps = deps;
    this.depsOk = true;
    let res: EncodeResult;
    try {
      res = this.encodeFresh(s, line, prev);
    } finally {
      this.deps = undefined;
    }
    if (this.depsOk && !this.freshAddrDep) {
      let reloc = false;
      const versions: number[] = [];
      for (const d of deps) {
        versions.push(d.version);
        if (d.sec !== undefined) reloc = true;
      }
      if (this.textEncodings.size > 100_000) this.textEncodings.clear();
      this.textEncodings.set(key, { res, defaultRel: this.defaultRel, layoutGen: reloc ? this.layoutGen : -1, deps, versions });
    }
    return res;
  }

  private textEncodingValid(t: TextEncoding): boolean {
    if (t.defaultRel !== this.defaultRel || (t.layoutGen >= 0 && t.layoutGen !== this.layoutGen)) return false;
    const deps = t.deps;
    for (let i = 0; i < deps.length; i++) if (deps[i]!.version !== t.versions[i]) return false;
    return true;
  }

  /** Evaluated instruction texts (`Statement.key`), reused while their inputs stay the same. */
  private readonly textEncodings = new Map<string, TextEncoding>();
  /** While an instruction is evaluated for `textEncodings`: the symbols it reads (`lookup`). */
  private deps: SymDef[] | undefined;
  /** False once the evaluation read something a TextEncoding cannot track (`$`, an unknown symbol). */
  private depsOk = true;
  /** Whether the last `encodeFresh` depended on the instruction's address. */
  private freshAddrDep = false;
  /** Bumped whenever the layout (section addresses, org) changes between passes. */
  private layoutGen = 0;

  /** Evaluates the operands and encodes (or finds the bytes in the per-line and shared caches). */
  private encodeFresh(s: Extract<Statement, { kind: 'instruction' }>, line: number, prev: EncCache | undefined): EncodeResult {
    const operands = s.operands;
    const ops: EncOperand[] = [];
    // The signature: every input the bytes depend on, as primitives compared with ===. Relative
    // branches and RIP-relative operands depend only on (target - address), so identical jumps in
    // different functions share one encoding.
    const sig: (bigint | number | string | boolean | undefined)[] = [this.defaultRel];
    let addrDep = false;
    let noShare = false;
    // The instruction's address, computed only for operands that depend on it.
    let address: bigint | undefined;
    const branch = isBranch(s.mnemonic);
    for (let i = 0; i < operands.length; i++) {
      const o = operands[i]!;
      if (o.kind === 'reg') {
        ops.push({ kind: 'reg', reg: o.name });
        continue;
      }
      if (o.kind === 'imm') {
        const v = this.ev(o.expr);
        const enc: EncOperand = { kind: 'imm', value: v.v, strict: o.strict, known: v.k, hasSymbol: v.r !== 0 };
        if (o.size) enc.size = o.size;
        if (o.jump) enc.jump = o.jump;
        ops.push(enc);
        if (branch) {
          addrDep = true;
          // A target not known yet (forward reference in an early pass) is encoded in range of the
          // instruction itself whatever its guessed value (encoder contract, `known` in
          // encoder-types.ts): such jumps share one encoding instead of one per address.
          if (v.k) sig.push('j', v.v - (address ??= this.curAddrValue()), true, v.r);
          else sig.push('j', 'unknown', false, v.r);
        } else sig.push('i', v.v, v.k, v.r);
      } else {
        const m = this.memOperand(o, s.mnemonic === 'bndldx' || s.mnemonic === 'bndstx');
        ops.push(m);
        if (m.kind !== 'mem') continue;
        sig.push('m', m.base, m.index, m.scale, m.dispKnown, m.hasSymbol, m.hasDisp);
        const noBaseIndex = m.base === undefined && m.index === undefined;
        // RIP-relative per the encoder contract: a relocatable displacement with no base/index under
        // `rel` (explicit, or `default rel` without an fs:/gs: override).
        const ripRel =
          noBaseIndex &&
          m.hasSymbol &&
          (m.addressing === 'rel' || (this.defaultRel && m.addressing !== 'abs' && m.segment !== 'fs' && m.segment !== 'gs'));
        if (ripRel) {
          addrDep = true;
          sig.push('r', m.disp - (address ??= this.curAddrValue()));
        } else if (m.base === 'rip' || m.base === 'eip' || (noBaseIndex && m.addressing === 'rel')) {
          addrDep = true;
          noShare = true;
          sig.push(m.disp, (address ??= this.curAddrValue()));
        } else sig.push(m.disp);
      }
    }
    this.freshAddrDep = addrDep;
    if (prev !== undefined && sameSig(prev.sig, sig)) return prev.res;
    const literal = prev !== undefined ? prev.literal : s.operands.every((o) => o.kind === 'reg' || isLiteral(o.expr));
    const fixed = !addrDep && literal;
    const head = prev !== undefined && prev.head !== '' ? prev.head : `${s.prefixes.join(' ')} ${s.mnemonic} ${operandShape(s.operands)}`;
    // Lines with the same text and operand values encode the same way wherever they sit: share
    // encodings across lines (`swapgs`, `ret`, `mov rax, [gs:8]` ...).
    let shareKey: string | undefined;
    if (!noShare) {
      shareKey = head;
      for (let i = 0; i < sig.length; i++) shareKey += `,${sig[i]}`;
      const shared = SHARED_ENCODINGS.get(shareKey);
      if (shared) {
        this.cacheEncoding(line, s, sig, shared, fixed, literal, head);
        return shared;
      }
    }
    let res: EncodeResult;
    try {
      res = encodeInstruction({ mnemonic: s.mnemonic, prefixes: s.prefixes, operands: ops, address: Number(address ?? this.curAddrValue()), defaultRel: this.defaultRel });
    } catch (err) {
      // An encoder bug must not take the whole file down: report it on this line.
      res = { ok: false, message: `internal encoder error: ${err instanceof Error ? err.message : String(err)}` };
    }
    this.cacheEncoding(line, s, sig, res, fixed, literal, head);
    if (shareKey !== undefined) {
      if (SHARED_ENCODINGS.size > 50_000) SHARED_ENCODINGS.clear();
      SHARED_ENCODINGS.set(shareKey, res);
    }
    return res;
  }

  private cacheEncoding(line: number, stmt: Statement, sig: EncCache['sig'], res: EncodeResult, fixed: boolean, literal: boolean, head: string): void {
    // A fixed encoding is reused without comparing signatures: keep no signature or key text
    // for it (most lines of a big file are like that).
    if (fixed) this.encCache[line] = { stmt, sig: NO_SIG, res, fixed, defaultRel: this.defaultRel, literal, head: '' };
    else this.encCache[line] = { stmt, sig, res, fixed, defaultRel: this.defaultRel, literal, head };
  }

  private instruction(s: Extract<Statement, { kind: 'instruction' }>, repeat: number): void {
    const res = this.encode(s);
    if (!res.ok) {
      const range = res.operand !== undefined && s.operands[res.operand] ? s.operands[res.operand]!.range : s.range;
      throw new EvalErr(res.message, range, 'invalid-operands');
    }
    if (res.warning) this.addDiag(s.range, 'warning', 'operand-overflow', res.warning);
    this.put(res.bytes, repeat, 'instruction', s.range, s);
  }

  private dataBytes(s: Extract<Statement, { kind: 'data' }>): Uint8Array {
    const u = s.unit;
    const parts: Uint8Array[] = [];
    let total = 0;
    const add = (b: Uint8Array): void => {
      parts.push(b);
      total += b.length;
    };
    for (const it of s.items) add(this.dataItem(it, u));
    if (parts.length === 1) return parts[0]!;
    const out = new Uint8Array(total);
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  }

  private dataItem(it: DataItem, u: number): Uint8Array {
    switch (it.kind) {
      case 'uninit':
        return new Uint8Array(u);
      case 'string': {
        // A string fills whole units, zero-padded (NASM manual 3.2.1: `dd 'ninechars'`).
        const n = Math.max(u, Math.ceil(it.bytes.length / u) * u);
        const out = new Uint8Array(it.bytes.length === 0 ? 0 : n);
        out.set(it.bytes.subarray(0, out.length));
        return out;
      }
      case 'float':
        return this.float(it.text, it.negative, u, it.range);
      case 'expr': {
        const sp = specialFloat(it.expr);
        if (sp) return this.float(sp.name, sp.negative, u, it.range);
        const v = this.ev(it.expr);
        if (u > 8) throw new EvalErr(`integer supplied to a ${u * 8}-bit data item (use a float or split it)`, it.range);
        if (v.k && !fitsData(v.v, u)) this.addDiag(it.range, 'warning', 'data-overflow', `${UNIT_NAMES[u]} data exceeds bounds`);
        const out = new Uint8Array(u);
        storeInt(out, 0, v.v, u);
        return out;
      }
    }
  }

  private float(text: string, negative: boolean, u: number, range: SourceRange): Uint8Array {
    const r = encodeFloat(text, negative, u);
    if ('error' in r) throw new EvalErr(r.error, range);
    if (r.overflow) this.addDiag(range, 'warning', 'float-overflow', 'overflow in floating-point constant');
    return r.bytes;
  }

  private incbin(s: Extract<Statement, { kind: 'incbin' }>, repeat: number): void {
    let data = this.incbinCache.get(s);
    if (data === undefined) {
      const from = s.fileRange.file;
      const path = this.opts.host.resolve(from, s.file, this.opts.includePaths ?? []);
      const bytes = path === undefined ? undefined : this.opts.host.readBytes(path);
      data = bytes ?? `unable to open incbin file \`${s.file}\``;
      this.incbinCache.set(s, data);
    }
    if (typeof data === 'string') {
      if (this.opts.lint) {
        this.addDiag(s.fileRange, 'warning', 'file-not-found', data);
        return;
      }
      throw new EvalErr(data, s.fileRange, 'file-not-found');
    }
    const off = s.offset ? this.count(s.offset, 'incbin offset') : 0;
    const len = s.length ? this.count(s.length, 'incbin length') : data.length - off;
    const slice = data.subarray(Math.min(off, data.length), Math.min(data.length, off + Math.max(0, len)));
    this.put(slice, repeat, 'data', s.range);
  }

  /** Runs one statement (`repeat` > 1 only from `times`). */
  private statement(s: Statement, repeat = 1): void {
    switch (s.kind) {
      case 'none':
      case 'ignored':
        return;
      case 'instruction':
        this.instruction(s, repeat);
        return;
      case 'data':
        this.put(this.dataBytes(s), repeat, 'data', s.range);
        return;
      case 'reserve': {
        const n = this.count(s.count, `\`${s.directive}\``);
        if (n * s.unit * repeat > MAX_IMAGE_BYTES) throw new EvalErr(`reservation exceeds the ${MAX_IMAGE_BYTES / (1024 * 1024)} MiB image limit`, s.range);
        this.reserve(n * s.unit * repeat, s.range);
        return;
      }
      case 'times': {
        const n = this.count(s.count, '`times`');
        if (n === 0) return;
        this.times(s.body, n * repeat, s.range);
        return;
      }
      case 'incbin':
        this.incbin(s, repeat);
        return;
      case 'align':
        return this.align(s);
      case 'equ':
        throw new EvalErr('`equ` needs a label', s.range);
      case 'section':
        return this.section(s);
      case 'absolute': {
        const v = this.ev(s.address);
        this.absolute = v.v;
        return;
      }
      case 'bits':
        if (s.bits !== 64) throw new EvalErr(`only 64-bit code is supported (\`bits ${s.bits}\`)`, s.range);
        return;
      case 'default':
        this.defaultRel = s.rel;
        return;
      case 'org': {
        if (this.orgSeen) throw new EvalErr('program origin redefined', s.range);
        this.orgSeen = s.range;
        const v = this.ev(s.address);
        if (v.r !== 0) throw new EvalErr('`org` needs a constant address', s.address.range);
        if (v.v < 0n || v.v > 0xffff_ffff_ffffn) throw new EvalErr('`org` address out of range', s.address.range);
        this.passOrg = Number(v.v);
        return;
      }
      case 'symbols':
        return this.symbols(s);
      case 'sectalign': {
        if (s.value && this.absolute === undefined) {
          const a = this.count(s.value, '`sectalign`');
          if (a & (a - 1)) throw new EvalErr('section alignment must be a power of two', s.value.range);
          this.cur.align = Math.max(this.cur.align, a);
        }
        return;
      }
      case 'struc': {
        const off = s.offset ? this.ev(s.offset).v : 0n;
        this.strucStack.push({ name: s.name.name, start: off, saved: { sec: this.cur, absolute: this.absolute } });
        this.absolute = off;
        this.define(s.name.name, s.name.range, 'label', undefined, off, 0, true);
        return;
      }
      case 'endstruc': {
        const st = this.strucStack.pop();
        if (!st) throw new EvalErr('`endstruc` without `struc`', s.range);
        this.define(`${st.name}_size`, s.range, 'equ', undefined, (this.absolute ?? 0n) - st.start, 0, true);
        this.cur = st.saved.sec;
        this.absolute = st.saved.absolute;
        return;
      }
      case 'istruc':
        this.istrucStack.push({ name: s.name.name, start: this.position(), range: s.range });
        return;
      case 'at': {
        const st = this.istrucStack[this.istrucStack.length - 1];
        if (!st) throw new EvalErr('`at` outside `istruc`', s.range);
        const field = this.ev(s.field);
        const base = this.lookup(st.name, s.range);
        const pad = field.v - base.v - (this.position() - st.start);
        if (field.k && base.k && pad < 0n) throw new EvalErr('`at` field is before the current position (fields out of order or data too long)', s.field.range);
        if (pad > 0n) this.padZero(Number(pad), s.range);
        this.statement(s.body);
        return;
      }
      case 'iend': {
        const st = this.istrucStack.pop();
        if (!st) throw new EvalErr('`iend` without `istruc`', s.range);
        const size = this.lookup(`${st.name}_size`, s.range);
        const pad = size.v - (this.position() - st.start);
        if (size.k && pad < 0n) throw new EvalErr(`data in \`istruc ${st.name}\` is longer than the structure`, s.range);
        if (pad > 0n) this.padZero(Number(pad), s.range);
        return;
      }
    }
  }

  private padZero(n: number, range: SourceRange): void {
    if (n > MAX_IMAGE_BYTES) throw new EvalErr('padding exceeds the image limit', range);
    this.put(ZERO1, n, 'data', range);
  }

  private times(body: Statement, n: number, range: SourceRange): void {
    // Bodies that do not depend on their address give the same bytes every time: emit once, repeated.
    const simple = (body.kind === 'data' || body.kind === 'instruction') && !this.dependsOnHere(body);
    if (simple || body.kind === 'reserve') {
      if (body.kind === 'instruction' && n > MAX_TIMES_RECORDS) {
        const res = this.encode(body);
        if (!res.ok) throw new EvalErr(res.message, body.range, 'invalid-operands');
        this.put(res.bytes, n, 'data', range);
        return;
      }
      if (body.kind === 'instruction') {
        for (let i = 0; i < n; i++) this.instruction(body, 1);
        return;
      }
      this.statement(body, n);
      return;
    }
    // Address-dependent bodies are assembled once per repetition: bound the work.
    if (n > MAX_TIMES_ITERATIONS) throw new EvalErr(`\`times\` count ${n} is too large for this statement (limit ${MAX_TIMES_ITERATIONS} repetitions)`, range);
    for (let i = 0; i < n; i++) {
      const before = this.position();
      this.statement(body, 1);
      // A body that emits nothing (`times 5 align 4`) cannot grow the output; stop early.
      if (this.position() === before && i > 0 && body.kind !== 'instruction') break;
      if (this.absolute === undefined && this.cur.size > MAX_IMAGE_BYTES) throw new EvalErr('`times` output exceeds the image limit', range);
    }
  }

  private align(s: Extract<Statement, { kind: 'align' }>): void {
    const a = this.count(s.boundary, `\`${s.directive}\``);
    if (a === 0 || a & (a - 1)) throw new EvalErr('alignment must be a power of two', s.boundary.range);
    // NASM's align macro: `sectalign N` then `times (N - ($-$$) % N) % N nop` (or `resb` for alignb).
    if (this.absolute === undefined) this.cur.align = Math.max(this.cur.align, a);
    const pos = this.absolute !== undefined ? this.absolute : BigInt(this.cur.size);
    const pad = Number((BigInt(a) - (pos % BigInt(a))) % BigInt(a));
    if (pad === 0) return;
    if (s.fill) {
      this.times(s.fill, pad, s.range);
      return;
    }
    if (s.directive === 'alignb') this.reserve(pad, s.range);
    else if (this.absolute !== undefined || this.cur.nobits) this.reserve(pad, s.range);
    else this.put(NOP1, pad, 'data', s.range);
  }

  private section(s: Extract<Statement, { kind: 'section' }>): void {
    this.absolute = undefined;
    let sec = this.sections.get(s.name);
    const fresh = !sec;
    if (!sec) {
      sec = { name: s.name, nobits: s.name === '.bss', size: 0, align: DEFAULT_SECTION_ALIGN, range: s.range };
      this.sections.set(s.name, sec);
      this.secOrder.push(sec);
    }
    this.cur = sec;
    for (const a of s.attrs) {
      switch (a.key) {
        case 'progbits':
          sec.nobits = false;
          break;
        case 'nobits':
          sec.nobits = true;
          break;
        case 'exec':
          sec.exec = true;
          break;
        case 'noexec':
          sec.exec = false;
          break;
        case 'alloc':
        case 'noalloc':
        case 'write':
        case 'nowrite':
        case 'private':
        case 'public':
        case 'code':
        case 'text':
        case 'data':
        case 'bss':
        case 'rdata':
        case 'info':
          break;
        case 'align':
        case 'valign': {
          const v = this.count(a.expr!, '`align=`');
          if (v === 0 || v & (v - 1)) throw new EvalErr('section alignment must be a power of two', a.range);
          if (fresh || sec.declaredAlign === undefined) {
            sec.declaredAlign = v;
            sec.align = v;
          }
          break;
        }
        case 'start':
        case 'vstart': {
          const v = this.ev(a.expr!);
          if (v.r !== 0 && v.k) throw new EvalErr(`\`${a.key}=\` needs a constant address`, a.range);
          if (a.key === 'start') sec.start = Number(v.v);
          else sec.vstart = Number(v.v);
          break;
        }
        case 'follows':
          sec.follows = a.ref;
          break;
        case 'vfollows':
          sec.vfollows = a.ref;
          break;
        default:
          this.addDiag(a.range, 'warning', 'unknown-section-attribute', `unknown section attribute \`${a.key}\` ignored`);
      }
    }
  }

  private symbols(s: Extract<Statement, { kind: 'symbols' }>): void {
    if (s.directive === 'global' || s.directive === 'static' || s.directive === 'required') {
      for (const n of s.names) this.globals.add(n.name);
      return;
    }
    if (!this.opts.lint) {
      throw new EvalErr(`\`${s.directive}\` is not supported in a flat binary image (every symbol must be defined in this program)`, s.range, 'unsupported-directive');
    }
    for (const n of s.names) {
      const old = this.syms.get(n.name);
      if (old && old.kind !== 'extern') continue;
      if (old) {
        old.pass = this.pass;
        old.range = n.range;
        continue;
      }
      this.syms.set(n.name, { name: n.name, kind: 'extern', value: 0n, reloc: 0, known: true, pass: this.pass, range: n.range, global: false, version: ++this.symClock });
    }
  }

  private readonly globals = new Set<string>();

  // ------------------------------------------------------------ passes

  private runPass(): void {
    this.passDiags = [];
    this.unknownUses = [];
    this.emitCount = 0;
    this.sections = new Map();
    this.secOrder = [];
    const text: SecState = { name: '.text', nobits: false, size: 0, align: DEFAULT_SECTION_ALIGN, exec: true };
    this.sections.set('.text', text);
    this.secOrder.push(text);
    this.cur = text;
    this.absolute = undefined;
    this.defaultRel = false;
    this.changed = false;
    this.changedAt = undefined;
    this.orgSeen = undefined;
    this.passOrg = DEFAULT_ORG;
    this.strucStack = [];
    this.istrucStack = [];
    const stmts = this.stmts;
    const labels = this.labels;
    for (let i = 0; i < stmts.length; i++) {
      this.curLine = i;
      if (this.absolute !== undefined) {
        this.lineSec = undefined;
        this.lineAbs = this.absolute;
      } else {
        this.lineSec = this.cur;
        this.lineOff = this.cur.size;
      }
      const stmt = stmts[i]!;
      const lab = labels[i];
      if (lab) {
        try {
          if (stmt.kind === 'equ') {
            const v = this.ev(stmt.value);
            this.define(lab.name, lab.range, 'equ', undefined, v.v, v.r, v.k);
            continue;
          }
          if (this.absolute !== undefined) this.define(lab.name, lab.range, 'label', undefined, this.absolute, 0, true);
          else this.define(lab.name, lab.range, 'label', this.cur.name, BigInt(this.cur.size), 1, true);
        } catch (e) {
          if (!(e instanceof EvalErr)) throw e;
          this.addDiag(e.range, 'error', e.code, e.message);
          continue;
        }
      }
      if (stmt.kind === 'none') continue;
      const mark = this.emitCount;
      const size0 = this.cur.size;
      const cur0 = this.cur;
      try {
        this.statement(stmt);
      } catch (e) {
        if (!(e instanceof EvalErr)) throw e;
        this.addDiag(e.range, 'error', e.code, e.message);
        // A bad line assembles as zero bytes (error tolerance): drop what it emitted.
        this.emitCount = mark;
        if (this.cur === cur0) this.cur.size = size0;
      }
    }
    if (this.strucStack.length) {
      const st = this.strucStack[this.strucStack.length - 1]!;
      this.addDiag(this.syms.get(st.name)?.range ?? this.sites[this.sites.length - 1]!, 'error', 'syntax-error', `\`struc ${st.name}\` has no \`endstruc\``);
    }
    for (const st of this.istrucStack) this.addDiag(st.range, 'error', 'syntax-error', `\`istruc ${st.name}\` has no \`iend\``);
  }

  private computeLayout(): LayoutResult {
    const plans: SectionPlan[] = this.secOrder.map((s) => ({
      name: s.name,
      nobits: s.nobits,
      size: s.size,
      align: s.align,
      start: s.start,
      vstart: s.vstart,
      follows: s.follows,
      vfollows: s.vfollows,
      range: s.range,
    }));
    return layoutSections(this.passOrg, plans);
  }

  private layoutEqual(a: LayoutResult, b: LayoutResult): boolean {
    if (a.placed.size !== b.placed.size) return false;
    for (const [k, v] of a.placed) {
      const w = b.placed.get(k);
      if (!w || w.start !== v.start || w.vstart !== v.vstart) return false;
    }
    return true;
  }

  run(): AssembledProgram {
    const maxPasses = Math.max(2, this.opts.maxPasses ?? 64);
    let converged = false;
    for (this.pass = 1; this.pass <= maxPasses; this.pass++) {
      this.runPass();
      const lay = this.computeLayout();
      const same = this.layoutEqual(lay, this.layout) && this.passOrg === this.org;
      if (!same) this.layoutGen++;
      this.layout = lay;
      this.org = this.passOrg;
      this.layoutBases = new Map();
      if (!this.changed && same) {
        converged = true;
        break;
      }
    }
    if (!converged) {
      this.pass = maxPasses;
      this.passDiags.push({
        range: this.changedAt ?? this.sites[0] ?? { file: '', line: 0, start: 0, end: 0 },
        severity: 'error',
        code: 'no-convergence',
        message: `label addresses did not settle after ${maxPasses} passes (sizes keep changing around here)`,
      });
    }
    return this.result();
  }

  private result(): AssembledProgram {
    const diagnostics = [...this.diagnostics, ...this.passDiags];
    const seen = new Set<number>();
    for (const u of this.unknownUses) {
      if (seen.has(u.line)) continue;
      seen.add(u.line);
      const stack = this.stacks[u.line];
      diagnostics.push({
        range: u.range,
        severity: 'error',
        code: 'value-error',
        message: `symbol \`${u.name}\` has no value (its definition depends on itself)`,
        ...(stack && stack.length ? { stack } : {}),
      });
    }
    for (const e of this.layout.errors) {
      diagnostics.push({ range: e.range ?? this.sites[0] ?? { file: '', line: 0, start: 0, end: 0 }, severity: 'error', code: 'section-layout', message: e.message });
    }
    const org = this.org;
    const image = new Uint8Array(Math.max(0, this.layout.imageSize));
    const lines: LineEntry[] = [];
    const instructions: InstructionRecord[] = [];
    // Symbols named by each line's instruction (a line has at most one), shared by its `times` copies.
    const refsByLine: ({ name: string; range: SourceRange }[] | undefined)[] = [];
    for (let e = 0; e < this.emitCount; e++) {
      const em = this.emits[e]!;
      const p = this.layout.placed.get(em.sec.name)!;
      const fileAt = p.start - org + em.offset;
      const addr = p.vstart + em.offset;
      if (em.bytes && fileAt >= 0 && fileAt + em.size <= image.length) {
        if (em.repeat === 1) image.set(em.bytes, fileAt);
        else if (em.bytes.length === 1) image.fill(em.bytes[0]!, fileAt, fileAt + em.size);
        else for (let r = 0; r < em.repeat; r++) image.set(em.bytes, fileAt + r * em.bytes.length);
      }
      const site = this.sites[em.line]!;
      const stack = this.stacks[em.line]!;
      if (em.kind === 'instruction' && em.insn && em.bytes) {
        let refs = refsByLine[em.line];
        if (!refs) {
          refs = [];
          for (const o of em.insn.operands) if (o.kind !== 'reg' && o.expr.kind !== 'num') exprSymbols(o.expr, refs);
          if (refs.length === 0) refs = NO_REFS;
          refsByLine[em.line] = refs;
        }
        const n = em.bytes.length;
        for (let r = 0; r < em.repeat; r++) {
          const a = addr + r * n;
          lines.push({ address: a, size: n, site, stack, kind: 'instruction' });
          instructions.push({
            address: a,
            bytes: em.bytes,
            mnemonic: em.insn.mnemonic,
            prefixes: em.insn.prefixes,
            operands: em.insn.operands,
            site,
            stack,
            section: em.sec.name,
            symbolRefs: refs,
          });
        }
      } else if (em.size > 0) {
        lines.push({ address: addr, size: em.size, site, stack, kind: 'data' });
      }
    }
    const sections: SectionInfo[] = [];
    for (const s of this.secOrder) {
      const p = this.layout.placed.get(s.name)!;
      if (s.name === '.text' && s.size === 0 && !s.range) continue;
      const info: SectionInfo = {
        name: s.name,
        start: p.vstart,
        size: s.size,
        nobits: s.nobits,
        user: s.name.startsWith('.user'),
        exec: s.exec ?? (!s.nobits && (s.name === '.text' || /text$/.test(s.name))),
      };
      if (!s.nobits) info.fileOffset = p.start - org;
      if (s.range) info.range = s.range;
      sections.push(info);
    }
    const symbols = new Map<string, SymbolInfo>();
    for (const d of this.syms.values()) {
      const info: SymbolInfo = { name: d.name, value: this.symValue(d), kind: d.kind, global: this.globals.has(d.name), range: d.range };
      if (d.sec !== undefined) info.section = d.sec;
      symbols.set(d.name, info);
    }
    return { image, org, sections, symbols, lines, instructions, diagnostics, comments: this.comments };
  }
}

/** Encodings shared by identical non-address-dependent instructions (a bounded memo across assemblies). */
const SHARED_ENCODINGS = new Map<string, EncodeResult>();

/** The parts of the operands that are not values: registers, size keywords, flags. */
function operandShape(ops: Operand[]): string {
  let k = '';
  for (const o of ops) {
    if (o.kind === 'reg') k += `r${o.name};`;
    else if (o.kind === 'imm') k += `i${o.size ?? ''}${o.strict ? 's' : ''}${o.jump ?? ''};`;
    else k += `m${o.size ?? ''}${o.segment ?? ''}${o.dispSize ?? ''}${o.nosplit ? 'n' : ''}${o.far ? 'f' : ''}${o.addressing ?? ''};`;
  }
  return k;
}

const ZERO1 = new Uint8Array(1);
const NO_SIG: EncCache['sig'] = [];
/** `symbolRefs` of the many instructions that name no symbol (read-only for consumers). */
const NO_REFS: { name: string; range: SourceRange }[] = Object.freeze([]) as unknown as { name: string; range: SourceRange }[];
const NOP1 = Uint8Array.of(0x90);
const UNIT_NAMES: Record<number, string> = { 1: 'byte', 2: 'word', 4: 'dword', 8: 'qword' };

// Prefix bytes for a line that has prefixes but no mnemonic (`rep`, `lock`, `gs`): Intel SDM Vol. 2A, 2.1.1.
const PREFIX_BYTES: Record<string, number> = {
  lock: 0xf0, rep: 0xf3, repe: 0xf3, repz: 0xf3, repne: 0xf2, repnz: 0xf2, xacquire: 0xf2, xrelease: 0xf3, bnd: 0xf2,
  o16: 0x66, a32: 0x67, cs: 0x2e, ds: 0x3e, es: 0x26, ss: 0x36, fs: 0x64, gs: 0x65, o64: 0x48,
};

function lonePrefixBytes(prefixes: string[]): Uint8Array {
  return Uint8Array.from(prefixes.filter((p) => PREFIX_BYTES[p] !== undefined).map((p) => PREFIX_BYTES[p]!));
}

function specialFloat(e: Expr): { name: string; negative: boolean } | undefined {
  let neg = false;
  let x = e;
  while (x.kind === 'unary' && (x.op === '-' || x.op === '+')) {
    if (x.op === '-') neg = !neg;
    x = x.arg;
  }
  return x.kind === 'sym' && isFloatSpecial(x.name) ? { name: x.name, negative: neg } : undefined;
}

/** Assembles already-preprocessed lines (the LSP reuses its own preprocessing). */
export function assembleLines(lines: PreprocessedLine[], opts: AssembleOptions, preDiagnostics: Diagnostic[] = []): AssembledProgram {
  const a = new Assembly(opts);
  a.diagnostics.push(...preDiagnostics);
  a.parseAll(lines);
  return a.run();
}

/**
 * Preprocesses and assembles `source` (the text of `file`) into the flat image of the design's
 * machine model. Never throws on bad input: problems are located diagnostics.
 */
export function assemble(source: string, file: string, opts: AssembleOptions): AssembledProgram {
  const a = new Assembly(opts);
  const parser = new LineParser();
  // Each line is parsed as the preprocessor produces it: its tokens die young instead of all of
  // them living until a separate parse (time spent in the garbage collector, peak memory).
  const pp = preprocess(source, file, {
    host: opts.host,
    includePaths: opts.includePaths ?? [],
    lint: opts.lint ?? false,
    onLine: (pl) => a.parseLine(parser, pl),
  });
  // Preprocessor diagnostics first, then the parser's (the order assembleLines gives).
  a.diagnostics.unshift(...pp.diagnostics);
  return a.run();
}
