// Fuzz: example files mutated line by line and byte by byte (fast-check), sent as incremental
// edits to the built server. Whatever the text, the server publishes diagnostics for the
// latest version, answers hover/completion/symbols/inlay hints/semantic tokens, logs no
// handler failure, and stays alive.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fileUri, LspTestClient, ROOT } from './lsp-client';

function corpus(): { name: string; text: string }[] {
  const files = [path.join(__dirname, 'fixtures', 'entry-missing-swapgs.asm')];
  const ex = path.join(ROOT, 'examples');
  if (existsSync(ex)) {
    for (const f of readdirSync(ex, { recursive: true }) as string[]) if (/\.(asm|nasm|inc)$/.test(f)) files.push(path.join(ex, f));
  }
  return files.slice(0, 12).map((f) => ({ name: path.basename(f), text: readFileSync(f, 'utf8').replace(/\r/g, '') }));
}

const VOCAB = [
  'swapgs',
  '    mov rax, [gs:0x10]',
  '    o64 sysret',
  '    iretq',
  '    jmp $',
  '%macro M 1',
  '%endmacro',
  '%rep 3',
  '%endrep',
  '%if 1',
  '%endif',
  'struc s',
  'endstruc',
  '.x:',
  'x: times 4 db 0',
  '    test byte [rsp+8], 3',
  '    jz .x',
  '    lfence',
  '    wrmsr',
  '    call x',
  '%include "nope.inc"',
  '%define X 0xC0000082',
  'section .user_text',
  '; swapgs-lab-disable-line gs-kernel-base-on-exit',
  '; swapgs-lab: syscall-entry',
  "    db 'unterminated",
  '    mov [gs:rsp], [rax]',
];

type Mutation =
  | { kind: 'delete-line'; at: number }
  | { kind: 'duplicate-line'; at: number }
  | { kind: 'swap-lines'; a: number; b: number }
  | { kind: 'insert-line'; at: number; text: string }
  | { kind: 'bytes'; at: number; remove: number; text: string };

const CHAR = fc.oneof(
  fc.constantFrom(';', '%', '[', ']', ':', ',', '"', "'", '`', '\\', '\n', '\t', '\0', '$', '.', 'gs', '0x', '\u00e9', '\uffff', '\ud800'),
  fc.string({ unit: 'binary', maxLength: 3 }).map((s) => s.replace(/\r/g, '')),
);

const MUTATION: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('duplicate-line' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('swap-lines' as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant('insert-line' as const), at: fc.nat(), text: fc.oneof(fc.constantFrom(...VOCAB), fc.string({ maxLength: 40 }).map((s) => s.replace(/[\r\n]/g, ''))) }),
  fc.record({ kind: fc.constant('bytes' as const), at: fc.nat(), remove: fc.nat({ max: 4 }), text: CHAR }),
);

interface Edit {
  start: number;
  end: number;
  text: string;
}

/** The mutation as one replacement of [start, end) in `text`. */
function toEdit(text: string, m: Mutation): Edit {
  const lines = text.split('\n');
  const lineStart = (i: number) => lines.slice(0, i).reduce((n, l) => n + l.length + 1, 0);
  const li = (n: number) => n % Math.max(1, lines.length);
  switch (m.kind) {
    case 'delete-line': {
      const i = li(m.at);
      const s = lineStart(i);
      return { start: s, end: Math.min(text.length, s + lines[i]!.length + 1), text: '' };
    }
    case 'duplicate-line': {
      const i = li(m.at);
      const s = lineStart(i);
      return { start: s, end: s, text: lines[i]! + '\n' };
    }
    case 'swap-lines': {
      const [a, b] = [li(m.a), li(m.b)].sort((x, y) => x - y) as [number, number];
      if (a === b) return { start: 0, end: 0, text: '' };
      const s = lineStart(a);
      const e = lineStart(b) + lines[b]!.length;
      const middle = lines.slice(a + 1, b);
      return { start: s, end: e, text: [lines[b]!, ...middle, lines[a]!].join('\n') };
    }
    case 'insert-line': {
      const s = lineStart(li(m.at));
      return { start: s, end: s, text: m.text + '\n' };
    }
    case 'bytes': {
      const s = text.length ? m.at % (text.length + 1) : 0;
      return { start: s, end: Math.min(text.length, s + m.remove), text: m.text };
    }
  }
}

function position(text: string, offset: number): { line: number; character: number } {
  const before = text.slice(0, offset);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

let client: LspTestClient;
beforeAll(async () => {
  client = new LspTestClient();
  await client.initialize();
});
afterAll(async () => {
  await client.shutdown();
});

describe('fuzz: the server survives any edit', () => {
  const files = corpus();
  let doc = 0;
  it(`mutated examples (${files.length} files) always get diagnostics and answers`, async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...files), fc.array(MUTATION, { minLength: 1, maxLength: 6 }), fc.nat(), async (file, mutations, probe) => {
        const uri = fileUri(path.join(__dirname, 'fixtures', `fuzz-${++doc}-${file.name}`));
        let text = file.text;
        await client.open(uri, text);
        let version = 1;
        for (const m of mutations) {
          const e = toEdit(text, m);
          const range = { start: position(text, e.start), end: position(text, e.end) };
          text = text.slice(0, e.start) + e.text + text.slice(e.end);
          version = await client.change(uri, [{ range, text: e.text }]);
        }
        const diags = await client.diagnosticsFor(uri, version);
        // Every finding points into the document as it is now.
        const lineCount = text.split('\n').length;
        for (const d of diags) {
          const msg = JSON.stringify(d.message);
          expect(d.range.start.line, msg).toBeLessThan(lineCount);
          expect(d.range.start.line <= d.range.end.line, msg).toBe(true);
          expect(d.range.start.character, msg).toBeGreaterThanOrEqual(0);
        }
        const pos = position(text, text.length ? probe % text.length : 0);
        const td = { textDocument: { uri } };
        await client.request('textDocument/hover', { ...td, position: pos });
        await client.request('textDocument/completion', { ...td, position: pos });
        await client.request('textDocument/definition', { ...td, position: pos });
        await client.request('textDocument/documentSymbol', td);
        await client.request('textDocument/semanticTokens/full', td);
        await client.request('textDocument/inlayHint', { ...td, range: { start: { line: 0, character: 0 }, end: position(text, text.length) } });
        await client.request('textDocument/codeAction', { ...td, range: { start: pos, end: pos }, context: { diagnostics: diags } });
        await client.close(uri);
        const failures = client.logs.filter((l) => l.type === 1);
        expect(failures.map((f) => f.message.split('\n')[0])).toEqual([]);
        expect(client.exited).toBeUndefined();
        expect(client.stderr).not.toMatch(/uncaught|unhandled/);
      }),
      { numRuns: Number(process.env['FUZZ_RUNS'] ?? 120) },
    );
  });
});
