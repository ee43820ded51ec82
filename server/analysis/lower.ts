// Lowers each assembled instruction ONCE into a small vocabulary of effects (swapgs, gs access,
// stack use, RSP writes and saves, MSR/CR writes, branches, returns to user ...). The only module
// of the analysis that touches iced-x86; everything after it sees plain TypeScript objects.

import * as iced from 'iced-x86';
import type { InstructionRecord } from '../../emulator/asm/types';
import { FLAG_REGISTERS, PRIVILEGED_MNEMONICS } from './policy';

const { Code, Decoder, DecoderOptions, FlowControl, InstructionInfoFactory, InstructionInfoOptions, Mnemonic, OpAccess, OpKind, Register, ConditionCode } = iced;

/** A 64-bit general-purpose register name (`rax` ... `r15`), or `rip`. */
export type Gpr = string;

export interface MemRef {
  /** Explicit or default segment: `gs` and `fs` matter, everything else is `ds`/`ss`. */
  segment: 'gs' | 'fs' | 'other';
  base?: Gpr;
  index?: Gpr;
  scale: number;
  /** Displacement; for RIP-relative operands the absolute target address. */
  disp: bigint;
  /** No base/index register, or RIP-relative, and not fs/gs: a fixed (global) address. */
  absolute: boolean;
  /** Stable text naming the location, for "saved here, loaded from there" matching. */
  key: string;
}

export type LOperand =
  | { kind: 'reg'; reg: Gpr; size: number; name: string }
  | { kind: 'sreg'; name: string } // segment, control, debug and other non-GPR registers
  | { kind: 'imm'; value: bigint }
  | { kind: 'mem'; mem: MemRef; size: number }
  | { kind: 'branch'; target: number };

export type Flow = 'next' | 'jump' | 'cond' | 'call' | 'ret' | 'ijump' | 'icall' | 'stop';

export type Effect =
  | { kind: 'swapgs' }
  | { kind: 'gs-access' }
  | { kind: 'stack-use'; how: 'push' | 'pop' | 'call' | 'ret' | 'rsp-memory' }
  /** RSP changed relative to itself by `delta` bytes (undefined: by an unknown amount, e.g. `and rsp, -16`). */
  | { kind: 'rsp-adjust'; delta: number | undefined }
  /** RSP replaced: loaded from memory, a register or something else. */
  | { kind: 'rsp-write'; source: 'gs' | 'abs' | 'stack' | 'reg' | 'other'; loc: string }
  /** The current RSP value stored somewhere. */
  | { kind: 'rsp-save'; dest: 'gs' | 'abs' | 'stack' | 'reg' | 'other'; loc: string }
  | { kind: 'wrmsr' }
  | { kind: 'rdmsr' }
  | { kind: 'cr-write'; cr: number; reg?: Gpr }
  | { kind: 'return-to-user'; insn: 'sysret' | 'sysexit' | 'iret' }
  /** test/cmp/and of a stack slot `[rsp+offset]` with an immediate (CPL tests look like this). */
  | { kind: 'slot-test'; op: 'test' | 'cmp' | 'and'; offset: number; imm: bigint }
  /** mov/movzx reg, [rsp+offset]. */
  | { kind: 'slot-load'; reg: Gpr; offset: number }
  /** test/cmp/and of a register with an immediate or itself. */
  | { kind: 'reg-test'; op: 'test' | 'cmp' | 'and'; reg: Gpr; imm?: bigint; self: boolean }
  | { kind: 'lfence' }
  | { kind: 'interrupt-flag'; op: 'sti' | 'cli' | 'popf' }
  | { kind: 'gs-selector-load' }
  /** CPL-0 or IOPL-sensitive instruction (policy list, mov to/from CR/DR, or iced's privileged flag). */
  | { kind: 'privileged'; what: string }
  | { kind: 'fsgsbase'; write: boolean; gs: boolean };

