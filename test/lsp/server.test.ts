// Protocol tests: the built language server (dist/server.js) over stdio with a real JSON-RPC
// client. Each test states what a user of an editor would see.

import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CodeAction, CompletionItem, Diagnostic, DocumentSymbol, Hover, InlayHint, Location, WorkspaceEdit } from 'vscode-languageserver-protocol';
import { fileUri, LspTestClient, NEVER_ANSWER, SERVER } from './lsp-client';
import { applyEdits, lineOf, posOf } from './text-utils';

const FIXTURES = path.join(__dirname, 'fixtures');
const BROKEN = readFileSync(path.join(FIXTURES, 'entry-missing-swapgs.asm'), 'utf8');
/** The fixture with its bug fixed (the second swapgs in place). */
const FIXED_TEXT = (): string => BROKEN.replace('    o64 sysret', '    swapgs\n    o64 sysret');
let n = 0;
/** A fresh document URI per test, inside the fixtures folder so includes resolve there. */
const uri = (name = 'doc'): string => fileUri(path.join(FIXTURES, `${name}-${++n}.asm`));

function hoverText(h: Hover | null): string {
  if (!h) return '';
  const c = h.contents as { value?: string } | string;
  return typeof c === 'string' ? c : (c.value ?? '');
}

let client: LspTestClient;
beforeAll(async () => {
  client = new LspTestClient();
  await client.initialize();
});
afterAll(async () => {
  await client.shutdown();
});

describe('the swapgs-lab-language-server program', () => {
  it('runs by itself (#!/usr/bin/env node) and names itself', () => {
    const r = spawnSync(SERVER, ['--version'], { encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^swapgs-lab-language-server \d+\.\d+\.\d+/);
  });
});

describe('initialize', () => {
  it('declares incremental sync and every editor feature', async () => {
    const c = new LspTestClient();
    try {
      const { capabilities } = await c.initialize();
      expect(capabilities['textDocumentSync']).toMatchObject({ openClose: true, change: 2 });
      for (const cap of [
        'hoverProvider',
        'completionProvider',
        'documentSymbolProvider',
        'foldingRangeProvider',
        'documentLinkProvider',
        'definitionProvider',
        'referencesProvider',
        'documentHighlightProvider',
        'renameProvider',
        'inlayHintProvider',
        'semanticTokensProvider',
        'codeActionProvider',
      ]) {
        expect(capabilities[cap], cap).toBeTruthy();
      }
      expect(JSON.stringify(capabilities['semanticTokensProvider'])).toContain('kernelGs');
    } finally {
      await c.shutdown();
    }
  });
});

describe('diagnostics', () => {
  it('reports the missing swapgs with rule id, doc link, source and the related swapgs', async () => {
    const u = uri();
    await client.open(u, BROKEN);
    const diags = await client.diagnosticsFor(u);
    const d = diags.find((x) => x.code === 'gs-kernel-base-on-exit');
    expect(d, JSON.stringify(diags)).toBeDefined();
    expect(d!.source).toBe('swapgs-lab');
    expect(d!.severity).toBe(1);
    expect(d!.range.start.line).toBe(lineOf(BROKEN, 'o64 sysret'));
    expect(d!.codeDescription?.href).toMatch(/^https:\/\/github\.com\/.*\/docs\/rules\/gs-kernel-base-on-exit\.md$/);
    expect(d!.relatedInformation?.some((r) => r.location.range.start.line === lineOf(BROKEN, '    swapgs'))).toBe(true);
  });

  it('an edit that adds the swapgs clears the finding (incremental change)', async () => {
    const u = uri();
    await client.open(u, BROKEN);
    expect((await client.diagnosticsFor(u)).some((d) => d.code === 'gs-kernel-base-on-exit')).toBe(true);
    const at = posOf(BROKEN, 'o64 sysret');
    const v = await client.change(u, [{ range: { start: at, end: at }, text: 'swapgs\n    ' }]);
    const after = await client.diagnosticsFor(u, v);
    expect(after.filter((d) => d.code === 'gs-kernel-base-on-exit')).toEqual([]);
  });

  it('a syntax error is located at its line and the rest of the file is still linted', async () => {
    const u = uri();
    const text = BROKEN.replace('    push rcx\n', '    push rcx,,\n');
    await client.open(u, text);
    const diags = await client.diagnosticsFor(u);
    const syntax = diags.find((d) => d.range.start.line === lineOf(text, 'push rcx,,'));
    expect(syntax?.severity).toBe(1);
    expect(diags.some((d) => d.code === 'gs-kernel-base-on-exit')).toBe(true);
  });

  it.each([
    ['CRLF', '\r\n'],
    ['CR', '\r'],
  ])('%s line endings put findings on the same lines', async (_name, eol) => {
    const u = uri('eol');
    await client.open(u, BROKEN.replace(/\n/g, eol));
    const d = (await client.diagnosticsFor(u)).find((x) => x.code === 'gs-kernel-base-on-exit');
    expect(d?.range.start).toEqual(posOf(BROKEN, 'o64 sysret'));
  });

  it('links doc pages only for codes of the rule table', async () => {
    const u = uri();
    const text = BROKEN.replace('helper:\n', 'helper:\nhelper:\n');
    await client.open(u, text);
    const diags = await client.diagnosticsFor(u);
    const other = diags.filter((d) => d.code === 'symbol-redefined');
    expect(other.length).toBeGreaterThan(0);
    for (const d of other) expect(d.codeDescription).toBeUndefined();
    expect(diags.find((d) => d.code === 'gs-kernel-base-on-exit')?.codeDescription?.href).toBeDefined();
  });

  it('closing a document clears its diagnostics', async () => {
    const u = uri();
    await client.open(u, BROKEN);
    await client.diagnosticsFor(u);
    const count = client.published.length;
    await client.close(u);
    const p = await client.waitFor((x) => x.uri === u && client.published.indexOf(x) >= count);
    expect(p.diagnostics).toEqual([]);
  });
});

describe('settings (workspace/configuration)', () => {
  it('a severity override and a switched-off rule are applied', async () => {
    const c = new LspTestClient();
    try {
      await c.initialize({ rules: { 'gs-kernel-base-on-exit': { severity: 'warning' } } });
      const u = uri();
      await c.open(u, BROKEN);
      const d = (await c.diagnosticsFor(u)).find((x) => x.code === 'gs-kernel-base-on-exit');
      expect(d?.severity).toBe(2);
      c.settings = { rules: { 'gs-kernel-base-on-exit': { enabled: false } } };
      const before = c.published.length;
      await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: null });
      const p = await c.waitFor((x) => x.uri === u && c.published.indexOf(x) >= before);
      expect(p.diagnostics.some((x) => x.code === 'gs-kernel-base-on-exit')).toBe(false);
    } finally {
      await c.shutdown();
    }
  });
});

