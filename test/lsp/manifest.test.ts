// The extension manifest offers what the server reads: a switch and a severity per rule in
// the rule table, the entries and include-path settings, the server bin and the activation.

import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../server/analysis';
import { parseSettings } from '../../server/settings';

const pkg = JSON.parse(readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8'));
const props = pkg.contributes.configuration.properties as Record<string, { default: unknown }>;

/** What VS Code's getConfiguration('swapgs-lab') returns: dotted keys nested into objects. */
function nestedDefaults(): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(props)) {
    const parts = key.split('.').slice(1);
    let o = out;
    for (const part of parts.slice(0, -1)) o = (o[part] ??= {}) as Record<string, unknown>;
    o[parts[parts.length - 1]!] = p.default;
  }
  return out;
}

describe('package.json contributions for the language server', () => {
  it('has a switch and a severity setting for every rule', () => {
    for (const r of RULES) {
      expect(props[`swapgs-lab.rules.${r.id}.enabled`], r.id).toMatchObject({ type: 'boolean', default: true });
      expect(props[`swapgs-lab.rules.${r.id}.severity`], r.id).toMatchObject({ default: 'default' });
    }
  });

  it('the default settings change nothing, and each setting reaches the server', () => {
    expect(parseSettings(nestedDefaults())).toEqual({ severities: {}, extraEntries: [], includePaths: [] });
    const s = nestedDefaults() as { rules: Record<string, { enabled: boolean; severity: string }>; entries: { syscall: string[] }; includePaths: string[] };
    s.rules['swapgs-speculation']!.severity = 'error';
    s.rules['sysret-32bit']!.enabled = false;
    s.entries.syscall = ['entry_SYSCALL_64'];
    s.includePaths = ['include'];
    expect(parseSettings(s)).toEqual({
      severities: { 'swapgs-speculation': 'error', 'sysret-32bit': 'off' },
      extraEntries: [{ label: 'entry_SYSCALL_64', kind: 'syscall' }],
      includePaths: ['include'],
    });
  });

  it('ships the server as a bin and activates on nasm documents', () => {
    expect(pkg.bin['swapgs-lab-language-server']).toBe('./dist/server.js');
    expect(pkg.activationEvents).toContain('onLanguage:nasm');
  });
});