export interface LInsn {
  index: number;
  address: number;
  next: number;
  /** iced's mnemonic, lowercase (`sysretq`, `mov`, `swapgs`). */
  mnemonic: string;
  /** iced's Code name (`Sysretd`, `Mov_r64_rm64` ...), for exact forms. */
  code: string;
  flow: Flow;
  /** Condition code name for `cond` branches (`e`, `ne`, `s`, `ns`, `l`, `ge` ...). */
  cc?: string;
  /** Direct branch / call target. */
  target?: number;
  ops: LOperand[];
  effects: Effect[];
  regsRead: Set<Gpr>;
  regsWritten: Set<Gpr>;
  privileged: boolean;
  invalid: boolean;
  /**
   * No effect that changes a path fact by itself (only the registers it writes may matter):
   * lets the walk skip rebuilding facts for most instructions.
   */
  neutral: boolean;
  /** Bit set of the effect kinds present (`EFFECT_BIT[kind]`): hot paths test it instead of scanning `effects`. */
  kinds: number;
}

/** One bit per effect kind, for `LInsn.kinds`. */
export const EFFECT_BIT: Readonly<Record<Effect['kind'], number>> = {
  swapgs: 1 << 0,
  'gs-access': 1 << 1,
  'stack-use': 1 << 2,
  'rsp-adjust': 1 << 3,
  'rsp-write': 1 << 4,
  'rsp-save': 1 << 5,
  wrmsr: 1 << 6,
  rdmsr: 1 << 7,
  'cr-write': 1 << 8,
  'return-to-user': 1 << 9,
  'slot-test': 1 << 10,
  'slot-load': 1 << 11,
  'reg-test': 1 << 12,
  lfence: 1 << 13,
  'interrupt-flag': 1 << 14,
  'gs-selector-load': 1 << 15,
  privileged: 1 << 16,
  fsgsbase: 1 << 17,
};

const STATE_EFFECTS: ReadonlySet<Effect['kind']> = new Set([
  'swapgs', 'lfence', 'rsp-adjust', 'rsp-save', 'rsp-write', 'slot-load', 'interrupt-flag', 'fsgsbase', 'wrmsr', 'rdmsr',
]);


const GPR_NAMES: Record<string, Gpr> = {};
(() => {
  const legacy: [string, string[]][] = [
    ['rax', ['AL', 'AH', 'AX', 'EAX', 'RAX']],
    ['rcx', ['CL', 'CH', 'CX', 'ECX', 'RCX']],
    ['rdx', ['DL', 'DH', 'DX', 'EDX', 'RDX']],
    ['rbx', ['BL', 'BH', 'BX', 'EBX', 'RBX']],
    ['rsp', ['SPL', 'SP', 'ESP', 'RSP']],
    ['rbp', ['BPL', 'BP', 'EBP', 'RBP']],
    ['rsi', ['SIL', 'SI', 'ESI', 'RSI']],
    ['rdi', ['DIL', 'DI', 'EDI', 'RDI']],
  ];
  for (const [full, names] of legacy) for (const n of names) GPR_NAMES[n] = full;
  for (let r = 8; r <= 15; r++) for (const s of ['L', 'W', 'D', '']) GPR_NAMES[`R${r}${s}`] = `r${r}`;
  GPR_NAMES['RIP'] = 'rip';
  GPR_NAMES['EIP'] = 'rip';
})();

function regName(r: number): string {
  return (Register as unknown as Record<number, string>)[r] ?? '';
}
function gpr(r: number): Gpr | undefined {
  return GPR_NAMES[regName(r)];
}
function regSize(name: string): number {
  if (/^(R\d+L|[A-D]L|[A-D]H|SPL|BPL|SIL|DIL)$/.test(name)) return 1;
  if (/^(R\d+W|[A-D]X|SP|BP|SI|DI)$/.test(name)) return 2;
  if (/^(R\d+D|E[A-Z]{2})$/.test(name)) return 4;
  return 8;
}

const enumName = (e: unknown, v: number): string => ((e as Record<number, string>)[v] ?? '').toLowerCase();

