// gs-kernel-base-on-exit: sysret/sysexit, or iretq to an interrupted user context, while the
// kernel GS base is active: user code would run with the kernel's per-CPU base in gs.base.

import type { Rule } from './rule';
import { entryName, gsRelated, gsSource, skippedSwapgs, uniqueBy } from './path';

export const rule: Rule = {
  id: 'gs-kernel-base-on-exit',
  on: ['return-to-user'],
  check(L, facts, ctx) {
    const ret = L.effects.find((e) => e.kind === 'return-to-user');
    if (!ret) return [];
    // sysret/sysexit always return to CPL 3; iretq returns to user mode on paths that came from it.
    const bad = facts.filter((f) => f.gs === 'kernel' && (ret.insn !== 'iret' || f.origin === 'user'));
    return uniqueBy(bad, (f) => `${f.entry}|${f.gsSite}`).slice(0, 1).map((f) => ({
      index: L.index,
      message: `${L.mnemonic} returns to user mode with the kernel GS base active (${gsSource(ctx, f)}; path from \`${entryName(ctx, f)}\`): a swapgs is missing on this path`,
      related: [...gsRelated(ctx, f), ...skippedSwapgs(ctx, f, L.index)],
    }));
  },
};
