// Suppression comments: `; swapgs-lab-disable-line RULE[, RULE...]` on the line the user wrote,
// `; swapgs-lab-disable-next-line RULE...` on the line above. No rule named: every rule.

import type { AssembledProgram, Diagnostic } from '../../emulator/asm/types';

const RE = /swapgs-lab-disable-(next-line|line)\b([^;]*)/;

export interface Suppressions {
  suppressed(d: Diagnostic): boolean;
}

export function collectSuppressions(comments: AssembledProgram['comments']): Suppressions {
  // key "file:line" -> rule ids ('*' = all)
  const map = new Map<string, Set<string>>();
  for (const c of comments) {
    const m = RE.exec(c.text);
    if (!m) continue;
    const line = m[1] === 'next-line' ? c.range.line + 1 : c.range.line;
    const ids = m[2]!.split(/[\s,]+/).filter((s) => /^[a-z0-9-]+$/.test(s));
    const k = `${c.range.file}:${line}`;
    const set = map.get(k) ?? new Set<string>();
    if (ids.length === 0) set.add('*');
    for (const id of ids) set.add(id);
    map.set(k, set);
  }
  return {
    suppressed(d) {
      const set = map.get(`${d.range.file}:${d.range.line}`);
      return !!set && (set.has('*') || set.has(d.code));
    },
  };
}