function memRef(ins: iced.Instruction): MemRef {
  const segReg = regName(ins.memorySegment);
  const segment = segReg === 'GS' ? 'gs' : segReg === 'FS' ? 'fs' : 'other';
  let base = ins.memoryBase === Register.None ? undefined : gpr(ins.memoryBase);
  const index = ins.memoryIndex === Register.None ? undefined : gpr(ins.memoryIndex);
  let disp = BigInt.asUintN(64, ins.memoryDisplacement);
  if (base === 'rip') {
    disp = ins.memoryDisplacement; // iced resolves RIP-relative displacements to the target address
    base = undefined;
  }
  const absolute = !base && !index && segment === 'other';
  const parts: string[] = [];
  if (base) parts.push(base);
  if (index) parts.push(`${index}*${ins.memoryIndexScale}`);
  parts.push(`0x${disp.toString(16)}`);
  const key = `${segment === 'other' ? (absolute ? 'abs' : 'mem') : segment}:${parts.join('+')}`;
  return { segment, base, index, scale: ins.memoryIndexScale, disp, absolute, key };
}

function slotOffset(m: MemRef): number | undefined {
  if (m.base !== 'rsp' || m.index || m.segment !== 'other') return undefined;
  return Number(BigInt.asIntN(64, m.disp));
}

function locKind(m: MemRef): 'gs' | 'abs' | 'stack' | 'other' {
  if (m.segment === 'gs') return 'gs';
  if (m.absolute) return 'abs';
  if (m.base === 'rsp' || m.base === 'rbp') return 'stack';
  return 'other';
}

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));

/**
 * Cache key of an instruction's bytes: a number for up to 6 bytes (length in the top bits), the
 * hex string for longer ones. No string is built for most instructions.
 */
function bytesKey(bytes: Uint8Array): number | string {
  const n = bytes.length;
  if (n <= 6) {
    let v = 0;
    for (let k = 0; k < n; k++) v = v * 256 + bytes[k]!;
    return v + n * 281_474_976_710_656; // n * 2^48
  }
  let h = '';
  for (let k = 0; k < n; k++) h += HEX[bytes[k]!];
  return h;
}

/** Key of bytes at one address (number and hex keys kept apart). */
const atKey = (bk: number | string, address: number): string => `${typeof bk === 'number' ? 'n' : 'x'}${bk}@${address}`;

/** A lowered form and, for a near branch, its target relative to the instruction's address. */
interface CacheEntry {
  L: LInsn;
  rel: number | undefined;
}

/**
 * Lowered forms memoised by instruction bytes. A near branch is cached position-independently
 * (its target relative to the instruction) and relocated on reuse; only RIP-relative memory
 * operands, whose lowering holds absolute addresses, are keyed by bytes@address. Re-linting after
 * an edit that moves the code after it then decodes only the instructions that changed; entries
 * are immutable and shared. Bounded: when it holds much more than the last program needed
 * (stale addresses after edits), it keeps only what that program used.
 */
let CACHE = new Map<number | string, CacheEntry>();
const ADDRESS_DEPENDENT = new Set<number | string>();
const CACHE_SLACK = 20_000;
/** The last program's lowered instructions and their keys, by position. */
let PREV_OUT: readonly LInsn[] = [];
let PREV_KEYS: readonly (number | string)[] = [];

/** The cached form placed at `index`/`address` (the entry itself when it already is). */
function place(c: CacheEntry, index: number, address: number, size: number): LInsn {
  const L = c.L;
  if (L.index === index && L.address === address) return L;
  if (c.rel === undefined) return { ...L, index, address, next: address + size };
  const target = address + c.rel;
  return {
    ...L,
    index,
    address,
    next: address + size,
    target,
    ops: L.ops.map((o) => (o.kind === 'branch' ? { kind: 'branch', target } : o)),
  };
}

/**
 * Near branch forms by their bytes without the trailing displacement (rel8 or rel32, the last
 * field of every near jmp/jcc/call/loop encoding, SDM Vol 2A 2.1): 1,000 calls to 1,000 helpers
 * differ only there and are decoded once.
 */
