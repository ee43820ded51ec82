// gs-state-conflict: the first gs: access, swapgs or return where the paths that meet disagree
// about the GS base (one path swapped, another did not). Paths already reported by
// swapgs-without-cpl-check are left out; each disagreement is reported once.

import type { Rule } from './rule';
import type { Fact } from '../dataflow';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'gs-state-conflict',
  check(L, facts, ctx) {
    const relevant = L.effects.some((e) => e.kind === 'gs-access' || e.kind === 'swapgs' || e.kind === 'return-to-user');
    if (!relevant) return [];
    const fs = facts.filter((f) => !f.unchecked && f.gs !== 'unknown');
    // Paths from different entries are compared only within one entry: each entry is its own story.
    const byEntry = new Map<number, Fact[]>();
    for (const f of fs) byEntry.set(f.entry, [...(byEntry.get(f.entry) ?? []), f]);
    for (const [, group] of byEntry) {
      const k = group.find((f) => f.gs === 'kernel');
      const u = group.find((f) => f.gs === 'user');
      if (!k || !u) continue;
      // Report a disagreement once: at the first such instruction (walk order) with this signature.
      const sig = [...new Set(group.map((f) => `${f.gs}@${f.gsSite}`))].sort().join(' ');
      const first = firstWithSignature(ctx, sig);
      if (first !== L.index) continue;
      const where = (f: Fact) => (f.gsSite >= 0 ? `the swapgs at line ${ctx.p.lineOf(f.gsSite)}` : `entry \`${ctx.entries[f.entry]!.label}\``);
      return [
        {
          index: L.index,
          message: `paths that meet here disagree about the GS base: kernel on the path through ${where(k)}, user on the path through ${where(u)}`,
          related: [
            ...(k.gsSite >= 0 ? [{ range: ctx.p.site(k.gsSite), message: 'kernel GS base since this swapgs' }] : []),
            ...(u.gsSite >= 0 ? [{ range: ctx.p.site(u.gsSite), message: 'user GS base since this swapgs' }] : []),
            entryRelated(ctx, k),
          ],
        },
      ];
    }
    return [];
  },
};

const cache = new WeakMap<object, Map<string, number>>();

/** First instruction (walk order) that is a gs access / swapgs / return with a given conflict signature. */
function firstWithSignature(ctx: Parameters<NonNullable<Rule['check']>>[2], sig: string): number {
  let m = cache.get(ctx.walk);
  if (!m) {
    m = new Map();
    for (const i of ctx.walk.order) {
      const L = ctx.p.insns[i]!;
      if (!L.effects.some((e) => e.kind === 'gs-access' || e.kind === 'swapgs' || e.kind === 'return-to-user')) continue;
      const fs = ctx.facts(i).filter((f) => !f.unchecked && f.gs !== 'unknown');
      const byEntry = new Map<number, Fact[]>();
      for (const f of fs) byEntry.set(f.entry, [...(byEntry.get(f.entry) ?? []), f]);
      for (const [, g] of byEntry) {
        if (!g.some((f) => f.gs === 'kernel') || !g.some((f) => f.gs === 'user')) continue;
        const s = [...new Set(g.map((f) => `${f.gs}@${f.gsSite}`))].sort().join(' ');
        if (!m.has(s)) m.set(s, i);
      }
    }
    cache.set(ctx.walk, m);
  }
  return m.get(sig) ?? -1;
}
