// Every broken example of the lessons, through the built server: it gets at least one finding,
// and each preferred quick fix offered for a finding removes that finding when applied.
// The correct examples get no error-level finding.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction } from 'vscode-languageserver-protocol';
import { fileUri, LspTestClient, ROOT } from './lsp-client';
import { applyEdits } from './text-utils';

const DIR = path.join(ROOT, 'examples');
const files = existsSync(DIR) ? (readdirSync(DIR).filter((f) => f.endsWith('.asm')) as string[]) : [];
const broken = files.filter((f) => /broken/.test(f));
const correct = files.filter((f) => !/broken/.test(f));

let client: LspTestClient;
beforeAll(async () => {
  client = new LspTestClient();
  await client.initialize();
});
afterAll(async () => {
  await client.shutdown();
});

describe.runIf(files.length > 0)('examples', () => {
  it.each(correct)('%s: no error-level finding', async (f) => {
    const text = readFileSync(path.join(DIR, f), 'utf8');
    const uri = fileUri(path.join(DIR, f));
    await client.open(uri, text);
    const errors = (await client.diagnosticsFor(uri)).filter((d) => d.severity === 1);
    expect(errors.map((d) => `${d.range.start.line + 1}: ${d.code} ${d.message}`)).toEqual([]);
    await client.close(uri);
  });

  it.each(broken)('%s: a finding, and its preferred quick fix clears it', async (f) => {
    const text = readFileSync(path.join(DIR, f), 'utf8');
    const uri = fileUri(path.join(DIR, f));
    await client.open(uri, text);
    const diags = await client.diagnosticsFor(uri);
    expect(diags.filter((d) => d.severity === 1 || d.severity === 2).length).toBeGreaterThan(0);
    for (const d of diags) {
      const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri }, range: d.range, context: { diagnostics: [d] } });
      const fix = actions.find((a) => a.isPreferred);
      if (!fix) continue;
      const fixed = applyEdits(text, fix.edit!.changes![uri]!);
      const v = await client.change(uri, [{ text: fixed }]);
      const after = await client.diagnosticsFor(uri, v);
      expect(after.filter((x) => x.code === d.code && x.message === d.message), `${fix.title} for ${d.code}`).toEqual([]);
      const back = await client.change(uri, [{ text }]);
      await client.diagnosticsFor(uri, back);
    }
    await client.close(uri);
  });
});