const BRANCH_FORMS = new Map<string, LInsn>();

const signedTail = (b: Uint8Array, d: number): number => {
  const n = b.length;
  if (d === 1) return (b[n - 1]! << 24) >> 24;
  return (b[n - 4]! | (b[n - 3]! << 8) | (b[n - 2]! << 16) | (b[n - 1]! << 24)) | 0;
};
const formKey = (b: Uint8Array, d: number): string => `${bytesKey(b.subarray(0, b.length - d))}/${d}`;

function learnBranchForm(rec: InstructionRecord, L: LInsn): void {
  const b = rec.bytes;
  const disp = L.target! - L.next;
  // rel32 first: `call next` (E8 00 00 00 00) also ends in a zero byte.
  for (const d of [4, 1]) {
    if (b.length > d && signedTail(b, d) === disp) {
      if (BRANCH_FORMS.size < 4096) BRANCH_FORMS.set(formKey(b, d), L);
      return;
    }
  }
}

function fromBranchForm(rec: InstructionRecord, index: number): CacheEntry | undefined {
  const b = rec.bytes;
  for (const d of [4, 1]) {
    if (b.length <= d) continue;
    const T = BRANCH_FORMS.get(formKey(b, d));
    if (!T || T.next - T.address !== b.length) continue;
    const size = b.length;
    const target = rec.address + size + signedTail(b, d);
    // Always a copy: the form's own instruction has other displacement bytes, even when it sat
    // at this very index and address in an earlier program.
    const L: LInsn = { ...T, index, address: rec.address, next: rec.address + size, target, ops: T.ops.map((o) => (o.kind === 'branch' ? { kind: 'branch', target } : o)) };
    return { L, rel: target - rec.address };
  }
  return undefined;
}

/**
 * Decodes every instruction not in the cache with one reusable decoder over a buffer of their
 * bytes, and lowers it. WASM handles are freed before returning.
 */
export function lowerProgram(records: readonly InstructionRecord[]): LInsn[] {
  const out: LInsn[] = new Array(records.length);
  const misses: { i: number; key: number | string; offset: number }[] = [];
  const keys: (number | string)[] = new Array(records.length);
  let total = 0;
  for (let i = 0; i < records.length; i++) {
    const rec = records[i]!;
    const bk = bytesKey(rec.bytes);
    const key = ADDRESS_DEPENDENT.has(bk) ? atKey(bk, rec.address) : bk;
    keys[i] = key;
    // Same bytes at the same place as in the previous program (code before an edit): reuse
    // that instruction object as it is.
    const prev = PREV_OUT[i];
    if (prev && PREV_KEYS[i] === key && prev.address === rec.address) {
      out[i] = prev;
      continue;
    }
    const hit = CACHE.get(key);
    if (hit) out[i] = place(hit, i, rec.address, rec.bytes.length);
    else {
      misses.push({ i, key: bk, offset: total });
      total += rec.bytes.length;
    }
  }
  if (misses.length) decodeMisses(records, misses, keys, out, total);
  PREV_OUT = out;
  PREV_KEYS = keys;
  if (CACHE.size > 2 * records.length + CACHE_SLACK) {
    const kept = new Map<number | string, CacheEntry>();
    for (let i = 0; i < records.length; i++) {
      const c = CACHE.get(keys[i]!);
      if (c) kept.set(keys[i]!, c);
    }
    CACHE = kept;
  }
  return out;
}