describe('settings: extra entries and include paths', () => {
  it('a label listed in swapgs-lab.entries.syscall is linted as a syscall entry', async () => {
    // Installed from C: nothing in this file writes IA32_LSTAR.
    const text = 'bits 64\nsection .text\nmy_entry:\n    push rcx\n    o64 sysret\n';
    const plain = new LspTestClient();
    const withEntry = new LspTestClient();
    try {
      await plain.initialize({});
      await withEntry.initialize({ entries: { syscall: ['my_entry'] } });
      const u = uri('entries');
      await plain.open(u, text);
      await withEntry.open(u, text);
      expect((await plain.diagnosticsFor(u)).filter((d) => d.code === 'stack-before-kernel-rsp')).toEqual([]);
      const d = (await withEntry.diagnosticsFor(u)).find((x) => x.code === 'stack-before-kernel-rsp');
      expect(d?.range.start.line).toBe(lineOf(text, 'push rcx'));
    } finally {
      await plain.shutdown();
      await withEntry.shutdown();
    }
  });

  it('swapgs-lab.includePaths is searched by %include', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'swapgs-incpath-'));
    const incDir = path.join(dir, 'include');
    mkdirSync(incDir);
    writeFileSync(path.join(incDir, 'pcpu.inc'), 'struc pcpu\n    .rsp: resq 1\nendstruc\n');
    const main = path.join(dir, 'main.asm');
    const text = 'bits 64\n%include "pcpu.inc"\nsection .text\n_start:\n    mov rax, [gs:pcpu.rsp]\n    hlt\n';
    writeFileSync(main, text);
    const c = new LspTestClient();
    try {
      await c.initialize({ includePaths: [incDir] });
      await c.open(fileUri(main), text);
      const diags = await c.diagnosticsFor(fileUri(main));
      expect(diags.filter((d) => d.range.start.line <= lineOf(text, 'mov rax')).map((d) => d.message)).toEqual([]);
    } finally {
      await c.shutdown();
    }
    await client.open(fileUri(main), text);
    expect((await client.diagnosticsFor(fileUri(main))).some((d) => d.range.start.line === lineOf(text, '%include'))).toBe(true);
  });

  it('the file name of an %include links to the file it resolves to', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'swapgs-link-'));
    writeFileSync(path.join(dir, 'defs.inc'), '%define X 1\n');
    const main = path.join(dir, 'main.asm');
    const text = 'bits 64\n%include "defs.inc"\n%include "missing.inc"\n';
    await client.open(fileUri(main), text);
    const links = await client.request<{ range: { start: { line: number; character: number } }; target: string }[]>('textDocument/documentLink', {
      textDocument: { uri: fileUri(main) },
    });
    expect(links.map((l) => [l.range.start, l.target])).toEqual([[posOf(text, 'defs.inc'), fileUri(path.join(dir, 'defs.inc'))]]);
  });
});

