// swapgs-without-cpl-check: a swapgs in an interrupt entry reached without a test of the
// interrupted CS: it also runs when the interrupt hit kernel code, and then swaps the kernel's
// base out (SDM Vol 3A 6.14.2: the CPU pushes the interrupted CS; its RPL is the old CPL).

import type { Rule } from './rule';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'swapgs-without-cpl-check',
  on: ['swapgs'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'swapgs')) return [];
    const f = facts.find((x) => !x.checked && ctx.entries[x.entry]?.kind === 'interrupt');
    if (!f) return [];
    return [
      {
        index: L.index,
        message: `swapgs in interrupt entry \`${ctx.entries[f.entry]!.label}\` without a test of the interrupted CS (e.g. \`test byte [rsp+8], 3\`): it also runs when the interrupt came from kernel mode and swaps the kernel GS base out`,
        related: [entryRelated(ctx, f)],
      },
    ];
  },
};
