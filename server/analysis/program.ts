// The program as the analysis sees it: lowered instructions, address maps, code labels, tables
// of label addresses in data, resolved indirect branch targets and the constant facts.

import type { AssembledProgram, InstructionRecord, SourceRange, SymbolInfo } from '../../emulator/asm/types';
import { propagateConstants, type ConstFacts } from './constprop';
import { lowerProgram, type LInsn } from './lower';

export interface Program {
  source: AssembledProgram;
  records: readonly InstructionRecord[];
  insns: LInsn[];
  /** Address -> instruction index (first instruction at that address). */
  byAddress: Map<number, number>;
  /** Code labels (labels at an instruction's address), by address; first non-local label preferred. */
  labelAt: Map<number, SymbolInfo>;
  /** Every label by address (several can share one). */
  labelsAt: Map<number, SymbolInfo[]>;
  consts: ConstFacts;
  /** Addresses of code labels stored as 64-bit values in data, with where. */
  tableRefs: Map<number, SourceRange>;
  /** Code label addresses used as values by instructions other than direct call/jmp. */
  addressTaken: Map<number, SourceRange>;
  /** Indirect call/jump instruction index -> possible targets (instruction indexes). */
  indirect: Map<number, number[]>;
  /** Instructions whose direct branch/call target is an `extern` placeholder (lint mode): not followed. */
  externTarget: Set<number>;
  /**
   * Intra-procedural successors (calls fall through), computed once, in compressed form: those
   * of instruction i are succList[succStart[i] .. succStart[i + 1]).
   */
  succStart: Int32Array;
  succList: Int32Array;
  /** Fall-through instruction index, -1 when the next address holds no instruction. */
  nextOf: Int32Array;
  /** Sections by name. */
  userSection: (name: string) => boolean;
  hasExterns: boolean;
  /** Human line number (1-based) of an instruction's site. */
  lineOf(i: number): number;
  site(i: number): SourceRange;
}

const MAX_TABLE = 4096;