function decodeMisses(
  records: readonly InstructionRecord[],
  misses: { i: number; key: number | string; offset: number }[],
  keys: (number | string)[],
  out: LInsn[],
  total: number,
): void {
  const buf = new Uint8Array(total + 16);
  for (const m of misses) buf.set(records[m.i]!.bytes, m.offset);
  const decoder = new Decoder(64, buf, DecoderOptions.None);
  const ins = new iced.Instruction();
  const factory = new InstructionInfoFactory();
  try {
    for (const m of misses) {
      const rec = records[m.i]!;
      // The same bytes twice in this program: the first decode serves both.
      const again = CACHE.get(keys[m.i]!);
      if (again) {
        out[m.i] = place(again, m.i, rec.address, rec.bytes.length);
        continue;
      }
      // A near branch whose bytes other than the displacement were seen: relocate that one.
      const relocated = fromBranchForm(rec, m.i);
      if (relocated) {
        CACHE.set(keys[m.i]!, relocated);
        out[m.i] = relocated.L;
        continue;
      }
      decoder.position = m.offset;
      decoder.ip = BigInt(rec.address);
      decoder.decodeOut(ins);
      const L = lowerOne(m.i, rec, ins, factory);
      // A near branch relocates; anything else holding an absolute address (RIP-relative
      // operands, far branches) is cached at its address only.
      const nearOnly = L.target !== undefined && L.ops.some((o) => o.kind === 'branch' && o.target === L.target);
      const dependent = (L.target !== undefined && !nearOnly) || (!L.invalid && ins.isIpRelMemoryOperand);
      if (dependent) ADDRESS_DEPENDENT.add(m.key);
      keys[m.i] = dependent ? atKey(m.key, rec.address) : m.key;
      CACHE.set(keys[m.i]!, { L, rel: nearOnly && !dependent ? L.target! - rec.address : undefined });
      if (nearOnly && !dependent) learnBranchForm(rec, L);
      out[m.i] = L;
    }
  } finally {
    ins.free();
    factory.free();
    decoder.free();
  }
}

