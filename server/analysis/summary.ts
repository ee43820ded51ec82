// Turns the path facts at one instruction into the summary hover and inlay hints show.

import type { SourceRange } from '../../emulator/asm/types';
import type { Fact } from './dataflow';
import type { Program } from './program';
import type { EntryInfo, GsBase, GsStateSummary, Origin, StackState } from './types';

const sortU = <T extends string>(xs: T[]): T[] => [...new Set(xs)].sort();

export function summarize(p: Program, address: number, facts: readonly Fact[], entries: readonly EntryInfo[]): GsStateSummary {
  const pairs = new Map<string, { origin: Origin; gs: GsBase }>();
  for (const f of facts) pairs.set(`${f.origin}/${f.gs}`, { origin: f.origin, gs: f.gs });
  const sites = sortU(facts.filter((f) => f.gsSite >= 0).map((f) => String(f.gsSite))).map(Number);
  const swapSites: SourceRange[] = sites.map((i) => p.site(i));
  const gsBases = sortU(facts.map((f) => f.gs));
  const text =
    `GS: ${gsBases
      .map((g) => {
        const same = facts.filter((f) => f.gs === g);
        const lines = [...new Set(same.filter((f) => f.gsSite >= 0).map((f) => p.lineOf(f.gsSite)))].sort((a, b) => a - b);
        const from: string[] = [];
        if (lines.length) from.push(`swapgs line ${lines.join(', ')}`);
        if (same.some((f) => f.gsSite === -2)) from.push('several swapgs');
        if (same.some((f) => f.gsSite === -1) && from.length) from.push('or unchanged since entry');
        return from.length ? `${g} (${from.join('; ')})` : g;
      })
      .join(' | ')}` + (sortU(facts.map((f) => f.stack)).length ? ` · stack: ${sortU(facts.map((f) => f.stack)).join(' | ')}` : '');
  return {
    address,
    pairs: [...pairs.values()],
    gsBases,
    origins: sortU(facts.map((f) => f.origin)),
    stack: sortU(facts.map((f) => f.stack as StackState)),
    swapSites,
    entries: sortU(facts.map((f) => entries[f.entry]?.label ?? '?')),
    interrupts: sortU(facts.map((f) => f.ifl)),
    userRspSavedAt: sortU(facts.filter((f) => f.saved && f.saved !== 'reg-lost').map((f) => f.saved)),
    text,
  };
}
