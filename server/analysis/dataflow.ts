// The GS-state walk: path facts (origin, GS base, stack state, saved user RSP, CPL-check and lfence
// bits, interrupt flag, flag-register constants) propagated from every entry over the instruction
// CFG with an iterative worklist. Calls are matched to returns by tabulation: a callee is walked
// once per distinct incoming fact (context-sensitive by state), its exit facts flow back to every
// caller that reached it with that fact. Branches after a CPL test split paths by origin.

import type { EntryInfo } from './types';
import type { GsBase, Origin, StackState } from './types';
import { EFFECT_BIT, type LInsn } from './lower';
import { FLAG_MAX, FLAG_REGISTERS, MAX_CONTEXTS_PER_CALLEE, MAX_FACTS_PER_INSN, MAX_WORK, MSR_GS_BASE, RFLAGS_IF } from './policy';
import type { Program } from './program';

/** One abstract path state. Immutable; `key` identifies it. */
export interface Fact {
  readonly key: string;
  /** Index into the entries list (the first entry that reached this state). */
  entry: number;
  /**
   * What the key uses instead of `entry`: each syscall entry on its own, all interrupt entries
   * together, so 256 stubs jumping to one common handler walk it once per distinct state, not
   * 256 times (findings there name the first stub).
   */
  group: string;
  origin: Origin;
  gs: GsBase;
  /** Instruction index of the swapgs that produced `gs` (-1: the base the entry started with; -2: one of several). */
  gsSite: number;
  /** A CPL (or GS-base) test has decided this path. */
  checked: boolean;
  /** A swapgs ran on this path before any CPL test (reported by swapgs-without-cpl-check). */
  unchecked: boolean;
  /** Last CPL-dependent branch (-1 none) and whether an lfence followed it on this path. */
  cplBranch: number;
  fenced: boolean;
  /** An unfenced gs: access already ran since `cplBranch` (only the first one is reported). */
  gsAfterBranch: boolean;
  stack: StackState;
  /** Where the user RSP was saved ('' not saved), and the instruction that saved it. */
  saved: string;
  savedSite: number;
  /** Instruction that loaded the kernel stack (-1). */
  kstackSite: number;
  /** Candidate offsets of the saved CS slot from RSP ('' unknown), e.g. "8,16". */
  csOff: string;
  /** Register holding a copy of the saved CS ('' none). */
  csReg: string;
  ifl: 'on' | 'off' | 'unknown';
  /** RCX was compared/tested before a conditional branch (canonical check before sysret). */
  rcxChecked: boolean;
  /** EDX holds the high half of IA32_GS_BASE (paranoid entry's rdmsr). */
  probe: boolean;
  /** Small constants in flag registers: "rbx=1,r12=0". */
  flags: string;
}

type FactInit = Omit<Fact, 'key'>;

export function makeFact(f: FactInit): Fact {
  const key = [
    f.group, f.origin, f.gs, f.gsSite, f.checked ? 1 : 0, f.unchecked ? 1 : 0, f.cplBranch, f.fenced ? 1 : 0, f.gsAfterBranch ? 1 : 0, f.stack,
    f.saved, f.savedSite, f.kstackSite, f.csOff, f.csReg, f.ifl, f.rcxChecked ? 1 : 0, f.probe ? 1 : 0, f.flags,
  ].join('|');
  return { ...f, key };
}

function update(f: Fact, changes: Partial<FactInit>): Fact {
  let same = true;
  for (const k in changes) {
    if ((changes as Record<string, unknown>)[k] !== (f as unknown as Record<string, unknown>)[k]) {
      same = false;
      break;
    }
  }
  if (same) return f;
  const { key: _k, ...rest } = f;
  return makeFact({ ...rest, ...changes });
}

export interface WalkResult {
  /**
   * Facts before each instruction, merged over contexts: one per distinct key, the first that
   * reached it. Shared arrays: read-only for callers.
   */
  factsIn: (Fact[] | undefined)[];
  /** First-visit order of instructions (for "first place where ..." reports). */
  order: number[];
  /** CPL-dependent branches with a swapgs on one side (swapgs-speculation). */
  branchesAroundSwapgs: Set<number>;
  /** The walk stopped at the work limit. */
  truncated: boolean;
}

export interface WalkOptions {
  fmaskMasksIf: boolean;
}

