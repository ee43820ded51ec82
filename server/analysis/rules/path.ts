// Shared wording for findings: names the entry, the swapgs that set the GS base, the branch
// involved, as related locations ("kernel base since swapgs at line 30").

import type { Fact } from '../dataflow';
import type { Related, RuleContext } from './rule';

export function entryName(ctx: RuleContext, f: Fact): string {
  return ctx.entries[f.entry]?.label ?? '?';
}

export function entryRelated(ctx: RuleContext, f: Fact): Related {
  const e = ctx.entries[f.entry]!;
  return { range: e.range, message: `${e.kind} entry \`${e.label}\`` };
}

/** "kernel base since swapgs at line 30" / "user base since entry `x`". */
export function gsSource(ctx: RuleContext, f: Fact): string {
  if (f.gsSite >= 0) return `${f.gs} GS base since the swapgs at line ${ctx.p.lineOf(f.gsSite)}`;
  if (f.gsSite === -2) return `${f.gs} GS base after one of several swapgs (entry \`${entryName(ctx, f)}\`)`;
  return `${f.gs} GS base since entry \`${entryName(ctx, f)}\` (no swapgs on this path)`;
}

export function gsRelated(ctx: RuleContext, f: Fact): Related[] {
  const out: Related[] = [];
  if (f.gsSite >= 0) out.push({ range: ctx.p.site(f.gsSite), message: `${f.gs} GS base since this swapgs` });
  out.push(entryRelated(ctx, f));
  return out;
}

/** swapgs instructions reached by the same entry that this path did not run (after its last swapgs). */
export function skippedSwapgs(ctx: RuleContext, f: Fact, before: number): Related[] {
  const out: Related[] = [];
  const from = f.gsSite >= 0 ? ctx.p.insns[f.gsSite]!.address : ctx.entries[f.entry]!.address;
  const to = ctx.p.insns[before]!.address;
  for (const i of swapgsSites(ctx)) {
    const L = ctx.p.insns[i]!;
    if (L.address <= from || L.address >= to) continue;
    if (!ctx.facts(i).some((g) => g.entry === f.entry)) continue;
    out.push({ range: ctx.p.site(i), message: `this path skips the swapgs at line ${ctx.p.lineOf(i)}` });
    if (out.length >= 3) break;
  }
  return out;
}

export function uniqueBy<T>(xs: readonly T[], key: (x: T) => string): T[] {
  const seen = new Set<string>();
  return xs.filter((x) => {
    const k = key(x);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

const sites = new WeakMap<object, number[]>();

/** Indexes of every swapgs, computed once per program. */
function swapgsSites(ctx: RuleContext): number[] {
  let list = sites.get(ctx.p);
  if (!list) {
    list = [];
    for (const L of ctx.p.insns) if (L.effects.some((e) => e.kind === 'swapgs')) list.push(L.index);
    sites.set(ctx.p, list);
  }
  return list;
}
