// swapgs-speculation: after a CPL-dependent branch around swapgs, a gs: access reachable with no
// lfence in between can run speculatively with the wrong GS base (CVE-2019-1125; Linux
// FENCE_SWAPGS_USER_ENTRY / FENCE_SWAPGS_KERNEL_ENTRY put an lfence on both sides).

import type { Rule } from './rule';
import { uniqueBy } from './path';

export const rule: Rule = {
  id: 'swapgs-speculation',
  on: ['gs-access'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'gs-access')) return [];
    const bad = facts.filter((f) => f.cplBranch >= 0 && !f.fenced && ctx.walk.branchesAroundSwapgs.has(f.cplBranch));
    const firstOnly = uniqueBy(bad, (f) => `${f.cplBranch}|${f.gsSite}`).filter((f) => isFirst(ctx, L.index, f.cplBranch, f.gsSite));
    return firstOnly.slice(0, 1).map((f) => ({
      index: L.index,
      message: `gs: access after the CPL-dependent branch at line ${ctx.p.lineOf(f.cplBranch)} with no lfence on the path that ${f.gsSite >= 0 && f.gsSite > f.cplBranch ? `runs the swapgs at line ${ctx.p.lineOf(f.gsSite)}` : 'skips the swapgs'}: the branch can be mispredicted and this load run speculatively with the wrong GS base (CVE-2019-1125)`,
      related: [
        { range: ctx.p.site(f.cplBranch), message: 'CPL-dependent branch around swapgs' },
        ...(f.gsSite >= 0 ? [{ range: ctx.p.site(f.gsSite), message: 'swapgs' }] : []),
      ],
    }));
  },
};

const seen = new WeakMap<object, Map<string, number>>();

/** Report each (branch, side) once: at the first gs access in walk order. */
function isFirst(ctx: Parameters<NonNullable<Rule['check']>>[2], i: number, branch: number, gsSite: number): boolean {
  let m = seen.get(ctx.walk);
  if (!m) {
    m = new Map();
    for (const k of ctx.walk.order) {
      if (!ctx.p.insns[k]!.effects.some((e) => e.kind === 'gs-access')) continue;
      for (const f of ctx.facts(k)) {
        if (f.cplBranch < 0 || f.fenced) continue;
        const key = `${f.cplBranch}|${f.gsSite}`;
        if (!m.has(key)) m.set(key, k);
      }
    }
    seen.set(ctx.walk, m);
  }
  return m.get(`${branch}|${gsSite}`) === i;
}