const parseFlags = (s: string): Map<string, bigint> => {
  const m = new Map<string, bigint>();
  if (!s) return m;
  for (const part of s.split(',')) {
    const [r, v] = part.split('=');
    m.set(r!, BigInt(v!));
  }
  return m;
};
const showFlags = (m: Map<string, bigint>): string =>
  [...m].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([r, v]) => `${r}=${v}`).join(',');

/** Moves the CS slot offsets after RSP changed by `delta` bytes (a push is -8: the slot gets 8 further). */
export const shiftCs = (csOff: string, delta: number | undefined): string => {
  if (!csOff) return '';
  if (delta === undefined) return '';
  const out: number[] = [];
  for (const s of csOff.split(',')) {
    const v = Number(s) - delta;
    if (v < 0 || v > 4096) return '';
    out.push(v);
  }
  return out.join(',');
};

/** Initial facts of an entry (SDM Vol 3A 6.14.2 for the interrupt frame, Vol 2B SYSCALL for syscall). */
export function entryFacts(entryIndex: number, e: EntryInfo, opts: WalkOptions): Fact[] {
  const common = {
    entry: entryIndex,
    group: e.kind === 'syscall' ? `s${entryIndex}` : 'i',
    gsSite: -1,
    unchecked: false,
    cplBranch: -1,
    fenced: false,
    gsAfterBranch: false,
    saved: '',
    savedSite: -1,
    kstackSite: -1,
    csReg: '',
    rcxChecked: false,
    probe: false,
    flags: '',
  };
  if (e.kind === 'syscall') {
    // SYSCALL leaves RSP and GS untouched and clears the RFLAGS bits set in IA32_FMASK.
    return [makeFact({ ...common, origin: 'user', gs: 'user', checked: true, stack: 'user', csOff: '', ifl: opts.fmaskMasksIf ? 'off' : 'unknown' })];
  }
  // An interrupt or exception pushes SS, RSP, RFLAGS, CS, RIP (and an error code for some vectors),
  // so the saved CS is at [rsp+8] or [rsp+16]. From user mode the CPU switched to the TSS stack.
  return (['user', 'kernel'] as const).map((o) =>
    makeFact({ ...common, origin: o, gs: o, checked: false, stack: 'kernel', csOff: '8,16', ifl: 'unknown' }),
  );
}

