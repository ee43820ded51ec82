// Finds the kernel entry points: syscall entries from wrmsr to IA32_LSTAR/CSTAR (constant
// propagation), interrupt entries from taken addresses that reach iretq, annotation comments,
// entry-like global names, and settings. Records how each was found (hover shows it).

import type { SourceRange, SymbolInfo } from '../../emulator/asm/types';
import { EFFECT_BIT } from './lower';
import { MSR_LSTAR, MSR_CSTAR, ENTRY_NAME_PATTERNS } from './policy';
import { reachesAny, type Program } from './program';
import type { EntryInfo, EntryKind, EntryReason, NotEntryInfo } from './types';

export interface FoundEntries {
  entries: (EntryInfo & { insn: number })[];
  notEntries: NotEntryInfo[];
}

const ANNOTATION = /swapgs-lab:\s*(syscall-entry|interrupt-entry|not-entry)\b/;

export function findEntries(p: Program, extra: readonly { name: string; kind: EntryKind }[] = []): FoundEntries {
  const found = new Map<number, { kind: EntryKind; reasons: EntryReason[] }>();
  const add = (addr: number, kind: EntryKind, reason: EntryReason) => {
    if (!p.byAddress.has(addr)) return;
    const cur = found.get(addr);
    if (!cur) found.set(addr, { kind, reasons: [reason] });
    else {
      // A syscall finding wins over an interrupt guess ("unless they are syscall entries").
      if (kind === 'syscall') cur.kind = 'syscall';
      cur.reasons.push(reason);
    }
  };
  const lineRange = (i: number) => p.site(i);

  // 1. wrmsr IA32_LSTAR / IA32_CSTAR with a known label address.
  for (const w of p.consts.msrWrites) {
    if (w.ecx !== MSR_LSTAR && w.ecx !== MSR_CSTAR) continue;
    const v = w.value ?? w.low;
    if (v === undefined) continue;
    const a = Number(v);
    if (p.labelAt.has(a)) add(a, 'syscall', { kind: 'lstar', msr: w.ecx, at: lineRange(w.index) });
  }
  const lstarTargets = new Set(found.keys());

  // 2. Annotations on or just above a label; `not-entry` overrides every automatic guess.
  let labelsByLine: Map<string, SymbolInfo[]> | undefined; // built at the first annotation
  const notEntry = new Map<number, SourceRange>();
  for (const c of p.source.comments) {
    const m = ANNOTATION.exec(c.text);
    if (!m) continue;
    if (!labelsByLine) {
      labelsByLine = new Map();
      for (const [, s] of p.labelAt) {
        const k = `${s.range.file}:${s.range.line}`;
        labelsByLine.set(k, [...(labelsByLine.get(k) ?? []), s]);
      }
    }
    const labels = labelsByLine.get(`${c.range.file}:${c.range.line}`) ?? labelsByLine.get(`${c.range.file}:${c.range.line + 1}`) ?? [];
    for (const s of labels) {
      const a = Number(s.value);
      if (m[1] === 'not-entry') notEntry.set(a, c.range);
      else add(a, m[1] === 'syscall-entry' ? 'syscall' : 'interrupt', { kind: 'annotation', at: c.range });
    }
  }

  // 3. Taken addresses, tables and entry-like global names, when the code agrees.
  const RET = EFFECT_BIT['return-to-user'];
  const reachesIret = reachesAny(p, (L) => (L.kinds & RET) !== 0 && L.effects.some((e) => e.kind === 'return-to-user' && e.insn === 'iret'));
  const reachesSysret = reachesAny(p, (L) => (L.kinds & RET) !== 0 && L.effects.some((e) => e.kind === 'return-to-user' && e.insn === 'sysret'));
  // The boot entry (design: `_start`, else the first instruction of the first code section) runs
  // at reset, not on an interrupt, even when its address sits in a table or it ends in iretq to
  // enter user mode: never guessed as an interrupt entry.
  const start = p.source.symbols.get('_start');
  const bootAddr = start && start.kind === 'label' ? Number(start.value) : p.insns.find((L) => !L.invalid)?.address;
  const iretFrom = (a: number) => a !== bootAddr && reachesIret[p.byAddress.get(a)!] === 1;
  for (const [a, at] of p.addressTaken) if (!lstarTargets.has(a) && iretFrom(a)) add(a, 'interrupt', { kind: 'address-taken', at });
  for (const [a, at] of p.tableRefs) if (!lstarTargets.has(a) && iretFrom(a)) add(a, 'interrupt', { kind: 'address-table', at });
  for (const [a, s] of p.labelAt) {
    if (!s.global) continue;
    const name = s.name.toLowerCase();
    const i = p.byAddress.get(a)!;
    if (ENTRY_NAME_PATTERNS.syscall.test(name) && reachesSysret[i]) add(a, 'syscall', { kind: 'name', at: s.range });
    else if (ENTRY_NAME_PATTERNS.interrupt.test(name) && reachesIret[i] && !lstarTargets.has(a)) add(a, 'interrupt', { kind: 'name', at: s.range });
  }

  const notEntries: NotEntryInfo[] = [];
  for (const [a, at] of notEntry) {
    const s = p.labelAt.get(a)!;
    notEntries.push({ label: s.name, range: s.range, at });
    found.delete(a);
  }
  // 4. Settings (win over `not-entry`: the user asked for them explicitly).
  for (const e of extra) {
    const s = p.source.symbols.get(e.name);
    if (!s || s.kind !== 'label') continue;
    const a = Number(s.value);
    const cur = found.get(a);
    if (cur) {
      cur.kind = e.kind;
      cur.reasons.push({ kind: 'settings' });
    } else if (p.byAddress.has(a)) found.set(a, { kind: e.kind, reasons: [{ kind: 'settings' }] });
  }

  dropInteriorNameGuesses(p, found);

  const entries: FoundEntries['entries'] = [];
  for (const [a, f] of [...found].sort((x, y) => x[0] - y[0])) {
    const s = p.labelAt.get(a) ?? p.labelsAt.get(a)?.[0];
    if (!s) continue;
    entries.push({
      label: s.name,
      kind: f.kind,
      address: a,
      range: s.range,
      reasons: f.reasons,
      description: describe(f.kind, f.reasons),
      insn: p.byAddress.get(a)!,
    });
  }
  return { entries, notEntries };
}

