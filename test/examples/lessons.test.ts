// The teaching programs in examples/ do what their header comments promise: each correct lesson
// assembles like nasm, lints clean and runs to its stated output; each broken twin shows exactly
// its one bug, through the built CLI (dist/cli.js) as a learner would run it.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');
const cli = path.join(root, 'dist/cli.js');

interface Lesson {
  file: string;
  /** Rule ids lint must report (exactly these, in any order, possibly repeated). */
  rules: string[];
  runArgs: string[];
  exitCode: number;
  /** Checks the console output. */
  stdout?: (out: string) => void;
  /** A word the error message must contain (for faults). */
  stderr?: RegExp;
}

const LESSONS: Lesson[] = [
  {
    file: 'lesson1-syscall.asm', rules: [], runArgs: [], exitCode: 0,
    stdout: (out) => expect(out).toBe('hello from ring 3\nand back again, GS intact\n'),
  },
  { file: 'lesson1-syscall-broken.asm', rules: ['gs-kernel-base-on-exit'], runArgs: [], exitCode: 3, stderr: /#PF/ },
  {
    file: 'lesson2-interrupt.asm', rules: [], runArgs: ['--timer', '32:500'], exitCode: 0,
    stdout: (out) => expect(out).toBe('KKKUUUUU\n'),
  },
  { file: 'lesson2-interrupt-broken.asm', rules: ['swapgs-without-cpl-check'], runArgs: ['--timer', '32:500'], exitCode: 3, stderr: /#PF/ },
  {
    file: 'lesson3-two-cores.asm', rules: [], runArgs: ['--cpus', '2', '--quantum', '50'], exitCode: 0,
    // Both cores print three whole lines each (the console lock keeps lines whole), in any order.
    stdout: (out) => expect(out.split('\n').filter(Boolean).sort()).toEqual([
      'core 0: hello', 'core 0: hello', 'core 0: hello', 'core 1: hello', 'core 1: hello', 'core 1: hello']),
  },
  { file: 'lesson3-two-cores-broken.asm', rules: ['user-rsp-in-global'], runArgs: ['--cpus', '2', '--quantum', '50'], exitCode: 1 },
  {
    file: 'lesson4-speculation.asm', rules: [], runArgs: ['--timer', '32:500'], exitCode: 0,
    stdout: (out) => expect(out).toBe('KKKUUUUU\n'),
  },
  {
    // The emulator does not speculate: the broken twin runs exactly like the correct one.
    file: 'lesson4-speculation-broken.asm', rules: ['swapgs-speculation'], runArgs: ['--timer', '32:500'], exitCode: 0,
    stdout: (out) => expect(out).toBe('KKKUUUUU\n'),
  },
];

function cliRun(args: string[]) {
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: root, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The commands the built CLI lists in its help (run and lint arrive with their issues). */
function commands(): Set<string> {
  if (!existsSync(cli)) return new Set();
  const help = cliRun(['--help']).out;
  return new Set([...help.matchAll(/^ {2}(\w+) /gm)].map((m) => m[1]!));
}
const available = commands();

describe('examples/', () => {
  it('has a correct program and a broken twin for every lesson, and a test row for each', () => {
    const files = readdirSync(path.join(root, 'examples')).filter((f) => f.endsWith('.asm')).sort();
    expect(files).toEqual(LESSONS.map((l) => l.file).sort());
    for (const f of files.filter((x) => x.endsWith('-broken.asm'))) expect(files).toContain(f.replace('-broken', ''));
  });

  for (const lesson of LESSONS) {
    const file = path.join('examples', lesson.file);

    it(`${lesson.file}: swapgs-lab asm makes the same bytes as nasm -f bin`, () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'lesson-'));
      try {
        const theirs = path.join(dir, 'nasm.bin');
        const ours = path.join(dir, 'ours.bin');
        const r = spawnSync('nasm', ['-f', 'bin', file, '-o', theirs], { cwd: root, encoding: 'utf8' });
        expect(r.stderr).toBe('');
        expect(r.status).toBe(0);
        const a = cliRun(['asm', file, '-o', ours]);
        expect(a.code, a.err).toBe(0);
        expect(readFileSync(ours).equals(readFileSync(theirs))).toBe(true);
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    it.skipIf(!available.has('lint'))(`${lesson.file}: lint reports ${lesson.rules.join(', ') || 'nothing'}`, () => {
      const r = cliRun(['lint', '--format', 'json', file]);
      const findings = JSON.parse(r.out) as { rule: string }[];
      expect([...new Set(findings.map((f) => f.rule))].sort()).toEqual([...lesson.rules].sort());
    });

    it.skipIf(!available.has('run'))(`${lesson.file}: run ${lesson.runArgs.join(' ')} exits ${lesson.exitCode}`, () => {
      const r = cliRun(['run', file, ...lesson.runArgs]);
      expect(r.code, r.err).toBe(lesson.exitCode);
      lesson.stdout?.(r.out);
      if (lesson.stderr) expect(r.err).toMatch(lesson.stderr);
    });
  }
});