/** Applies the non-branch effects of one instruction to a fact. */
export function transfer(p: Program, L: LInsn, f: Fact, entries: readonly EntryInfo[]): Fact {
  if (L.neutral) {
    const w0 = L.regsWritten;
    const touches =
      (f.csReg && w0.has(f.csReg)) ||
      (f.probe && w0.has('rdx')) ||
      (f.saved.startsWith('reg:') && w0.has(f.saved.slice(4))) ||
      (f.cplBranch >= 0 && !f.fenced && !f.gsAfterBranch && (L.kinds & EFFECT_BIT['gs-access']) !== 0);
    if (!touches) return f;
  }
  const c: Partial<FactInit> = {};
  let gs = f.gs;
  let csOff = f.csOff;
  let csReg = f.csReg;
  let stack = f.stack;
  let saved = f.saved;
  let fenced = f.fenced;
  for (const e of L.effects) {
    switch (e.kind) {
      case 'swapgs':
        gs = gs === 'user' ? 'kernel' : gs === 'kernel' ? 'user' : 'unknown';
        c.gsSite = L.index;
        if (!f.checked && entries[f.entry]?.kind === 'interrupt') c.unchecked = true;
        break;
      case 'lfence':
        if (f.cplBranch >= 0) fenced = true;
        break;
      case 'gs-access':
        if (f.cplBranch >= 0 && !fenced) c.gsAfterBranch = true;
        break;
      case 'rsp-adjust':
        csOff = shiftCs(csOff, e.delta);
        break;
      case 'rsp-save':
        if (stack === 'user' && !saved) {
          saved = e.loc;
          c.savedSite = L.index;
        }
        break;
      case 'rsp-write': {
        csOff = '';
        // Loading back from where the user RSP was saved restores it (not in the very instruction
        // that saved it: `xchg rsp, [gs:x]` stores the user RSP and loads the kernel one).
        if (saved && e.loc === saved && c.savedSite !== L.index) stack = 'user';
        else if (e.source === 'gs' || e.source === 'abs') {
          stack = 'kernel';
          c.kstackSite = L.index;
        } else stack = 'unknown';
        break;
      }
      case 'slot-load':
        if (csOff.split(',').includes(String(e.offset))) csReg = e.reg;
        break;
      case 'interrupt-flag': {
        if (e.op === 'sti') c.ifl = 'on';
        else if (e.op === 'cli') c.ifl = 'off';
        else {
          const v = p.consts.popfValues.get(L.index);
          c.ifl = v === undefined ? 'unknown' : v & RFLAGS_IF ? 'on' : 'off';
        }
        break;
      }
      case 'fsgsbase':
        if (e.write && e.gs) gs = 'unknown';
        break;
      case 'wrmsr': {
        const w = p.consts.msrWrites.find((x) => x.index === L.index);
        if (!w || w.ecx === undefined || w.ecx === MSR_GS_BASE) gs = 'unknown';
        break;
      }
      default:
        break;
    }
  }
  // Registers written by this instruction end what we knew about them.
  const w = L.regsWritten;
  if (csReg && w.has(csReg) && !L.effects.some((e) => e.kind === 'slot-load' || (e.kind === 'reg-test' && e.op === 'and' && e.reg === csReg))) csReg = '';
  if (saved.startsWith('reg:') && w.has(saved.slice(4)) && !L.effects.some((e) => e.kind === 'rsp-save')) saved = 'reg-lost';
  let probe = f.probe;
  if (L.effects.some((e) => e.kind === 'rdmsr')) probe = p.consts.msrReads.get(L.index) === MSR_GS_BASE;
  else if (w.has('rdx')) probe = false;
  if (L.flow === 'call' || L.flow === 'icall') probe = false;
  let flags = f.flags;
  if (!flags && FLAG_REGISTERS.some((r) => w.has(r))) {
    // Nothing known yet: only `mov r, imm` / `xor r, r` / `sub r, r` into a flag register (32 or
    // 64 bits) makes a constant; anything else leaves the set empty.
    const o0 = L.ops[0];
    const o1 = L.ops[1];
    const sets =
      o0?.kind === 'reg' && (o0.size === 4 || o0.size === 8) && FLAG_REGISTERS.includes(o0.reg) &&
      ((L.mnemonic === 'mov' && o1?.kind === 'imm' && o1.value <= FLAG_MAX) || ((L.mnemonic === 'xor' || L.mnemonic === 'sub') && o1?.kind === 'reg' && o1.reg === o0.reg));
    if (sets) flags = flagsAfter(L, flags);
  } else if (flags) flags = flagsAfter(L, flags);
  const csRegOut = L.kinds & EFFECT_BIT['rsp-write'] ? '' : c.csReg ?? csReg;
  // Most instructions change nothing: keep the same fact without building a change set.
  const touched =
    (c.gsSite !== undefined && c.gsSite !== f.gsSite) ||
    (c.unchecked !== undefined && c.unchecked !== f.unchecked) ||
    (c.gsAfterBranch !== undefined && c.gsAfterBranch !== f.gsAfterBranch) ||
    (c.savedSite !== undefined && c.savedSite !== f.savedSite) ||
    (c.kstackSite !== undefined && c.kstackSite !== f.kstackSite) ||
    (c.ifl !== undefined && c.ifl !== f.ifl);
  if (!touched && gs === f.gs && csOff === f.csOff && csRegOut === f.csReg && stack === f.stack && saved === f.saved && fenced === f.fenced && probe === f.probe && flags === f.flags) return f;
  return update(f, { ...c, gs, csOff, csReg: csRegOut, stack, saved, fenced, probe, flags });
}

/** Flag-register constants after an instruction (FLAG_REGISTERS; small values only). */
function flagsAfter(L: LInsn, flags: string): string {
  const w = L.regsWritten;
  const m = parseFlags(flags);
  for (const r of FLAG_REGISTERS) {
    if (!w.has(r)) continue;
    const o0 = L.ops[0];
    const o1 = L.ops[1];
    if (o0?.kind === 'reg' && o0.reg === r && (o0.size === 4 || o0.size === 8)) {
      if (L.mnemonic === 'mov' && o1?.kind === 'imm' && o1.value <= FLAG_MAX) m.set(r, o1.value);
      else if ((L.mnemonic === 'xor' || L.mnemonic === 'sub') && o1?.kind === 'reg' && o1.reg === r) m.set(r, 0n);
      else m.delete(r);
    } else m.delete(r);
  }
  return showFlags(m);
}

