// swapgs-without-cpl-check: a swapgs in an interrupt entry that runs whatever mode the interrupt
// came from: paths from user-mode and from kernel-mode interrupts both reach it, so no test of the
// interrupted CS decides it. For kernel-mode interrupts it swaps the kernel's base out (SDM Vol 3A
// 6.14.2: the CPU pushes the interrupted CS; its RPL is the old CPL).

import type { Rule } from './rule';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'swapgs-without-cpl-check',
  on: ['swapgs'],
  check(L, facts, ctx) {
    if (!L.effects.some((e) => e.kind === 'swapgs')) return [];
    const f = facts.find(
      (x) => ctx.entries[x.entry]?.kind === 'interrupt' && x.origin === 'user' && facts.some((y) => y.entry === x.entry && y.origin === 'kernel'),
    );
    if (!f) return [];
    const tested = facts.some((x) => x.entry === f.entry && x.checked);
    return [
      {
        index: L.index,
        message: `swapgs in interrupt entry \`${ctx.entries[f.entry]!.label}\` runs for interrupts from kernel mode too${tested ? ' (the CPL test on the way does not decide whether it runs)' : ''}: test the interrupted CS (e.g. \`test byte [rsp+8], 3\`) and swap only for user mode`,
        related: [entryRelated(ctx, f)],
      },
    ];
  },
};
