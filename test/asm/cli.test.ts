// `swapgs-lab asm` through the built bundle (dist/cli.js): output file, diagnostics format,
// exit codes, usage and version.

import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.join(__dirname, '../..');
const CLI = path.join(ROOT, 'dist/cli.js');
let dir = '';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

beforeAll(() => {
  if (!existsSync(CLI)) spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
  dir = mkdtempSync(path.join(tmpdir(), 'cli-asm-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('swapgs-lab asm', () => {
  it('writes FILE.bin next to the source by default', () => {
    writeFileSync(path.join(dir, 'ok.asm'), 'bits 64\nstart: mov eax, 1\njmp start\n');
    const r = cli('asm', 'ok.asm');
    expect(r.code).toBe(0);
    expect(Array.from(readFileSync(path.join(dir, 'ok.bin')))).toEqual([0xb8, 1, 0, 0, 0, 0xeb, 0xf9]);
  });

  it('honours -o and -I (include search path)', () => {
    mkdirSync(path.join(dir, 'inc'), { recursive: true });
    writeFileSync(path.join(dir, 'inc', 'defs.inc'), 'VALUE equ 7\n');
    writeFileSync(path.join(dir, 'uses.asm'), '%include "defs.inc"\nmov eax, VALUE\n');
    const r = cli('asm', 'uses.asm', '-o', 'x.img', '-I', 'inc/');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(Array.from(readFileSync(path.join(dir, 'x.img')))).toEqual([0xb8, 7, 0, 0, 0]);
  });

  it('prints file:line:col: error: message (1-based) and exits 2', () => {
    writeFileSync(path.join(dir, 'bad.asm'), 'nop\n  mov al, rbx\n  jmp nowhere\n');
    const r = cli('asm', 'bad.asm');
    expect(r.code).toBe(2);
    const lines = r.stderr.trim().split('\n');
    expect(lines[0]).toMatch(/^bad\.asm:2:3: error: /);
    expect(lines[1]).toMatch(/^bad\.asm:3:7: error: .*nowhere/);
    expect(existsSync(path.join(dir, 'bad.bin'))).toBe(false);
  });

  it('exits 2 with usage text on a usage error or missing file', () => {
    const r = cli('asm');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage: swapgs-lab asm/);
    expect(cli('asm', 'a.asm', '--bogus').code).toBe(2);
    const missing = cli('asm', 'no-such.asm');
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/cannot read/);
  });

  it('answers --help and --version, and rejects unknown commands', () => {
    expect(cli('--help').stdout).toMatch(/asm/);
    expect(cli('asm', '--help').stdout).toMatch(/-o, --output/);
    expect(cli('--version').stdout).toMatch(/^swapgs-lab \d+\.\d+\.\d+/);
    expect(cli('frobnicate').code).toBe(2);
  });
});