/** Refines a fact along one side of a conditional branch, or returns undefined when that side is infeasible. */
export function refine(p: Program, branch: LInsn, f: Fact, taken: boolean): Fact | undefined {
  const prevI = branch.index - 1;
  const prev = prevI >= 0 ? p.insns[prevI] : undefined;
  if (!prev || prev.next !== branch.address) return f;
  const cc = branch.cc ?? '';
  // Whether the branch goes when ZF=1 ("equal/zero") on this side.
  const zfSide = cc === 'e' ? taken : cc === 'ne' ? !taken : undefined;
  let c: Partial<FactInit> | undefined;
  for (const e of prev.effects) {
    // CPL test: test/and of the saved CS slot's low two bits, or cmp with a selector (SDM Vol 3A 5.5:
    // the RPL of the saved CS is the CPL of the interrupted code). A test of another slot is not one.
    let isCsTest = false;
    if (e.kind === 'slot-test') {
      const offs = f.csOff ? f.csOff.split(',').map(Number) : undefined;
      // Frame offset unknown (RSP was reloaded, e.g. Linux's switch to the thread stack): a
      // test of any slot's two low bits (`test byte [rsp+CS], 3`) is taken as the CPL test.
      isCsTest = offs ? offs.includes(e.offset) : e.op !== 'cmp' && (e.imm & 3n) === 3n;
    } else if (e.kind === 'reg-test' && f.csReg && e.reg === f.csReg && !e.self) isCsTest = true;
    if (isCsTest && zfSide !== undefined && (e.kind === 'slot-test' || e.kind === 'reg-test')) {
      const imm = e.imm ?? 0n;
      let originIfZf: Origin | undefined;
      if (e.op === 'cmp') originIfZf = (imm & 3n) === 3n ? 'user' : 'kernel';
      else if ((imm & 3n) !== 0n) originIfZf = 'kernel'; // low bits zero: CPL 0
      if (originIfZf) {
        const other: Origin = originIfZf === 'user' ? 'kernel' : 'user';
        const want = zfSide ? originIfZf : other;
        if (f.origin !== want) return undefined;
        c = { checked: true, cplBranch: branch.index, fenced: false, gsAfterBranch: false };
        // The tested slot is the saved CS: the frame layout (error code or not) is now known.
        if (e.kind === 'slot-test' && f.csOff) c.csOff = String(e.offset);
      }
    }
    // Paranoid entry: rdmsr IA32_GS_BASE, test edx,edx, js: a negative (kernel-half) base is the kernel's.
    if (e.kind === 'reg-test' && e.reg === 'rdx' && f.probe && (e.self || (e.op === 'cmp' && e.imm === 0n))) {
      const negIfTaken = cc === 's' || cc === 'l' ? true : cc === 'ns' || cc === 'ge' ? false : undefined;
      if (negIfTaken !== undefined) {
        const kernel = negIfTaken === taken;
        const want: GsBase = kernel ? 'kernel' : 'user';
        if (f.gs !== 'unknown' && f.gs !== want) return undefined;
        c = { gs: want, checked: true, cplBranch: branch.index, fenced: false, gsAfterBranch: false };
      }
    }
    // Flag registers with known constants prune infeasible sides (paranoid exit's `test ebx, ebx`).
    if (e.kind === 'reg-test' && zfSide !== undefined && f.flags) {
      const v = parseFlags(f.flags).get(e.reg);
      if (v !== undefined) {
        const zf = e.self ? v === 0n : e.op === 'cmp' ? v === (e.imm ?? -1n) : (v & (e.imm ?? 0n)) === 0n;
        if (zf !== zfSide) return undefined;
      }
    }
  }
  // A compare involving RCX before a branch: the canonical-address check of the sysret path.
  let readsRcx = false;
  for (let k = Math.max(0, branch.index - 4); k < branch.index; k++) if (p.insns[k]!.regsRead.has('rcx')) readsRcx = true;
  if (!f.rcxChecked && readsRcx) {
    // Within the few instructions before the branch, follow copies of RCX (`mov rax, rcx`).
    const derived = new Set(['rcx']);
    for (let k = Math.max(0, branch.index - 4); k < branch.index; k++) {
      const q = p.insns[k]!;
      const o0 = q.ops[0];
      const o1 = q.ops[1];
      if (/^(cmp|test|bt|shr|sar|shl)$/.test(q.mnemonic) && [...q.regsRead].some((r) => derived.has(r))) {
        c = { ...(c ?? {}), rcxChecked: true };
        break;
      }
      if (q.mnemonic === 'mov' && o0?.kind === 'reg' && o1?.kind === 'reg' && derived.has(o1.reg)) derived.add(o0.reg);
      else for (const r of q.regsWritten) if (r !== 'rcx') derived.delete(r);
    }
  }
  return c ? update(f, c) : f;
}

