// Translation between the model's plain shapes (0-based SourceRange, severities by name) and
// LSP types. Every handler converts through here so ranges and severities agree everywhere.

import { DiagnosticSeverity, type Diagnostic as LspDiagnostic, type Range } from 'vscode-languageserver/node';
import type { Diagnostic, Severity, SourceRange } from '../../emulator/asm/types';
import { pathToUri } from '../file-host';
import { ruleDocUri } from '../rule-docs';

export const SOURCE = 'swapgs-lab';

export function toRange(r: SourceRange): Range {
  return { start: { line: r.line, character: r.start }, end: { line: r.line, character: Math.max(r.start, r.end) } };
}

const SEVERITY: Record<Severity, DiagnosticSeverity> = {
  error: DiagnosticSeverity.Error,
  warning: DiagnosticSeverity.Warning,
  information: DiagnosticSeverity.Information,
  hint: DiagnosticSeverity.Hint,
};

/** Kept on each diagnostic so a code action request names the rule even if the client rewrites `code`. */
export interface DiagnosticData {
  rule: string;
}

export function toLspDiagnostic(d: Diagnostic, relatedSupported: boolean): LspDiagnostic {
  const out: LspDiagnostic = {
    range: toRange(d.range),
    severity: SEVERITY[d.severity] ?? DiagnosticSeverity.Error,
    code: d.code,
    source: SOURCE,
    message: d.message,
    data: { rule: d.code } satisfies DiagnosticData,
  };
  const href = ruleDocUri(d.code);
  if (href) out.codeDescription = { href };
  if (d.related?.length) {
    if (relatedSupported) {
      out.relatedInformation = d.related.map((r) => ({ location: { uri: pathToUri(r.range.file), range: toRange(r.range) }, message: r.message }));
    } else {
      // Clients without relatedInformation still get the path in the message.
      out.message += '\n' + d.related.map((r) => `  ${r.message} (line ${r.range.line + 1})`).join('\n');
    }
  }
  return out;
}