describe('settings without workspace/configuration (other editors)', () => {
  it('takes initializationOptions, then didChangeConfiguration; the path goes into the message', async () => {
    const c = new LspTestClient();
    try {
      await c.initialize({}, { minimal: true, initializationOptions: { 'swapgs-lab': { rules: { 'gs-kernel-base-on-exit': 'hint' } } } });
      const u = uri();
      await c.open(u, BROKEN);
      const d = (await c.diagnosticsFor(u)).find((x) => x.code === 'gs-kernel-base-on-exit');
      expect(d?.severity).toBe(4);
      expect(d?.relatedInformation).toBeUndefined();
      expect(d?.message).toMatch(/kernel GS base since this swapgs \(line \d+\)/);
      const before = c.published.length;
      await c.conn.sendNotification('workspace/didChangeConfiguration', { settings: { 'swapgs-lab': { rules: { 'gs-kernel-base-on-exit': 'off' } } } });
      const p = await c.waitFor((x) => x.uri === u && c.published.indexOf(x) >= before);
      expect(p.diagnostics.some((x) => x.code === 'gs-kernel-base-on-exit')).toBe(false);
    } finally {
      await c.shutdown();
    }
  });
});

describe('a client that never answers workspace/configuration', () => {
  it('still gets diagnostics, with the default settings', async () => {
    const c = new LspTestClient();
    try {
      await c.initialize(NEVER_ANSWER);
      const u = uri();
      await c.open(u, BROKEN);
      const d = (await c.diagnosticsFor(u)).find((x) => x.code === 'gs-kernel-base-on-exit');
      expect(d?.severity).toBe(1);
      expect(c.logs.some((l) => /no answer/.test(l.message))).toBe(true);
    } finally {
      await c.shutdown();
    }
  });
});

describe('hover', () => {
  const u = uri('hover');
  beforeAll(async () => {
    await client.open(u, BROKEN);
    await client.diagnosticsFor(u);
  });
  const hoverAt = (needle: string, nth = 0, offset = 1) =>
    client.request<Hover | null>('textDocument/hover', { textDocument: { uri: u }, position: posOf(BROKEN, needle, nth, offset) }).then(hoverText);

  it('explains swapgs: what it swaps, the manual section, and the GS base after it', async () => {
    const t = await hoverAt('    swapgs', 0, 6);
    expect(t).toContain('IA32_KERNEL_GS_BASE');
    expect(t).toMatch(/SDM Vol\. 2B, SWAPGS/);
    expect(t).toMatch(/after: .*kernel/i);
  });

  it('decomposes a gs: memory operand with the active base', async () => {
    const t = await hoverAt('[gs:percpu.kernel_rsp]', 0, 3);
    expect(t).toContain(`[gs.base (kernel: swapped at line ${lineOf(BROKEN, '    swapgs') + 1}) + 0x8`);
  });

  it('lists registers read and written from the instruction info', async () => {
    const t = await hoverAt('    wrmsr', 0, 6);
    expect(t).toMatch(/reads .*`ecx`/);
    expect(t).toContain('IA32_LSTAR');
  });

  it('explains the stack switch of a syscall entry', async () => {
    const t = await hoverAt('mov rsp, [gs:percpu.kernel_rsp]', 0, 2);
    expect(t).toMatch(/RSP still holds the user stack pointer/);
    expect(t).toMatch(/SDM Vol\. 2B, SYSCALL/);
  });

  it('names MSR numbers', async () => {
    const t = await hoverAt('0xC0000082', 0, 3);
    expect(t).toContain('IA32_LSTAR');
  });

  it('gives a label its address and says how it was taken as an entry', async () => {
    const t = await hoverAt('lea rax, [syscall_entry]', 0, 12);
    expect(t).toMatch(/label at 0x10[0-9a-f]{4}/);
    expect(t).toMatch(/syscall entry/i);
  });
});

