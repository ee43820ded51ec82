// End-to-end programs through the built CLI (`node dist/cli.js run`): each .asm file in this
// folder states its arguments and expected outcome in header comments:
//   ; run-args: --cpus 2 --timer 32:300
//   ; expect-exit: 3
//   ; expect-stdout: text with \n escapes          (exact)
//   ; expect-stderr: a regular expression          (searched)
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');
const dir = __dirname;

function header(text: string, key: string): string | undefined {
  const m = new RegExp(`^; ${key}:[ \\t]?(.*)$`, 'm').exec(text);
  return m ? m[1]! : undefined;
}

const files = readdirSync(dir).filter((f) => f.endsWith('.asm')).sort();

beforeAll(() => {
  if (!existsSync(cli)) execFileSync('node', ['scripts/build.mjs'], { cwd: root, stdio: 'pipe' });
});

describe('end-to-end programs (swapgs-lab run)', () => {
  it('has programs to run', () => {
    expect(files.length).toBeGreaterThanOrEqual(5);
  });
  for (const f of files) {
    const text = readFileSync(path.join(dir, f), 'utf8');
    const args = (header(text, 'run-args') ?? '').split(/\s+/).filter(Boolean);
    const exit = header(text, 'expect-exit');
    const stdout = header(text, 'expect-stdout');
    const stderr = header(text, 'expect-stderr');
    it(`${f} ${args.join(' ')}`, () => {
      const r = spawnSync('node', [cli, 'run', ...args, path.join('test/programs', f)], { cwd: root, encoding: 'latin1', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(Number(exit));
      if (stdout !== undefined) expect(r.stdout).toBe(stdout.replace(/\\n/g, '\n'));
      if (stderr !== undefined) expect(r.stderr).toMatch(new RegExp(stderr));
    });
  }
});