/** Work bound of the reachability pass below (instructions visited over all entries). */
const MAX_REACH_WORK = 4_000_000;

/**
 * A guess from the name alone (no LSTAR, annotation, table, taken address or settings) is dropped
 * when the code of another entry flows into the label: by fall-through, a jump or a call. Such a
 * label is an interior point of that entry's path, and the walk from that entry already analyses
 * it in the states it is really reached in; starting a fresh walk there would assume the CPU just
 * entered (user GS base, user RSP, a fresh interrupt frame). Linux names interior labels like
 * entries: `entry_SYSCALL_64_after_hwframe` (fall-through), `syscall_return_via_sysret` (jump),
 * and interrupt stubs that `jmp` to a common handler named `isr_common`/`irq_common`.
 * A guess reached only from other guesses that it reaches back (a cycle with no upstream entry)
 * is kept: nothing tells which of them the CPU enters at.
 */
function dropInteriorNameGuesses(p: Program, found: Map<number, { kind: EntryKind; reasons: EntryReason[] }>): void {
  const starts: { a: number; i: number; nameOnly: boolean }[] = [];
  for (const [a, f] of found) {
    const i = p.byAddress.get(a);
    if (i !== undefined) starts.push({ a, i, nameOnly: f.reasons.every((r) => r.kind === 'name') });
  }
  if (!starts.some((s) => s.nameOnly) || starts.length < 2) return;
  const entryAt = new Map<number, number>(); // instruction index -> position in starts
  starts.forEach((s, k) => entryAt.set(s.i, k));
  // Which other entries each entry's code reaches (intra-procedural successors plus call targets).
  const n = p.insns.length;
  const stamp = new Int32Array(n).fill(-1);
  const reaches: Set<number>[] = starts.map(() => new Set());
  let work = 0;
  for (let k = 0; k < starts.length && work < MAX_REACH_WORK; k++) {
    const stack = [starts[k]!.i];
    stamp[starts[k]!.i] = k;
    while (stack.length && work < MAX_REACH_WORK) {
      const i = stack.pop()!;
      work++;
      const e = entryAt.get(i);
      if (e !== undefined && e !== k) reaches[k]!.add(e);
      const L = p.insns[i]!;
      const visit = (s: number) => {
        if (stamp[s] !== k) {
          stamp[s] = k;
          stack.push(s);
        }
      };
      for (let k = p.succStart[i]!; k < p.succStart[i + 1]!; k++) visit(p.succList[k]!);
      if (L.flow === 'call' && L.target !== undefined && !p.externTarget.has(i)) {
        const t = p.byAddress.get(L.target);
        if (t !== undefined) visit(t);
      } else if (L.flow === 'icall') for (const t of p.indirect.get(i) ?? []) visit(t);
    }
  }
  starts.forEach((b, kb) => {
    if (!b.nameOnly) return;
    const upstream = starts.some((e, ke) => ke !== kb && reaches[ke]!.has(kb) && (!e.nameOnly || !reaches[kb]!.has(ke)));
    if (upstream) found.delete(b.a);
  });
}

function describe(kind: EntryKind, reasons: EntryReason[]): string {
  const why = reasons.map((r) => {
    switch (r.kind) {
      case 'lstar':
        return `its address is written to ${r.msr === MSR_LSTAR ? 'IA32_LSTAR' : 'IA32_CSTAR'} by the wrmsr at line ${r.at.line + 1}`;
      case 'address-taken':
        return `its address is taken at line ${r.at.line + 1} and iretq is reachable from it`;
      case 'address-table':
        return `it is listed in the address table at line ${r.at.line + 1} and iretq is reachable from it`;
      case 'annotation':
        return `the comment at line ${r.at.line + 1} declares it`;
      case 'name':
        return kind === 'syscall' ? 'it is a global named like a syscall entry and reaches sysret' : 'it is a global named like an interrupt handler and reaches iretq';
      case 'settings':
        return 'the settings list it as an extra entry';
    }
  });
  return `${kind} entry: ${[...new Set(why)].join('; ')}`;
}