/**
 * Walks every entry. Iterative: an explicit worklist of (context, instruction, fact); contexts are
 * (callee address, incoming fact) pairs, so deep call chains never grow the JS stack.
 */
export function walk(p: Program, entries: readonly (EntryInfo & { insn: number })[], opts: WalkOptions): WalkResult {
  const n = p.insns.length;
  // Allocation-light bookkeeping: facts are numbered by key once per walk; per instruction the
  // distinct facts (and their numbers) sit in small arrays, and the visited (context, fact)
  // pairs in one number, with a Set only where an instruction is reached in several.
  const factsIn: (Fact[] | undefined)[] = new Array(n);
  // Fact numbers per instruction, parallel to factsIn: the first in a typed array, the others
  // (rare) in a small array.
  const firstId = new Int32Array(n).fill(-1);
  const moreIds: (number[] | undefined)[] = new Array(n);
  const hasId = (i: number, id: number): boolean => firstId[i] === id || (moreIds[i]?.includes(id) ?? false);
  const order: number[] = [];
  const branchesAroundSwapgs = new Set<number>();
  const visitedFirst = new Float64Array(n).fill(-1);
  const visitedMore: (Set<number> | undefined)[] = new Array(n);
  const factIds = new Map<string, number>();
  const idOf = (f: Fact): number => {
    let id = factIds.get(f.key);
    if (id === undefined) {
      id = factIds.size;
      factIds.set(f.key, id);
    }
    return id;
  };
  const seen = (ctx: number, i: number, id: number): boolean => {
    const code = ctx * 4_194_304 + id;
    const v0 = visitedFirst[i]!;
    if (v0 === -1) {
      visitedFirst[i] = code;
      return false;
    }
    if (v0 === code) return true;
    let set = visitedMore[i];
    if (!set) visitedMore[i] = set = new Set();
    if (set.has(code)) return true;
    set.add(code);
    return false;
  };
  // Contexts: 0..entries-1 are roots; others are callee contexts.
  interface Ctx {
    root: boolean;
    callers: { ctx: number; ret: number }[];
    exits: Map<string, Fact>;
  }
  const ctxs: Ctx[] = [];
  const ctxIds = new Map<string, number>();
  const calleeContexts = new Map<number, number>();
  // The worklist as three parallel stacks (no object per item).
  const workCtx: number[] = [];
  const workI: number[] = [];
  const workF: Fact[] = [];
  let truncated = false;
  let steps = 0;
  const push = (ctx: number, i: number, f: Fact) => {
    let id = idOf(f);
    const at = factsIn[i];
    if (!at) {
      // First visit of the instruction (the common case): nothing to merge or bound.
      factsIn[i] = [f];
      firstId[i] = id;
      order.push(i);
      visitedFirst[i] = ctx * 4_194_304 + id;
    } else {
      if (at.length >= MAX_FACTS_PER_INSN && !hasId(i, id)) {
        // Too many path variants here: forget flag-register constants, then which swapgs / stack
        // load / save produced the state (-2: "several"), so the walk stays bounded.
        if (f.flags) {
          f = update(f, { flags: '' });
          id = idOf(f);
        }
        if (!hasId(i, id)) {
          f = update(f, { gsSite: f.gsSite >= 0 ? -2 : f.gsSite, savedSite: f.savedSite >= 0 ? -2 : f.savedSite, kstackSite: f.kstackSite >= 0 ? -2 : f.kstackSite });
          id = idOf(f);
        }
      }
      if (seen(ctx, i, id)) return;
      if (!hasId(i, id)) {
        (moreIds[i] ??= []).push(id);
        at.push(f);
      }
    }
    workCtx.push(ctx);
    workI.push(i);
    workF.push(f);
  };

  // One root context per fact group (each syscall entry; all interrupt entries together), so
  // states shared by many interrupt stubs are walked once.
  const roots = new Map<string, number>();
  entries.forEach((e, k) => {
    for (const f of entryFacts(k, e, opts)) {
      let root = roots.get(f.group);
      if (root === undefined) {
        root = ctxs.length;
        roots.set(f.group, root);
        ctxs.push({ root: true, callers: [], exits: new Map() });
      }
      push(root, e.insn, f);
    }
  });
  const returnTo = (caller: { ctx: number; ret: number }, exit: Fact) => push(caller.ctx, caller.ret, exit);
  const nextIndex = (i: number): number | undefined => (p.nextOf[i]! >= 0 ? p.nextOf[i]! : undefined);
  while (workI.length) {
    if (++steps > MAX_WORK) {
      truncated = true;
      break;
    }
    const ctx = workCtx.pop()!;
    const i = workI.pop()!;
    const f = workF.pop()!;
    const L = p.insns[i]!;
    const g = transfer(p, L, f, entries);
    if (L.kinds & EFFECT_BIT.swapgs && f.cplBranch >= 0) branchesAroundSwapgs.add(f.cplBranch);
    const nx = nextIndex(i);
    switch (L.flow) {
      case 'next':
        if (nx !== undefined) push(ctx, nx, g);
        break;
      case 'jump': {
        const t = L.target !== undefined && !p.externTarget.has(i) ? p.byAddress.get(L.target) : undefined;
        if (t !== undefined) push(ctx, t, g);
        break;
      }
      case 'ijump':
        for (const t of p.indirect.get(i) ?? []) push(ctx, t, g);
        break;
      case 'cond': {
        const t = L.target !== undefined && !p.externTarget.has(i) ? p.byAddress.get(L.target) : undefined;
        if (t !== undefined) {
          const ft = refine(p, L, g, true);
          if (ft) push(ctx, t, ft);
        }
        if (nx !== undefined) {
          const ff = refine(p, L, g, false);
          if (ff) push(ctx, nx, ff);
        }
        break;
      }
      case 'call':
      case 'icall': {
        const targets =
          L.flow === 'call'
            ? L.target !== undefined && p.byAddress.has(L.target) && !p.externTarget.has(i)
              ? [p.byAddress.get(L.target)!]
              : []
            : p.indirect.get(i) ?? [];
        if (targets.length === 0) {
          // extern or unresolved callee: GS-neutral, clobbers the caller-saved registers.
          if (nx !== undefined) push(ctx, nx, update(g, { probe: false, csOff: shiftCs(g.csOff, 8), csReg: ['rbx', 'rbp', 'r12', 'r13', 'r14', 'r15'].includes(g.csReg) ? g.csReg : '' }));
          break;
        }
        for (const t of targets) {
          // transfer already moved the CS slot offset for the pushed return address.
          let entryFact = g;
          let ck = `${t}#${entryFact.key}`;
          let cid = ctxIds.get(ck);
          if (cid === undefined && (calleeContexts.get(t) ?? 0) >= MAX_CONTEXTS_PER_CALLEE) {
            // A callee reached in very many states: analyse it in a coarser one (bounded work).
            entryFact = update(g, { flags: '', gsSite: g.gsSite >= 0 ? -2 : g.gsSite, savedSite: g.savedSite >= 0 ? -2 : g.savedSite, kstackSite: g.kstackSite >= 0 ? -2 : g.kstackSite });
            ck = `${t}#${entryFact.key}`;
            cid = ctxIds.get(ck);
          }
          if (cid === undefined) {
            cid = ctxs.length;
            ctxIds.set(ck, cid);
            ctxs.push({ root: false, callers: [], exits: new Map() });
            calleeContexts.set(t, (calleeContexts.get(t) ?? 0) + 1);
          }
          const cc = ctxs[cid]!;
          if (nx !== undefined && !cc.callers.some((x) => x.ctx === ctx && x.ret === nx)) {
            const caller = { ctx, ret: nx };
            cc.callers.push(caller);
            for (const x of cc.exits.values()) returnTo(caller, x);
          }
          push(cid, t, entryFact);
        }
        break;
      }
      case 'ret': {
        const cc = ctxs[ctx]!;
        if (cc.root) break; // the entry code itself returned: nothing known to return to
        if (!cc.exits.has(g.key)) {
          cc.exits.set(g.key, g);
          for (const caller of cc.callers) returnTo(caller, g);
        }
        break;
      }
      case 'stop':
        break;
    }
  }
  return { factsIn, order, branchesAroundSwapgs, truncated };
}
