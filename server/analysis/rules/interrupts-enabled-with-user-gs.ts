// interrupts-enabled-with-user-gs: sti (or a popf that sets IF) in kernel code while the user GS
// base is active: an interrupt arriving now from kernel mode skips its swapgs and runs on the
// user's gs.base.

import type { Rule } from './rule';
import { gsRelated, gsSource } from './path';
import { RFLAGS_IF } from '../policy';

export const rule: Rule = {
  id: 'interrupts-enabled-with-user-gs',
  on: ['interrupt-flag'],
  check(L, facts, ctx) {
    const e = L.effects.find((x) => x.kind === 'interrupt-flag');
    if (!e || e.kind !== 'interrupt-flag' || e.op === 'cli') return [];
    if (e.op === 'popf') {
      const v = ctx.p.consts.popfValues.get(L.index);
      if (v === undefined || !(v & RFLAGS_IF)) return [];
    }
    if (ctx.p.userSection(ctx.p.records[L.index]!.section)) return [];
    const f = facts.find((x) => x.gs === 'user' && !x.unchecked);
    if (!f) return [];
    return [
      {
        index: L.index,
        message: `${L.mnemonic} enables interrupts in kernel code with the user GS base active (${gsSource(ctx, f)}): an interrupt taken here from kernel mode would not swapgs and would use the user's gs.base`,
        related: gsRelated(ctx, f),
      },
    ];
  },
};