describe('hover on excluded entries', () => {
  it('explains swapgs-lab comments', async () => {
    const text = 'bits 64\nsection .text\n; swapgs-lab: interrupt-entry\nisr:\n    iretq  ; swapgs-lab-disable-line gs-kernel-base-on-exit\n';
    const u = uri('annot');
    await client.open(u, text);
    await client.diagnosticsFor(u);
    const at = (needle: string, off: number) =>
      client.request<Hover | null>('textDocument/hover', { textDocument: { uri: u }, position: posOf(text, needle, 0, off) }).then(hoverText);
    expect(await at('; swapgs-lab: interrupt-entry', 5)).toMatch(/interrupt entry/);
    expect(await at('; swapgs-lab-disable-line', 5)).toMatch(/Silences `gs-kernel-base-on-exit` on this line/);
  });

  it('says when `; swapgs-lab: not-entry` overrode a guessed entry', async () => {
    const text = 'bits 64\nsection .text\nglobal my_syscall_stub\n; swapgs-lab: not-entry\nmy_syscall_stub:\n    o64 sysret\n';
    const u = uri('notentry');
    await client.open(u, text);
    await client.diagnosticsFor(u);
    const h = await client.request<Hover | null>('textDocument/hover', { textDocument: { uri: u }, position: posOf(text, 'my_syscall_stub:', 0, 3) });
    expect(hoverText(h)).toMatch(/not-entry` at line 4/);
  });
});

describe('completion', () => {
  it('offers mnemonics, registers, labels, macros and MSR names', async () => {
    const u = uri();
    await client.open(u, BROKEN);
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: u }, position: posOf(BROKEN, '    call helper', 0, 4) });
    const labels = new Set(items.map((i) => i.label));
    for (const l of ['swapgs', 'wrmsr', 'vpxor', 'rax', 'r15', 'gs', 'helper', 'syscall_entry', 'SAVE_USER_RSP', 'MSR_LSTAR', 'IA32_KERNEL_GS_BASE']) {
      expect(labels.has(l), l).toBe(true);
    }
  });

  it('offers preprocessor directives after %', async () => {
    const u = uri();
    const text = BROKEN.replace('%define MSR_LSTAR', '%def MSR_LSTAR');
    await client.open(u, text);
    const items = await client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: u }, position: posOf(text, '%def MSR', 0, 4) });
    const def = items.find((i) => i.label === '%define');
    expect(def?.textEdit).toMatchObject({ newText: '%define', range: { start: posOf(text, '%def MSR'), end: posOf(text, '%def MSR', 0, 4) } });
    expect(items.some((i) => i.label === 'rax')).toBe(false);
  });

  it('sends only names that can match the word being typed, and local labels under their parent', async () => {
    const u = uri();
    const text = BROKEN.replace('    jnz .loop', '    jnz .lo');
    await client.open(u, text);
    const at = (needle: string, offset: number) =>
      client.request<CompletionItem[]>('textDocument/completion', { textDocument: { uri: u }, position: posOf(text, needle, 0, offset) });
    const s = (await at('    swapgs', 6)).map((i) => i.label);
    expect(s).toContain('swapgs');
    expect(s).toContain('syscall_entry');
    expect(s).not.toContain('rax');
    const local = await at('jnz .lo', 7);
    expect(local.find((i) => i.label === '.loop')?.detail).toBe('local label of helper');
  });
});

describe('symbols and navigation', () => {
  const u = uri('nav');
  beforeAll(async () => {
    await client.open(u, BROKEN);
    await client.diagnosticsFor(u);
  });

  it('outlines sections, labels with their local labels, the macro and the struc with its fields', async () => {
    const syms = await client.request<DocumentSymbol[]>('textDocument/documentSymbol', { textDocument: { uri: u } });
    const flat = (xs: DocumentSymbol[]): DocumentSymbol[] => xs.flatMap((x) => [x, ...flat(x.children ?? [])]);
    const all = flat(syms);
    const text = all.find((s) => s.name === '.text');
    expect(text?.children?.map((c) => c.name)).toEqual(expect.arrayContaining(['_start', 'syscall_entry', 'helper', 'other']));
    const helper = all.find((s) => s.name === 'helper');
    expect(helper?.children?.map((c) => c.name)).toEqual(['.loop']);
    expect(all.find((s) => s.name === 'SAVE_USER_RSP')).toBeDefined();
    expect(all.find((s) => s.name === 'percpu')?.children?.map((c) => c.name)).toEqual(['.user_rsp', '.kernel_rsp']);
  });

  it('folds macros, strucs and functions', async () => {
    const folds = await client.request<{ startLine: number; endLine: number }[]>('textDocument/foldingRange', { textDocument: { uri: u } });
    const has = (start: string, end: string) => folds.some((f) => f.startLine === lineOf(BROKEN, start) && f.endLine === lineOf(BROKEN, end));
    expect(has('%macro SAVE_USER_RSP', '%endmacro')).toBe(true);
    expect(has('struc percpu', 'endstruc')).toBe(true);
    expect(has('helper:', '    ret')).toBe(true);
  });

  it('goes to the local label of the enclosing function, not the other one', async () => {
    const locs = await client.request<Location[]>('textDocument/definition', { textDocument: { uri: u }, position: posOf(BROKEN, 'jnz .loop', 0, 5) });
    expect(locs.map((l) => l.range.start.line)).toEqual([lineOf(BROKEN, '.loop:', 0)]);
  });

  it('goes to struc fields, macros and %defines', async () => {
    const def = async (needle: string, offset: number) =>
      (await client.request<Location[]>('textDocument/definition', { textDocument: { uri: u }, position: posOf(BROKEN, needle, 0, offset) })).map((l) => l.range.start.line);
    expect(await def('[gs:percpu.kernel_rsp]', 6)).toEqual([lineOf(BROKEN, '.kernel_rsp:')]);
    expect(await def('    SAVE_USER_RSP', 6)).toEqual([lineOf(BROKEN, '%macro SAVE_USER_RSP')]);
    expect(await def('mov ecx, MSR_LSTAR', 11)).toEqual([lineOf(BROKEN, '%define MSR_LSTAR')]);
  });

  it('finds every reference of a struc field, inside the macro body too', async () => {
    const locs = await client.request<Location[]>('textDocument/references', {
      textDocument: { uri: u },
      position: posOf(BROKEN, '.user_rsp:', 0, 2),
      context: { includeDeclaration: true },
    });
    expect(locs.map((l) => l.range.start.line).sort((a, b) => a - b)).toEqual(
      [lineOf(BROKEN, '.user_rsp:'), lineOf(BROKEN, 'mov [gs:percpu.user_rsp]'), lineOf(BROKEN, 'mov rsp, [gs:percpu.user_rsp]')].sort((a, b) => a - b),
    );
  });

  it('highlights the other uses of a local label, marking its definition', async () => {
    const hs = await client.request<{ range: { start: { line: number } }; kind: number }[]>('textDocument/documentHighlight', {
      textDocument: { uri: u },
      position: posOf(BROKEN, 'jnz .loop', 0, 6),
    });
    expect(hs.map((h) => [h.range.start.line, h.kind])).toEqual([
      [lineOf(BROKEN, '.loop:', 0), 3],
      [lineOf(BROKEN, 'jnz .loop'), 1],
    ]);
  });

  it('renames a local label only under its parent', async () => {
    const edit = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: u }, position: posOf(BROKEN, 'jnz .loop', 0, 6), newName: '.again' });
    const out = applyEdits(BROKEN, edit.changes![u]!);
    expect(out).toContain('.again:\n    dec rax\n    jnz .again');
    expect(out).toContain('other:\n.loop:\n    jmp .loop');
  });

  it('renames a macro and a %define everywhere they are used', async () => {
    const e1 = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: u }, position: posOf(BROKEN, '    SAVE_USER_RSP', 0, 5), newName: 'STASH_RSP' });
    const out1 = applyEdits(BROKEN, e1.changes![u]!);
    expect(out1).not.toContain('SAVE_USER_RSP');
    expect(out1.match(/STASH_RSP/g)?.length).toBe(2);
    const e2 = await client.request<WorkspaceEdit>('textDocument/rename', { textDocument: { uri: u }, position: posOf(BROKEN, '%define MSR_LSTAR', 0, 9), newName: 'LSTAR' });
    const out2 = applyEdits(BROKEN, e2.changes![u]!);
    expect(out2).toContain('%define LSTAR 0xC0000082');
    expect(out2).toContain('mov ecx, LSTAR\n');
  });

  it('refuses a rename to something that is not an identifier', async () => {
    await expect(
      client.request('textDocument/rename', { textDocument: { uri: u }, position: posOf(BROKEN, 'call helper', 0, 6), newName: '1bad name' }),
    ).rejects.toThrow(/not a NASM identifier/);
  });
});

describe('GS state in the editor', () => {
  const u = uri('gs');
  beforeAll(async () => {
    await client.open(u, BROKEN);
    await client.diagnosticsFor(u);
  });

  it('shows the GS base after the swapgs and at gs: accesses as inlay hints', async () => {
    const lines = BROKEN.split('\n').length;
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri: u },
      range: { start: { line: 0, character: 0 }, end: { line: lines, character: 0 } },
    });
    const at = (needle: string) => hints.filter((h) => h.position.line === lineOf(BROKEN, needle)).map((h) => String(h.label));
    expect(at('    swapgs')).toEqual([expect.stringMatching(/kernel/)]);
    expect(at('mov rsp, [gs:percpu.kernel_rsp]')).toEqual([expect.stringMatching(/kernel/)]);
    // Written in the macro body, shown at the call site.
    expect(at('    SAVE_USER_RSP')).toEqual([expect.stringMatching(/kernel/)]);
  });

  it('marks gs: operands with a kernelGs semantic token modifier', async () => {
    const { data } = await client.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri: u } });
    let line = 0;
    let col = 0;
    const toks: { line: number; col: number; mods: number }[] = [];
    for (let i = 0; i < data.length; i += 5) {
      line += data[i]!;
      col = data[i]! === 0 ? col + data[i + 1]! : data[i + 1]!;
      toks.push({ line, col, mods: data[i + 4]! });
    }
    const target = posOf(BROKEN, '[gs:percpu.kernel_rsp]', 0, 1);
    const tok = toks.find((t) => t.line === target.line && t.col === target.character);
    expect(tok?.mods).toBe(1 << 1); // kernelGs is the second modifier of the legend
  });
});

describe('GS state where paths disagree', () => {
  it('marks the gs: operand conflictGs and the hint says both bases', async () => {
    const text = readFileSync(path.join(FIXTURES, 'entry-skips-swapgs.asm'), 'utf8');
    const u = uri('conflict');
    await client.open(u, text);
    expect((await client.diagnosticsFor(u)).some((d) => d.code === 'gs-state-conflict')).toBe(true);
    const { data } = await client.request<{ data: number[] }>('textDocument/semanticTokens/full', { textDocument: { uri: u } });
    const target = posOf(text, '[gs:0x10]', 0, 1);
    let line = 0;
    let col = 0;
    let mods: number | undefined;
    for (let i = 0; i < data.length; i += 5) {
      line += data[i]!;
      col = data[i]! === 0 ? col + data[i + 1]! : data[i + 1]!;
      if (line === target.line && col === target.character) mods = data[i + 4];
    }
    expect(mods).toBe(1 << 2); // conflictGs, third modifier of the legend
    const hints = await client.request<InlayHint[]>('textDocument/inlayHint', {
      textDocument: { uri: u },
      range: { start: { line: target.line, character: 0 }, end: { line: target.line + 1, character: 0 } },
    });
    expect(hints.map((h) => String(h.label))).toEqual(['GS: user/kernel?']);
    expect(String(hints[0]!.tooltip)).toMatch(/user on some paths, kernel on others/);
  });
});

describe('code actions', () => {
  async function fixAndRelint(text: string, rule: string, title: RegExp): Promise<{ fixed: string; diags: Diagnostic[] }> {
    const u = uri('fix');
    await client.open(u, text);
    const d = (await client.diagnosticsFor(u)).find((x) => x.code === rule);
    expect(d, `${rule} reported`).toBeDefined();
    const actions = await client.request<CodeAction[]>('textDocument/codeAction', { textDocument: { uri: u }, range: d!.range, context: { diagnostics: [d] } });
    const fix = actions.find((a) => title.test(a.title));
    expect(fix, actions.map((a) => a.title).join(', ')).toBeDefined();
    const fixed = applyEdits(text, fix!.edit!.changes![u]!);
    const v = await client.change(u, [{ text: fixed }]);
    return { fixed, diags: await client.diagnosticsFor(u, v) };
  }

  it('inserts the missing swapgs and the finding goes away', async () => {
    const { fixed, diags } = await fixAndRelint(BROKEN, 'gs-kernel-base-on-exit', /insert swapgs/i);
    expect(fixed).toContain('    swapgs\n    o64 sysret');
    expect(diags.filter((d) => d.code === 'gs-kernel-base-on-exit')).toEqual([]);
  });

  it('offers a suppression comment that silences the rule on that line', async () => {
    const { fixed, diags } = await fixAndRelint(BROKEN, 'gs-kernel-base-on-exit', /suppress/i);
    expect(fixed).toContain('o64 sysret  ; swapgs-lab-disable-line gs-kernel-base-on-exit');
    expect(diags.filter((d) => d.code === 'gs-kernel-base-on-exit')).toEqual([]);
  });

  it('on a line that already has a comment, the suppression goes on its own line above', async () => {
    const text = BROKEN.replace('    o64 sysret', '    o64 sysret ; back to user');
    const { fixed, diags } = await fixAndRelint(text, 'gs-kernel-base-on-exit', /suppress/i);
    expect(fixed).toContain('    ; swapgs-lab-disable-next-line gs-kernel-base-on-exit\n    o64 sysret ; back to user');
    expect(diags.filter((d) => d.code === 'gs-kernel-base-on-exit')).toEqual([]);
  });

  it('inserts lfence on both sides of the CPL branch around swapgs', async () => {
    const text = readFileSync(path.join(FIXTURES, 'isr-no-lfence.asm'), 'utf8');
    const { fixed, diags } = await fixAndRelint(text, 'swapgs-speculation', /lfence/i);
    expect(fixed).toContain('    jz .from_kernel\n    lfence\n    swapgs\n.from_kernel:\n    lfence\n    mov rax, [gs:0x10]');
    expect(diags.filter((d) => d.code === 'swapgs-speculation')).toEqual([]);
  });

  it('restores the user RSP from where the entry saved it (inside a macro) before sysret', async () => {
    const text = BROKEN.replace('    mov rsp, [gs:percpu.user_rsp]\n    o64 sysret', '    swapgs\n    o64 sysret');
    const { fixed, diags } = await fixAndRelint(text, 'user-rsp-not-restored', /restore/i);
    expect(fixed).toContain('    mov rsp, [gs:percpu.user_rsp]\n    swapgs\n    o64 sysret');
    expect(diags.filter((d) => d.code === 'user-rsp-not-restored')).toEqual([]);
  });

  it('a syscall entry that never swaps gets swapgs as its first instruction', async () => {
    const text = BROKEN.replace('syscall_entry:\n    swapgs\n', 'syscall_entry:\n').replace('    o64 sysret', '    swapgs\n    o64 sysret');
    const { fixed, diags } = await fixAndRelint(text, 'gs-user-base-in-kernel', /start of syscall entry/i);
    expect(fixed).toContain('syscall_entry:\n    swapgs\n    SAVE_USER_RSP');
    expect(diags.filter((d) => d.code === 'gs-user-base-in-kernel' || d.code === 'gs-kernel-base-on-exit')).toEqual([]);
  });

  it("turns a 32-bit sysret into 'o64 sysret'", async () => {
    const text = FIXED_TEXT().replace('    o64 sysret', '    sysret');
    const { fixed, diags } = await fixAndRelint(text, 'sysret-32bit', /o64/);
    expect(fixed).toContain('    o64 sysret');
    expect(diags.filter((d) => d.code === 'sysret-32bit')).toEqual([]);
  });

  it('moves a push made on the user stack after the stack switch', async () => {
    const text = BROKEN.replace('    swapgs\n    SAVE_USER_RSP\n', '    swapgs\n    push rax\n    SAVE_USER_RSP\n').replace('    pop rcx\n', '    pop rcx\n    pop rax\n');
    const { fixed, diags } = await fixAndRelint(text, 'stack-before-kernel-rsp', /move/i);
    expect(fixed).toContain('mov rsp, [gs:percpu.kernel_rsp]\n    push rax\n');
    expect(diags.filter((d) => d.code === 'stack-before-kernel-rsp')).toEqual([]);
  });
});

describe('includes', () => {
  it('an open, unsaved include wins over the disk and its edits re-lint the includer', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'swapgs-inc-'));
    const inc = path.join(dir, 'exit.inc');
    const main = path.join(dir, 'main.asm');
    // On disk the include returns without the swapgs ...
    writeFileSync(inc, '%macro EXIT_TO_USER 0\n    mov rsp, [gs:percpu.user_rsp]\n    o64 sysret\n%endmacro\n');
    const mainText = BROKEN.replace('    mov rsp, [gs:percpu.user_rsp]\n    o64 sysret\n', '    EXIT_TO_USER\n').replace('bits 64\n', 'bits 64\n%include "exit.inc"\n');
    writeFileSync(main, mainText);
    await client.open(fileUri(main), mainText);
    const onDisk = await client.diagnosticsFor(fileUri(main));
    expect(onDisk.find((d) => d.code === 'gs-kernel-base-on-exit')?.range.start.line).toBe(lineOf(mainText, '    EXIT_TO_USER'));
    // The macro of the include: definition in that file, hover names it, rename is refused here.
    const at = { textDocument: { uri: fileUri(main) }, position: posOf(mainText, '    EXIT_TO_USER', 0, 6) };
    const defs = await client.request<Location[]>('textDocument/definition', at);
    expect(defs.map((l) => [l.uri, l.range.start.line])).toEqual([[fileUri(inc), 0]]);
    expect(hoverText(await client.request<Hover | null>('textDocument/hover', at))).toContain('macro defined at exit.inc:1');
    await expect(client.request('textDocument/rename', { ...at, newName: 'LEAVE' })).rejects.toThrow(/defined in .*exit\.inc/);
    // ... the editor's buffer of the include has it: the includer is re-linted with the buffer.
    const fixed = '%macro EXIT_TO_USER 0\n    mov rsp, [gs:percpu.user_rsp]\n    swapgs\n    o64 sysret\n%endmacro\n';
    const before = client.published.length;
    await client.open(fileUri(inc), fixed);
    const p = await client.waitFor((x) => x.uri === fileUri(main) && client.published.indexOf(x) >= before);
    expect(p.diagnostics.filter((d) => d.code === 'gs-kernel-base-on-exit')).toEqual([]);
  });
});

describe('included files changed on disk', () => {
  it('a didChangeWatchedFiles for an include re-lints the file that includes it', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'swapgs-watch-'));
    const inc = path.join(dir, 'exit.inc');
    const main = path.join(dir, 'main.asm');
    writeFileSync(inc, '%macro EXIT_TO_USER 0\n    mov rsp, [gs:percpu.user_rsp]\n    o64 sysret\n%endmacro\n');
    const mainText = BROKEN.replace('    mov rsp, [gs:percpu.user_rsp]\n    o64 sysret\n', '    EXIT_TO_USER\n').replace('bits 64\n', 'bits 64\n%include "exit.inc"\n');
    writeFileSync(main, mainText);
    await client.open(fileUri(main), mainText);
    expect((await client.diagnosticsFor(fileUri(main))).some((d) => d.code === 'gs-kernel-base-on-exit')).toBe(true);
    writeFileSync(inc, '%macro EXIT_TO_USER 0\n    mov rsp, [gs:percpu.user_rsp]\n    swapgs\n    o64 sysret\n%endmacro\n');
    const before = client.published.length;
    await client.conn.sendNotification('workspace/didChangeWatchedFiles', { changes: [{ uri: fileUri(inc), type: 2 }] });
    const p = await client.waitFor((x) => x.uri === fileUri(main) && client.published.indexOf(x) >= before);
    expect(p.diagnostics.filter((d) => d.code === 'gs-kernel-base-on-exit')).toEqual([]);
  });
});

describe('robustness', () => {
  it('answers every request on binary garbage and keeps publishing', async () => {
    const u = uri('garbage');
    const garbage = Array.from({ length: 4000 }, (_, i) => String.fromCharCode((i * 7919) % 256)).join('');
    await client.open(u, garbage);
    await client.diagnosticsFor(u);
    await client.request('textDocument/hover', { textDocument: { uri: u }, position: { line: 3, character: 5 } });
    await client.request('textDocument/completion', { textDocument: { uri: u }, position: { line: 0, character: 2 } });
    await client.request('textDocument/documentSymbol', { textDocument: { uri: u } });
    const v = await client.change(u, [{ text: BROKEN }]);
    expect((await client.diagnosticsFor(u, v)).length).toBeGreaterThan(0);
    expect(client.exited).toBeUndefined();
  });

  it('requests for documents that were never opened get empty answers', async () => {
    const u = uri('unknown');
    expect(await client.request('textDocument/hover', { textDocument: { uri: u }, position: { line: 0, character: 0 } })).toBeNull();
    expect(await client.request('textDocument/documentSymbol', { textDocument: { uri: u } })).toEqual([]);
  });
});
