// Entry point of the swapgs/GS-base analysis: AssembledProgram in, diagnostics + entries +
// per-instruction GS state out. Pure: no LSP types, no I/O, never throws on user input.
// Pipeline: lower.ts (iced-x86 -> effects) -> program.ts (CFG, tables) + constprop.ts (MSR and CR
// values) -> entries.ts -> dataflow.ts (path facts per instruction) -> rules/*.ts -> suppress.ts.

import type { AssembledProgram, Diagnostic, Severity } from '../../emulator/asm/types';
import { transfer, walk, type Fact } from './dataflow';
import { findEntries } from './entries';
import { EFFECT_BIT } from './lower';
import { MSR_FMASK, RFLAGS_IF } from './policy';
import { buildProgram } from './program';
import { RULE_BY_ID, RULES } from './rule-ids';
import { ALL_RULES } from './rules/index';
import type { Finding, Rule, RuleContext } from './rules/rule';
import { summarize } from './summary';
import { collectSuppressions } from './suppress';
import type { AnalysisOptions, AnalysisResult } from './types';

export { RULES, RULE_BY_ID, FRONT_END_RULES } from './rule-ids';
export type * from './types';

export function analyze(program: AssembledProgram, options: AnalysisOptions = {}): AnalysisResult {
  try {
    return analyzeUnsafe(program, options);
  } catch (e) {
    // The analysis never throws: an internal failure becomes one located finding.
    const first = program.instructions[0]?.site ?? { file: program.comments[0]?.range.file ?? '', line: 0, start: 0, end: 0 };
    return {
      diagnostics: [
        ...program.diagnostics,
        { range: first, severity: 'information', code: 'analysis-failed', message: `the swapgs analysis stopped: ${e instanceof Error ? e.message : String(e)}` },
      ],
      entries: [],
      notEntries: [],
      stateAt: () => undefined,
      rules: [...RULES],
    };
  }
}

function analyzeUnsafe(program: AssembledProgram, options: AnalysisOptions): AnalysisResult {
  const p = buildProgram(program);
  const { entries, notEntries } = findEntries(p, options.extraEntries ?? []);
  const fmaskMasksIf = p.consts.msrWrites.some((w) => w.ecx === MSR_FMASK && ((w.value ?? w.low ?? w.ones) & RFLAGS_IF) !== 0n);
  const result = walk(p, entries, { fmaskMasksIf });
  const NONE: Fact[] = [];
  const facts = (i: number): Fact[] => result.factsIn[i] ?? NONE;
  const ctx: RuleContext = { p, entries, walk: result, facts };

  const sup = collectSuppressions(program.comments);
  const findings: Diagnostic[] = [];
  const severities = options.severities ?? {};
  const emit = (ruleId: string, f: Finding) => {
    const sev = severities[ruleId] ?? RULE_BY_ID.get(ruleId)?.defaultSeverity ?? 'warning';
    if (sev === 'off') return;
    const rec = p.records[f.index]!;
    const d: Diagnostic = { range: rec.site, severity: sev as Severity, code: ruleId, message: f.message };
    if (rec.stack.length) d.stack = rec.stack;
    if (f.related.length) d.related = f.related;
    if (!sup.suppressed(d)) findings.push(d);
  };
  // Rules by the effect kinds they look at: each instruction runs only the rules its effects need
  // (a bit set per rule against the instruction's effect-kind bits; no allocation per instruction).
  const active = ALL_RULES.filter((r) => severities[r.id] !== 'off');
  const perKind: { rule: Rule; mask: number }[] = [];
  let anyMask = 0;
  for (const rule of active) {
    if (rule.checkProgram) for (const f of rule.checkProgram(ctx)) emit(rule.id, f);
    let mask = 0;
    for (const k of rule.on ?? []) mask |= EFFECT_BIT[k];
    if (rule.check && mask) perKind.push({ rule, mask });
    anyMask |= mask;
  }
  const perInsn: { rule: Rule; i: number; found: Finding[] }[] = [];
  for (let i = 0; i < p.insns.length; i++) {
    const L = p.insns[i]!;
    if (L.invalid || (L.kinds & anyMask) === 0) continue;
    for (const { rule, mask } of perKind) {
      if ((L.kinds & mask) === 0) continue;
      const found = rule.check!(L, facts(i), ctx);
      if (found.length) perInsn.push({ rule, i, found });
    }
  }
  // Emit in rule-table order, like the file-level rules (stable output).
  const order = new Map(ALL_RULES.map((r, k) => [r.id, k]));
  perInsn.sort((a, b) => order.get(a.rule.id)! - order.get(b.rule.id)! || a.i - b.i);
  for (const x of perInsn) for (const f of x.found) emit(x.rule.id, f);
  if (result.truncated && entries.length) {
    findings.push({ range: entries[0]!.range, severity: 'information', code: 'analysis-limit', message: 'the GS-state walk hit its work limit: some paths were not followed and findings on them may be missing' });
  }
  // Identical findings on one line (a macro call expanding to several instructions) count once.
  const seen = new Set<string>();
  const unique = findings.filter((d) => {
    const k = `${d.code}|${d.range.file}|${d.range.line}|${d.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  unique.sort((a, b) => (a.range.file < b.range.file ? -1 : a.range.file > b.range.file ? 1 : a.range.line - b.range.line || a.range.start - b.range.start));

  return {
    diagnostics: [...program.diagnostics, ...unique],
    entries: entries.map(({ insn: _i, ...e }) => e),
    notEntries,
    stateAt(address, when = 'before') {
      const i = p.byAddress.get(address);
      if (i === undefined) return undefined;
      let fs = facts(i);
      if (!fs.length) return undefined;
      if (when === 'after') fs = [...new Map(fs.map((f) => transfer(p, p.insns[i]!, f, entries)).map((f) => [f.key, f])).values()];
      return summarize(p, address, fs, entries);
    },
    rules: [...RULES],
  };
}
