// stack-before-kernel-rsp: push/pop/call/[rsp] in a syscall entry while RSP is still the user's:
// SYSCALL does not switch stacks (SDM Vol 2B SYSCALL), so this writes to user-controlled memory.
// The related location names the later kernel-stack load on the path, where the push belongs.

import type { Rule, RuleContext } from './rule';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'stack-before-kernel-rsp',
  on: ['stack-use'],
  check(L, facts, ctx) {
    const use = L.effects.find((e) => e.kind === 'stack-use');
    if (!use || use.kind !== 'stack-use') return [];
    const f = facts.find((x) => x.stack === 'user' && ctx.entries[x.entry]?.kind === 'syscall');
    if (!f) return [];
    const what = use.how === 'rsp-memory' ? 'uses [rsp]' : `is a ${use.how}`;
    const load = nextKernelStackLoad(ctx, L.index, f.entry);
    return [
      {
        index: L.index,
        message: `${L.mnemonic} ${what} in syscall entry \`${ctx.entries[f.entry]!.label}\` while RSP is still the user stack pointer: load the kernel RSP (e.g. \`mov rsp, [gs:kernel_rsp]\`) first`,
        related: [
          ...(load !== undefined ? [{ range: ctx.p.site(load), message: `the kernel stack is loaded here, at line ${ctx.p.lineOf(load)}` }] : []),
          entryRelated(ctx, f),
        ],
      },
    ];
  },
};

/** The first instruction after `from` (address order) that loads RSP from gs:/absolute memory on a path of `entry`. */
function nextKernelStackLoad(ctx: RuleContext, from: number, entry: number): number | undefined {
  for (let i = from + 1; i < ctx.p.insns.length && i < from + 4096; i++) {
    const L = ctx.p.insns[i]!;
    if (!L.effects.some((e) => e.kind === 'rsp-write' && (e.source === 'gs' || e.source === 'abs'))) continue;
    if (ctx.facts(i).some((f) => f.entry === entry && f.stack === 'user')) return i;
  }
  return undefined;
}
