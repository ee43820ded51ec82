// user-rsp-in-global: a syscall entry saves the user RSP or loads the kernel RSP through a plain
// absolute address: one variable shared by every core, so two cores in syscalls overwrite each
// other's stacks. Per-CPU storage (gs:) is the fix.

import type { Rule } from './rule';
import { entryRelated } from './path';

export const rule: Rule = {
  id: 'user-rsp-in-global',
  on: ['rsp-save', 'rsp-write'],
  check(L, facts, ctx) {
    const save = L.effects.find((e) => e.kind === 'rsp-save' && e.dest === 'abs');
    const load = L.effects.find((e) => e.kind === 'rsp-write' && e.source === 'abs');
    if (!save && !load) return [];
    const out = [];
    const sys = facts.filter((x) => ctx.entries[x.entry]?.kind === 'syscall');
    if (!sys.length) return [];
    const f1 = save && sys.find((x) => x.stack === 'user');
    if (save && f1) {
      out.push({
        index: L.index,
        message: `syscall entry \`${ctx.entries[f1.entry]!.label}\` saves the user RSP in a global (${save.kind === 'rsp-save' ? save.loc.replace(/^abs:/, '') : ''}): right on one core, wrong on two; use per-CPU storage (gs:)`,
        related: [entryRelated(ctx, f1)],
      });
    }
    // Loading back the saved user RSP is a restore, not a kernel-stack load.
    const f2 = load && load.kind === 'rsp-write' && sys.find((x) => x.saved !== load.loc);
    if (load && f2 && !save) {
      out.push({
        index: L.index,
        message: `syscall entry \`${ctx.entries[f2.entry]!.label}\` loads the kernel RSP from a global: every core would share one kernel stack; use per-CPU storage (gs:)`,
        related: [entryRelated(ctx, f2)],
      });
    }
    return out;
  },
};