export function buildProgram(source: AssembledProgram): Program {
  const records = source.instructions;
  const insns = lowerProgram(records);
  const byAddress = new Map<number, number>();
  insns.forEach((L, i) => {
    if (!byAddress.has(L.address)) byAddress.set(L.address, i);
  });
  const branchTargets = new Set<number>();
  for (const L of insns) if (L.target !== undefined && (L.flow === 'jump' || L.flow === 'cond')) branchTargets.add(L.target);
  const labelsAt = new Map<number, SymbolInfo[]>();
  const labelAt = new Map<number, SymbolInfo>();
  let hasExterns = false;
  for (const s of source.symbols.values()) {
    if (s.kind === 'extern') hasExterns = true;
    if (s.kind !== 'label') continue;
    const a = Number(s.value);
    if (!Number.isSafeInteger(a)) continue;
    const list = labelsAt.get(a) ?? [];
    list.push(s);
    labelsAt.set(a, list);
    if (!byAddress.has(a)) continue;
    const cur = labelAt.get(a);
    const local = (n: string) => n.includes('.') || n.startsWith('..@');
    if (!cur || (local(cur.name) && !local(s.name))) labelAt.set(a, s);
    branchTargets.add(a);
  }
  const consts = propagateConstants(insns, branchTargets);
  const userSections = new Set(source.sections.filter((s) => s.user).map((s) => s.name));

  // Label addresses stored in data (tables of entry points / function pointers): 64-bit values
  // in data lines, read from the image.
  const tableRefs = new Map<number, SourceRange>();
  const readQ = (addr: number): number | undefined => {
    const off = addr - source.org;
    if (off < 0 || off + 8 > source.image.length) return undefined;
    let v = 0n;
    for (let k = 7; k >= 0; k--) v = (v << 8n) | BigInt(source.image[off + k]!);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : undefined;
  };
  for (const line of source.lines) {
    if (line.kind !== 'data' || line.size < 8) continue;
    for (let a = line.address; a + 8 <= line.address + line.size && a - line.address < 8 * MAX_TABLE; a += 8) {
      const v = readQ(a);
      if (v !== undefined && v !== 0 && labelAt.has(v) && !tableRefs.has(v)) tableRefs.set(v, line.site);
    }
  }
  // Addresses taken by instructions: a symbol reference that is not the direct target of the
  // instruction's own call/jmp.
  const addressTaken = new Map<number, SourceRange>();
  records.forEach((r, i) => {
    const L = insns[i]!;
    for (const ref of r.symbolRefs) {
      const s = source.symbols.get(ref.name);
      if (!s || s.kind !== 'label') continue;
      const a = Number(s.value);
      if (!labelAt.has(a)) continue;
      if ((L.flow === 'jump' || L.flow === 'cond' || L.flow === 'call') && L.target === a) continue;
      if (!addressTaken.has(a)) addressTaken.set(a, ref.range.line >= 0 ? r.site : ref.range);
    }
  });
  // Indirect targets: a register holding a constant, `[table + reg*8]` / `[rel slot]` in the image.
  const indirect = new Map<number, number[]>();
  for (const L of insns) {
    if (L.flow !== 'icall' && L.flow !== 'ijump') continue;
    const viaReg = consts.indirectTargets.get(L.index);
    if (viaReg !== undefined && byAddress.has(viaReg)) {
      indirect.set(L.index, [byAddress.get(viaReg)!]);
      continue;
    }
    const m = L.ops[0]?.kind === 'mem' ? L.ops[0].mem : undefined;
    if (!m || m.segment !== 'other' || m.base) continue;
    const targets: number[] = [];
    const start = Number(m.disp);
    const count = m.index ? MAX_TABLE : 1;
    for (let k = 0; k < count; k++) {
      const v = readQ(start + 8 * k);
      if (v === undefined || !byAddress.has(v)) break;
      targets.push(byAddress.get(v)!);
    }
    if (targets.length) indirect.set(L.index, [...new Set(targets)]);
  }
  // In lint mode an `extern` symbol is a placeholder (value 0): a branch to it must not be taken
  // to whatever code happens to sit at that address.
  const externTarget = new Set<number>();
  if (hasExterns) {
    records.forEach((r, i) => {
      const L = insns[i]!;
      if (L.target === undefined) return;
      for (const ref of r.symbolRefs) {
        const s = source.symbols.get(ref.name);
        if (s?.kind === 'extern' && Number(s.value) === L.target) externTarget.add(i);
      }
    });
  }
  const nextOf = new Int32Array(insns.length).fill(-1);
  for (let i = 0; i < insns.length; i++) {
    const L = insns[i]!;
    const nx = i + 1 < insns.length && insns[i + 1]!.address === L.next ? i + 1 : byAddress.get(L.next);
    if (nx !== undefined) nextOf[i] = nx;
  }
  // Successors: at most two per instruction, except an indirect jump's resolved targets.
  const n = insns.length;
  const succStart = new Int32Array(n + 1);
  let total = 0;
  const tgtOf = (i: number): number => {
    const L = insns[i]!;
    if (L.target === undefined || externTarget.has(i)) return -1;
    return byAddress.get(L.target) ?? -1;
  };
  for (let i = 0; i < n; i++) {
    succStart[i] = total;
    const L = insns[i]!;
    const nx = nextOf[i]!;
    switch (L.flow) {
      case 'next':
      case 'call':
      case 'icall':
        if (nx >= 0) total++;
        break;
      case 'cond':
        if (nx >= 0) total++;
        if (tgtOf(i) >= 0) total++;
        break;
      case 'jump':
        if (tgtOf(i) >= 0) total++;
        break;
      case 'ijump':
        total += indirect.get(i)?.length ?? 0;
        break;
      default:
        break;
    }
  }
  succStart[n] = total;
  const succList = new Int32Array(total);
  for (let i = 0, k = 0; i < n; i++) {
    const L = insns[i]!;
    const nx = nextOf[i]!;
    if (L.flow === 'next' || L.flow === 'call' || L.flow === 'icall') {
      if (nx >= 0) succList[k++] = nx;
    } else if (L.flow === 'cond') {
      if (nx >= 0) succList[k++] = nx;
      const t = tgtOf(i);
      if (t >= 0) succList[k++] = t;
    } else if (L.flow === 'jump') {
      const t = tgtOf(i);
      if (t >= 0) succList[k++] = t;
    } else if (L.flow === 'ijump') for (const t of indirect.get(i) ?? []) succList[k++] = t;
  }
  return {
    source,
    records,
    insns,
    succStart,
    succList,
    nextOf,
    externTarget,
    byAddress,
    labelAt,
    labelsAt,
    consts,
    tableRefs,
    addressTaken,
    indirect,
    userSection: (n) => userSections.has(n),
    hasExterns,
    lineOf: (i) => (records[i]?.site.line ?? 0) + 1,
    site: (i) => records[i]!.site,
  };
}

/** Intra-procedural successors (calls fall through; the callee is not entered). */
export function localSuccessors(p: Program, i: number): readonly number[] {
  if (i < 0 || i >= p.insns.length) return [];
  return Array.from(p.succList.subarray(p.succStart[i]!, p.succStart[i + 1]!));
}

/** Instructions from which an instruction satisfying `pred` is reachable (reverse BFS, iterative). */
export function reachesAny(p: Program, pred: (L: LInsn) => boolean): Uint8Array {
  const n = p.insns.length;
  const preds = predecessors(p);
  const mark = new Uint8Array(n);
  const work: number[] = [];
  for (let i = 0; i < n; i++) if (pred(p.insns[i]!)) {
    mark[i] = 1;
    work.push(i);
  }
  while (work.length) {
    const i = work.pop()!;
    for (let k = preds.start[i]!; k < preds.start[i + 1]!; k++) {
      const q = preds.list[k]!;
      if (mark[q]) continue;
      mark[q] = 1;
      work.push(q);
    }
  }
  return mark;
}

const predCache = new WeakMap<Program, { start: Int32Array; list: Int32Array }>();

/** Predecessor lists in compressed form (start offsets + one flat list), computed once per program. */
function predecessors(p: Program): { start: Int32Array; list: Int32Array } {
  const hit = predCache.get(p);
  if (hit) return hit;
  const n = p.insns.length;
  const count = new Int32Array(n + 1);
  const { succStart, succList } = p;
  for (let k = 0; k < succList.length; k++) count[succList[k]! + 1]!++;
  for (let i = 0; i < n; i++) count[i + 1]! += count[i]!;
  const start = count.slice();
  const fill = count.slice();
  const list = new Int32Array(start[n]!);
  for (let i = 0; i < n; i++) for (let k = succStart[i]!; k < succStart[i + 1]!; k++) list[fill[succList[k]!]!++] = i;
  const r = { start, list };
  predCache.set(p, r);
  return r;
}
