// swapgs-speculation: after a CPL-dependent branch around swapgs, a gs: access reachable with no
// lfence in between can run speculatively with the wrong GS base (CVE-2019-1125; Linux
// FENCE_SWAPGS_USER_ENTRY / FENCE_SWAPGS_KERNEL_ENTRY put an lfence on both sides).

import type { Rule } from './rule';

export const rule: Rule = {
  id: 'swapgs-speculation',
  on: ['gs-access'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'gs-access')) return [];
    // The first gs: access on a path after a CPL-dependent branch around swapgs, with no lfence.
    const bad = facts.filter((f) => f.cplBranch >= 0 && !f.fenced && !f.gsAfterBranch && ctx.walk.branchesAroundSwapgs.has(f.cplBranch));
    const f = bad[0];
    if (!f) return [];
    const swapped = f.gsSite >= 0 && f.gsSite > f.cplBranch;
    return [
      {
        index: L.index,
        message: `gs: access after the CPL-dependent branch at line ${ctx.p.lineOf(f.cplBranch)} with no lfence on the path that ${swapped ? `runs the swapgs at line ${ctx.p.lineOf(f.gsSite)}` : 'skips the swapgs'}: the branch can be mispredicted and this access run speculatively with the wrong GS base (CVE-2019-1125)`,
        related: [
          { range: ctx.p.site(f.cplBranch), message: 'CPL-dependent branch around swapgs' },
          ...(f.gsSite >= 0 ? [{ range: ctx.p.site(f.gsSite), message: 'swapgs' }] : []),
        ],
      },
    ];
  },
};
