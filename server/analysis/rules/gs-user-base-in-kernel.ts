// gs-user-base-in-kernel: a gs: access reachable from an entry while every path has the user GS
// base active: the load/store reaches user-controlled memory instead of per-CPU data.

import type { Rule } from './rule';
import { entryName, gsRelated, gsSource } from './path';

export const rule: Rule = {
  id: 'gs-user-base-in-kernel',
  on: ['gs-access'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'gs-access')) return [];
    if (facts.length === 0 || !facts.every((f) => f.gs === 'user')) return [];
    if (ctx.p.userSection(ctx.p.records[L.index]!.section)) return [];
    const f = facts[0]!;
    return [
      {
        index: L.index,
        message: `gs: access with the user GS base active on every path (${gsSource(ctx, f)}, entry \`${entryName(ctx, f)}\`): it reads user-controlled memory; swapgs first`,
        related: gsRelated(ctx, f),
      },
    ];
  },
};
