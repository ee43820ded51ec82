// `swapgs-lab lint` through the built bundle (dist/cli.js): formats, exit codes, SARIF shape.

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'dist', 'cli.js');
const BROKEN = readFileSync(path.join(ROOT, 'test', 'lsp', 'fixtures', 'entry-missing-swapgs.asm'), 'utf8');
const FIXED = BROKEN.replace('    o64 sysret', '    swapgs\n    o64 sysret');

let dir: string;
function lint(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'lint', ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'swapgs-lint-'));
  writeFileSync(path.join(dir, 'broken.asm'), BROKEN);
  writeFileSync(path.join(dir, 'fixed.asm'), FIXED);
  mkdirSync(path.join(dir, 'inc'));
  writeFileSync(path.join(dir, 'inc', 'percpu.inc'), 'struc pcpu\n    .rsp: resq 1\nendstruc\n');
  writeFileSync(path.join(dir, 'uses-include.asm'), 'bits 64\n%include "percpu.inc"\nsection .text\n_start:\n    mov rax, [gs:pcpu.rsp]\n    hlt\n');
});

describe('swapgs-lab lint', () => {
  it('text format: file:line:col: severity: message [rule], exit 1 on an error', () => {
    const r = lint('broken.asm');
    expect(r.code).toBe(1);
    const line = BROKEN.split('\n').findIndex((l) => l.includes('o64 sysret')) + 1;
    expect(r.out).toMatch(new RegExp(`^broken\\.asm:${line}:5: error: .+ \\[gs-kernel-base-on-exit\\]$`, 'm'));
  });

  it('exit 0 and no output for a correct file', () => {
    const r = lint('fixed.asm');
    expect(r.out.split('\n').filter((l) => / error: /.test(l))).toEqual([]);
    expect(r.code).toBe(0);
  });

  it('json format: the design contract, 1-based', () => {
    const r = lint('--format', 'json', 'broken.asm', 'fixed.asm');
    expect(r.code).toBe(1);
    const arr = JSON.parse(r.out) as Record<string, unknown>[];
    const f = arr.find((x) => x['rule'] === 'gs-kernel-base-on-exit');
    expect(Object.keys(f!).sort()).toEqual(['column', 'endColumn', 'endLine', 'file', 'line', 'message', 'rule', 'severity']);
    expect(f).toMatchObject({ file: 'broken.asm', line: BROKEN.split('\n').findIndex((l) => l.includes('o64 sysret')) + 1, column: 5, severity: 'error' });
    expect(f!['endColumn'] as number).toBeGreaterThan(f!['column'] as number);
    expect(arr.every((x) => x['file'] === 'broken.asm' || x['severity'] !== 'error')).toBe(true);
  });

  it('sarif format: 2.1.0 with rules (helpUri, default level) and located results', () => {
    const r = lint('--format', 'sarif', 'broken.asm');
    expect(r.code).toBe(1);
    const log = JSON.parse(r.out);
    expect(log.version).toBe('2.1.0');
    const run = log.runs[0];
    const rules = run.tool.driver.rules as { id: string; helpUri: string; defaultConfiguration: { level: string } }[];
    expect(rules.find((x) => x.id === 'swapgs-speculation')?.defaultConfiguration.level).toBe('warning');
    // Every rule of the rule table links its page (other front-end codes have none).
    for (const id of ['gs-kernel-base-on-exit', 'swapgs-speculation', 'syntax-error']) {
      expect(rules.find((x) => x.id === id)?.helpUri).toMatch(new RegExp(`docs/rules/${id}\\.md$`));
    }
    for (const rule of rules) if (rule.helpUri) expect(rule.helpUri).toMatch(new RegExp(`docs/rules/${rule.id}\\.md$`));
    const res = run.results.find((x: { ruleId: string }) => x.ruleId === 'gs-kernel-base-on-exit');
    expect(res.level).toBe('error');
    expect(rules[res.ruleIndex]!.id).toBe('gs-kernel-base-on-exit');
    const loc = res.locations[0].physicalLocation;
    expect(loc.artifactLocation.uri).toBe('broken.asm');
    expect(loc.region.startLine).toBe(BROKEN.split('\n').findIndex((l) => l.includes('o64 sysret')) + 1);
    expect(loc.region.startColumn).toBe(5);
    expect(res.relatedLocations?.length).toBeGreaterThan(0);
  });

  it('-I adds an include directory', () => {
    expect(lint('uses-include.asm').out).toMatch(/percpu\.inc/);
    const r = lint('-I', 'inc', 'uses-include.asm');
    expect(r.out).not.toMatch(/percpu\.inc/);
    expect(r.out).not.toMatch(/undefined-symbol/);
  });

  it('exit 2 on usage and I/O errors', () => {
    expect(lint().code).toBe(2);
    expect(lint('--format', 'xml', 'broken.asm').code).toBe(2);
    expect(lint('--bogus', 'broken.asm').code).toBe(2);
    const missing = lint('missing.asm');
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/cannot read 'missing\.asm'/);
  });
});
