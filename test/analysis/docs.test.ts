// Every rule id has its doc page (docs/rules/<id>.md, the LSP's codeDescription target) with the
// sections a user needs, and there are no pages for ids that do not exist.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { RULES } from '../../server/analysis/index';

const ROOT = join(__dirname, '..', '..');

test('each rule has a doc page with meaning, causes, fixes and an example', () => {
  for (const r of RULES) {
    const path = join(ROOT, r.doc);
    expect(existsSync(path), r.doc).toBe(true);
    const text = readFileSync(path, 'utf8');
    expect(text.startsWith(`# \`${r.id}\``)).toBe(true);
    for (const h of ['## What it means', '## Why it matters', '## Common causes', '## How to fix it', '## Example']) expect(text, `${r.id}: ${h}`).toContain(h);
    expect(text).toContain(`**Default severity:** ${r.defaultSeverity}`);
  }
});

test('docs/rules has no page for an unknown rule id', () => {
  const ids = new Set(RULES.map((r) => `${r.id}.md`));
  expect(readdirSync(join(ROOT, 'docs', 'rules')).filter((f) => f.endsWith('.md') && !ids.has(f))).toEqual([]);
});