function lowerOne(index: number, rec: InstructionRecord, ins: iced.Instruction, factory: iced.InstructionInfoFactory): LInsn {
  const address = rec.address;
  const base: LInsn = {
    index,
    address,
    next: address + rec.bytes.length,
    mnemonic: '',
    code: '',
    flow: 'next',
    ops: [],
    effects: [],
    regsRead: new Set(),
    regsWritten: new Set(),
    privileged: false,
    invalid: true,
    neutral: true,
    kinds: 0,
  };
  if (rec.bytes.length === 0 || ins.isInvalid || ins.length !== rec.bytes.length) {
    // Data emitted in a code section, or bytes iced cannot decode: no effects, falls through.
    return base;
  }
  const mn = ins.mnemonic;
  const L: LInsn = {
    ...base,
    mnemonic: enumName(Mnemonic, mn),
    code: (Code as unknown as Record<number, string>)[ins.code] ?? '',
    invalid: false,
    privileged: ins.isPrivileged,
  };
  // Operands.
  for (let k = 0; k < ins.opCount; k++) {
    const kind = ins.opKind(k);
    if (kind === OpKind.Register) {
      const r = ins.opRegister(k);
      const g = gpr(r);
      const name = regName(r);
      L.ops.push(g ? { kind: 'reg', reg: g, size: regSize(name), name: name.toLowerCase() } : { kind: 'sreg', name: name.toLowerCase() });
    } else if (kind === OpKind.Memory) {
      L.ops.push({ kind: 'mem', mem: memRef(ins), size: 0 });
    } else if (kind === OpKind.NearBranch64 || kind === OpKind.NearBranch32 || kind === OpKind.NearBranch16) {
      L.ops.push({ kind: 'branch', target: Number(ins.nearBranchTarget) });
    } else if (
      kind === OpKind.Immediate8 ||
      kind === OpKind.Immediate16 ||
      kind === OpKind.Immediate32 ||
      kind === OpKind.Immediate64 ||
      kind === OpKind.Immediate8to16 ||
      kind === OpKind.Immediate8to32 ||
      kind === OpKind.Immediate8to64 ||
      kind === OpKind.Immediate32to64 ||
      kind === OpKind.Immediate8_2nd
    ) {
      L.ops.push({ kind: 'imm', value: BigInt.asUintN(64, ins.immediate(k)) });
    } else {
      L.ops.push({ kind: 'sreg', name: enumName(OpKind, kind) });
    }
  }
  // Registers read and written (iced's instruction info; memory-address registers count as read).
  // Memory usage is not requested: the explicit operand says whether [rsp] is used, and implicit
  // stack accesses are iced's isStackInstruction.
  const info = factory.infoOptions(ins, InstructionInfoOptions.NoMemoryUsage);
  const used = info.usedRegisters() as iced.UsedRegister[];
  for (const u of used) {
    const g = gpr(u.register);
    const a = u.access;
    if (g) {
      if (a === OpAccess.Read || a === OpAccess.CondRead || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite) L.regsRead.add(g);
      if (a === OpAccess.Write || a === OpAccess.CondWrite || a === OpAccess.ReadWrite || a === OpAccess.ReadCondWrite) L.regsWritten.add(g);
    }
    u.free();
  }
  info.free();
  const rspMemory = L.ops.some((o) => o.kind === 'mem' && o.mem.base === 'rsp');

  // Flow control.
  switch (ins.flowControl) {
    case FlowControl.UnconditionalBranch:
      L.flow = 'jump';
      L.target = Number(ins.nearBranchTarget);
      if (ins.isJmpFar) L.flow = 'stop';
      break;
    case FlowControl.ConditionalBranch:
      L.flow = 'cond';
      L.target = Number(ins.nearBranchTarget);
      L.cc = enumName(ConditionCode, ins.conditionCode);
      break;
    case FlowControl.Call:
      L.flow = 'call';
      L.target = Number(ins.nearBranchTarget);
      break;
    case FlowControl.IndirectCall:
      L.flow = 'icall';
      break;
    case FlowControl.IndirectBranch:
      L.flow = 'ijump';
      break;
    case FlowControl.Return:
      L.flow = mn === Mnemonic.Ret ? 'ret' : 'stop';
      break;
    case FlowControl.Interrupt:
      // int3/int n/into continue after the handler; ud0/ud2 and friends below stop.
      L.flow = 'next';
      break;
    case FlowControl.Exception:
      L.flow = 'stop';
      break;
    default:
      L.flow = 'next';
  }
  // hlt resumes after an interrupt, but code after a final hlt is usually the next function:
  // treat it as the end of the path.
  if (mn === Mnemonic.Hlt) L.flow = 'stop';
  lowerEffects(L, ins, rspMemory);
  for (const e of L.effects) L.kinds |= EFFECT_BIT[e.kind];
  L.neutral =
    !L.effects.some((e) => STATE_EFFECTS.has(e.kind)) &&
    !FLAG_REGISTERS.some((r) => L.regsWritten.has(r)) &&
    L.flow !== 'call' &&
    L.flow !== 'icall' &&
    L.mnemonic !== 'syscall';
  return L;
}

