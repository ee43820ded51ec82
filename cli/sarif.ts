// SARIF 2.1.0 output of `swapgs-lab lint` for GitHub code scanning: one run, the rule table as
// tool.driver.rules (id, helpUri, default level), one result per finding with a 1-based region
// on a path relative to the working directory, and the finding's path as relatedLocations.
// Pure: findings and rules in, the log object out.

import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Log, ReportingDescriptor, Result } from 'sarif';
import type { Diagnostic, Severity, SourceRange } from '../emulator/asm/types';
import type { RuleView } from '../server/engine';
import { ruleDocUri } from '../server/rule-docs';

const LEVEL: Record<Severity, Result.level> = { error: 'error', warning: 'warning', information: 'note', hint: 'note' };

/** A path relative to `cwd` with forward slashes (what code scanning matches against the checkout), else a file URI. */
export function artifactUri(file: string, cwd: string): string {
  const rel = path.relative(cwd, path.resolve(cwd, file));
  if (!rel.startsWith('..') && !path.isAbsolute(rel)) return rel.split(path.sep).join('/');
  return pathToFileURL(path.resolve(cwd, file)).href;
}

function region(r: SourceRange) {
  // SARIF regions are 1-based; endColumn is exclusive like ours.
  return { startLine: r.line + 1, startColumn: r.start + 1, endLine: r.line + 1, endColumn: Math.max(r.end, r.start) + 1 };
}

function location(r: SourceRange, cwd: string) {
  const uri = artifactUri(r.file, cwd);
  return { physicalLocation: { artifactLocation: uri.startsWith('file:') ? { uri } : { uri, uriBaseId: '%SRCROOT%' }, region: region(r) } };
}

export function toSarif(findings: readonly Diagnostic[], rules: readonly RuleView[], version: string, cwd: string): Log {
  const known = new Map(rules.map((r) => [r.id, r]));
  const descriptors: ReportingDescriptor[] = rules.map((r) => ruleDescriptor(r));
  for (const f of findings) {
    if (!known.has(f.code)) {
      // A code the rule table does not list (should not happen): describe it so ruleIndex stays valid.
      const r: RuleView = { id: f.code, defaultSeverity: f.severity, title: f.code };
      known.set(f.code, r);
      descriptors.push(ruleDescriptor(r));
    }
  }
  const index = new Map(descriptors.map((d, i) => [d.id, i]));
  const results: Result[] = findings.map((f) => {
    const res: Result = {
      ruleId: f.code,
      ruleIndex: index.get(f.code)!,
      level: LEVEL[f.severity] ?? 'error',
      message: { text: f.message },
      locations: [location(f.range, cwd)],
    };
    const related = [...(f.related ?? []).map((r) => ({ range: r.range, message: r.message })), ...(f.stack ?? []).map((s) => ({ range: s.callSite, message: `in ${s.kind} '${s.name}'` }))];
    if (related.length) res.relatedLocations = related.map((r, i) => ({ id: i + 1, ...location(r.range, cwd), message: { text: r.message } }));
    return res;
  });
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: { driver: { name: 'swapgs-lab', version, semanticVersion: version, rules: descriptors } },
        columnKind: 'utf16CodeUnits',
        originalUriBaseIds: { '%SRCROOT%': { uri: pathToFileURL(cwd + path.sep).href } },
        results,
      },
    ],
  };
}

function ruleDescriptor(r: RuleView): ReportingDescriptor {
  const doc = ruleDocUri(r.id);
  const d: ReportingDescriptor = {
    id: r.id,
    name: r.id.replace(/(^|-)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase()),
    shortDescription: { text: r.title },
    defaultConfiguration: { level: LEVEL[r.defaultSeverity] ?? 'warning' },
  };
  if (doc) {
    d.helpUri = doc;
    d.help = { text: `${r.title}. Causes and fixes: ${doc}`, markdown: `${r.title}. Causes and fixes: [docs/rules/${r.id}.md](${doc})` };
  }
  return d;
}
