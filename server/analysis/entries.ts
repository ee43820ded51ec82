// Finds the kernel entry points: syscall entries from wrmsr to IA32_LSTAR/CSTAR (constant
// propagation), interrupt entries from taken addresses that reach iretq, annotation comments,
// entry-like global names, and settings. Records how each was found (hover shows it).

import type { SourceRange, SymbolInfo } from '../../emulator/asm/types';
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
  const labelsByLine = new Map<string, SymbolInfo[]>();
  for (const [, s] of p.labelAt) {
    const k = `${s.range.file}:${s.range.line}`;
    labelsByLine.set(k, [...(labelsByLine.get(k) ?? []), s]);
  }
  const notEntry = new Map<number, SourceRange>();
  for (const c of p.source.comments) {
    const m = ANNOTATION.exec(c.text);
    if (!m) continue;
    const labels = labelsByLine.get(`${c.range.file}:${c.range.line}`) ?? labelsByLine.get(`${c.range.file}:${c.range.line + 1}`) ?? [];
    for (const s of labels) {
      const a = Number(s.value);
      if (m[1] === 'not-entry') notEntry.set(a, c.range);
      else add(a, m[1] === 'syscall-entry' ? 'syscall' : 'interrupt', { kind: 'annotation', at: c.range });
    }
  }

  // 3. Taken addresses, tables and entry-like global names, when the code agrees.
  const reachesIret = reachesAny(p, (L) => L.effects.some((e) => e.kind === 'return-to-user' && e.insn === 'iret'));
  const reachesSysret = reachesAny(p, (L) => L.effects.some((e) => e.kind === 'return-to-user' && e.insn === 'sysret'));
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