function lowerEffects(L: LInsn, ins: iced.Instruction, rspMemory: boolean): void {
  const mn = ins.mnemonic;
  const E = L.effects;
  const op0 = L.ops[0];
  const op1 = L.ops[1];
  const memOp = L.ops.find((o): o is Extract<LOperand, { kind: 'mem' }> => o.kind === 'mem');
  if (mn === Mnemonic.Swapgs) E.push({ kind: 'swapgs' });
  if (memOp && memOp.mem.segment === 'gs' && mn !== Mnemonic.Lea) E.push({ kind: 'gs-access' });
  if (mn === Mnemonic.Lfence) E.push({ kind: 'lfence' });
  if (mn === Mnemonic.Wrmsr) E.push({ kind: 'wrmsr' });
  if (mn === Mnemonic.Rdmsr) E.push({ kind: 'rdmsr' });
  if (mn === Mnemonic.Sti) E.push({ kind: 'interrupt-flag', op: 'sti' });
  if (mn === Mnemonic.Cli) E.push({ kind: 'interrupt-flag', op: 'cli' });
  if (mn === Mnemonic.Popf || mn === Mnemonic.Popfq) E.push({ kind: 'interrupt-flag', op: 'popf' });
  if (mn === Mnemonic.Sysret || mn === Mnemonic.Sysretq) E.push({ kind: 'return-to-user', insn: 'sysret' });
  if (mn === Mnemonic.Sysexit || mn === Mnemonic.Sysexitq) E.push({ kind: 'return-to-user', insn: 'sysexit' });
  if (mn === Mnemonic.Iretq || mn === Mnemonic.Iret || mn === Mnemonic.Iretd) E.push({ kind: 'return-to-user', insn: 'iret' });
  if (mn === Mnemonic.Rdgsbase || mn === Mnemonic.Wrgsbase || mn === Mnemonic.Rdfsbase || mn === Mnemonic.Wrfsbase)
    E.push({ kind: 'fsgsbase', write: mn === Mnemonic.Wrgsbase || mn === Mnemonic.Wrfsbase, gs: mn === Mnemonic.Rdgsbase || mn === Mnemonic.Wrgsbase });
  // Selector loads into GS: mov gs, r/m; pop gs; lgs (SDM Vol 3A 3.4.4: loading GS in 64-bit mode
  // loads the hidden base from the descriptor, i.e. zeroes the upper 32 bits of gs.base).
  if ((mn === Mnemonic.Mov && op0?.kind === 'sreg' && op0.name === 'gs') || (mn === Mnemonic.Pop && op0?.kind === 'sreg' && op0.name === 'gs') || mn === Mnemonic.Lgs)
    E.push({ kind: 'gs-selector-load' });
  const crdr = mn === Mnemonic.Mov && L.ops.some((o) => o.kind === 'sreg' && /^(cr|dr)\d+$/.test(o.name));
  if (crdr || PRIVILEGED_MNEMONICS.has(L.mnemonic) || L.privileged)
    E.push({ kind: 'privileged', what: crdr ? 'mov to/from a control or debug register' : L.mnemonic });
  // Control registers.
  if (mn === Mnemonic.Mov && op0?.kind === 'sreg' && /^cr\d+$/.test(op0.name))
    E.push({ kind: 'cr-write', cr: Number(op0.name.slice(2)), reg: op1?.kind === 'reg' ? op1.reg : undefined });

  // Stack use: implicit (push/pop/call/ret...) or an explicit [rsp+...] operand.
  const isLea = mn === Mnemonic.Lea;
  if (ins.isStackInstruction) {
    const how = L.flow === 'call' || L.flow === 'icall' ? 'call' : L.flow === 'ret' ? 'ret' : ins.stackPointerIncrement < 0 ? 'push' : 'pop';
    E.push({ kind: 'stack-use', how });
  } else if (rspMemory && !isLea) {
    E.push({ kind: 'stack-use', how: 'rsp-memory' });
  }

  // RSP writes.
  const writesRsp = L.regsWritten.has('rsp');
  if (ins.isStackInstruction && !(op0?.kind === 'reg' && op0.reg === 'rsp' && mn === Mnemonic.Pop)) {
    E.push({ kind: 'rsp-adjust', delta: ins.stackPointerIncrement });
  } else if (writesRsp && op0?.kind === 'reg' && op0.reg === 'rsp') {
    if ((mn === Mnemonic.Add || mn === Mnemonic.Sub) && op1?.kind === 'imm') {
      const v = Number(BigInt.asIntN(64, op1.value));
      E.push({ kind: 'rsp-adjust', delta: mn === Mnemonic.Add ? v : -v });
    } else if (isLea && memOp && memOp.mem.base === 'rsp' && !memOp.mem.index) {
      E.push({ kind: 'rsp-adjust', delta: Number(BigInt.asIntN(64, memOp.mem.disp)) });
    } else if (mn === Mnemonic.And || mn === Mnemonic.Or || mn === Mnemonic.Add || mn === Mnemonic.Sub) {
      E.push({ kind: 'rsp-adjust', delta: undefined });
    } else if (mn === Mnemonic.Pop) {
      E.push({ kind: 'rsp-write', source: 'stack', loc: 'stack' });
    } else if ((mn === Mnemonic.Mov || mn === Mnemonic.Xchg) && op1?.kind === 'mem') {
      // xchg stores the old RSP before loading the new one: the save comes first.
      const k = locKind(op1.mem);
      if (mn === Mnemonic.Xchg) E.push({ kind: 'rsp-save', dest: k, loc: op1.mem.key });
      E.push({ kind: 'rsp-write', source: k, loc: op1.mem.key });
    } else if ((mn === Mnemonic.Mov || mn === Mnemonic.Xchg) && op1?.kind === 'reg') {
      if (mn === Mnemonic.Xchg) E.push({ kind: 'rsp-save', dest: 'reg', loc: `reg:${op1.reg}` });
      E.push({ kind: 'rsp-write', source: 'reg', loc: `reg:${op1.reg}` });
    } else {
      E.push({ kind: 'rsp-write', source: 'other', loc: 'other' });
    }
  } else if (writesRsp && mn === Mnemonic.Xchg && op1?.kind === 'reg' && op1.reg === 'rsp' && op0) {
    if (op0.kind === 'mem') {
      const k = locKind(op0.mem);
      E.push({ kind: 'rsp-save', dest: k, loc: op0.mem.key }, { kind: 'rsp-write', source: k, loc: op0.mem.key });
    } else if (op0.kind === 'reg') {
      E.push({ kind: 'rsp-save', dest: 'reg', loc: `reg:${op0.reg}` }, { kind: 'rsp-write', source: 'reg', loc: `reg:${op0.reg}` });
    }
  } else if (writesRsp && L.flow !== 'call' && L.flow !== 'icall' && L.flow !== 'ret') {
    E.push({ kind: 'rsp-write', source: 'other', loc: 'other' });
  }
  // RSP saves: mov [m], rsp / mov reg, rsp (a copy of the whole 64-bit RSP).
  if (mn === Mnemonic.Mov && op1?.kind === 'reg' && op1.reg === 'rsp' && op1.size === 8 && op0) {
    if (op0.kind === 'mem') E.push({ kind: 'rsp-save', dest: locKind(op0.mem), loc: op0.mem.key });
    else if (op0.kind === 'reg') E.push({ kind: 'rsp-save', dest: 'reg', loc: `reg:${op0.reg}` });
  }
  if (mn === Mnemonic.Push && op0?.kind === 'reg' && op0.reg === 'rsp') E.push({ kind: 'rsp-save', dest: 'stack', loc: 'stack' });

  // Tests of stack slots and registers (CPL tests, GS-base probes, flag registers).
  if ((mn === Mnemonic.Test || mn === Mnemonic.Cmp || mn === Mnemonic.And) && op0) {
    const op = mn === Mnemonic.Test ? 'test' : mn === Mnemonic.Cmp ? 'cmp' : 'and';
    if (op0.kind === 'mem' && op1?.kind === 'imm') {
      const off = slotOffset(op0.mem);
      if (off !== undefined) E.push({ kind: 'slot-test', op, offset: off, imm: op1.value });
    } else if (op0.kind === 'reg') {
      if (op1?.kind === 'imm') E.push({ kind: 'reg-test', op, reg: op0.reg, imm: op1.value, self: false });
      else if (op1?.kind === 'reg' && op1.reg === op0.reg && op !== 'cmp') E.push({ kind: 'reg-test', op, reg: op0.reg, self: true });
    }
  }
  if ((mn === Mnemonic.Mov || mn === Mnemonic.Movzx || mn === Mnemonic.Movsx || mn === Mnemonic.Movsxd) && op0?.kind === 'reg' && op1?.kind === 'mem') {
    const off = slotOffset(op1.mem);
    if (off !== undefined) E.push({ kind: 'slot-load', reg: op0.reg, offset: off });
  }
}

/** The memory operand of an instruction, if any. */
export function memOperand(L: LInsn): MemRef | undefined {
  for (const o of L.ops) if (o.kind === 'mem') return o.mem;
  return undefined;
}
