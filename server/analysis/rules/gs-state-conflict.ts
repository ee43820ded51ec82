// gs-state-conflict: the first gs: access, swapgs or return where the paths that meet disagree
// about the GS base (one path swapped, another did not). At a gs: access any disagreement counts;
// at swapgs and returns only paths from the same interrupted mode are compared (per-mode bases at
// an exit are what a correct handler has). Paths already reported by swapgs-without-cpl-check
// are left out; each disagreement is reported once, at the first place the walk met it.

import type { Fact } from '../dataflow';
import type { LInsn } from '../lower';
import type { Rule, RuleContext } from './rule';
import { entryRelated } from './path';
import { localSuccessors } from '../program';

interface Conflict {
  k: Fact;
  u: Fact;
  sig: string;
}

function conflicts(ctx: RuleContext, L: LInsn, facts: readonly Fact[]): Conflict[] {
  if (facts.length < 2) return [];
  const access = L.effects.some((e) => e.kind === 'gs-access');
  const relevant = access || L.effects.some((e) => e.kind === 'swapgs' || e.kind === 'return-to-user');
  if (!relevant) return [];
  const groups = new Map<string, Fact[]>();
  for (const f of facts) {
    if (f.unchecked || f.gs === 'unknown' || fromUncheckedSwapgs(ctx, f)) continue;
    const g = access ? `${f.entry}` : `${f.entry}/${f.origin}`;
    groups.set(g, [...(groups.get(g) ?? []), f]);
  }
  const out: Conflict[] = [];
  for (const [, group] of groups) {
    const k = group.find((f) => f.gs === 'kernel');
    const u = group.find((f) => f.gs === 'user');
    if (!k || !u) continue;
    out.push({ k, u, sig: [...new Set(group.map((f) => `${f.gs}@${f.gsSite}`))].sort().join(' ') });
  }
  return out;
}

/**
 * The fact's GS base comes from a swapgs that both interrupted modes reach (already reported by
 * swapgs-without-cpl-check): its consequences are not reported again as a conflict.
 */
function fromUncheckedSwapgs(ctx: RuleContext, f: Fact): boolean {
  if (f.gsSite < 0 || ctx.entries[f.entry]?.kind !== 'interrupt') return false;
  const at = ctx.facts(f.gsSite);
  return at.some((x) => x.group === f.group && x.origin === 'user') && at.some((x) => x.group === f.group && x.origin === 'kernel');
}

const firstSeen = new WeakMap<object, Map<number, { i: number; sig: string }>>();

/**
 * Per entry, the conflict point closest to the entry (BFS over the walked instructions): the
 * first place the disagreement shows. Later points inherit the same disagreement and stay quiet.
 */
function firstConflict(ctx: RuleContext, entry: number): { i: number; sig: string } | undefined {
  let m = firstSeen.get(ctx.walk);
  if (!m) {
    m = new Map();
    const points = new Map<number, Conflict[]>();
    for (const i of ctx.walk.order) {
      const cs = conflicts(ctx, ctx.p.insns[i]!, ctx.facts(i));
      if (cs.length) points.set(i, cs);
    }
    if (points.size) {
      ctx.entries.forEach((e, k) => {
        const dist = new Map<number, number>([[e.insn, 0]]);
        const queue = [e.insn];
        for (let q = 0; q < queue.length; q++) {
          const i = queue[q]!;
          const hit = points.get(i)?.find((c) => c.k.entry === k);
          if (hit) {
            m!.set(k, { i, sig: hit.sig });
            break;
          }
          const L = ctx.p.insns[i]!;
          const next = [...localSuccessors(ctx.p, i)];
          if (L.flow === 'call' && L.target !== undefined && ctx.p.byAddress.has(L.target)) next.push(ctx.p.byAddress.get(L.target)!);
          for (const s of next) {
            if (dist.has(s) || !ctx.facts(s).some((f) => f.entry === k)) continue;
            dist.set(s, dist.get(i)! + 1);
            queue.push(s);
          }
        }
      });
    }
    firstSeen.set(ctx.walk, m);
  }
  return m.get(entry);
}

export const rule: Rule = {
  id: 'gs-state-conflict',
  on: ['gs-access', 'swapgs', 'return-to-user'],
  check(L, facts, ctx) {
    for (const { k, u, sig } of conflicts(ctx, L, facts)) {
      const first = firstConflict(ctx, k.entry);
      if (!first || first.i !== L.index || first.sig !== sig) continue;
      const where = (f: Fact) =>
        f.gsSite >= 0
          ? `the swapgs at line ${ctx.p.lineOf(f.gsSite)}`
          : f.gsSite === -2
            ? 'one of several swapgs'
            : `entry \`${ctx.entries[f.entry]!.label}\` with no swapgs`;
      const mode = (f: Fact) => (ctx.entries[f.entry]?.kind === 'interrupt' ? ` (interrupted ${f.origin} mode)` : '');
      return [
        {
          index: L.index,
          message: `paths that meet here disagree about the GS base: kernel on the path through ${where(k)}${mode(k)}, user on the path through ${where(u)}${mode(u)}`,
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
