// Keeps ARCHITECTURE.md true: its code map has a heading for every top-level folder of the
// repository, and every folder it names exists. Also checks the VS Code walkthrough's pages exist
// and ship in the VSIX.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

/** Top-level folders holding committed files (git does not track empty folders or ignored ones). */
function topLevelFolders(): string[] {
  let files: string[];
  try {
    files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' }).split('\n').filter(Boolean);
  } catch {
    // Not a git checkout (e.g. an unpacked archive): fall back to what is on disk.
    const skip = new Set(['node_modules', 'dist', '.git', 'test-results', '.tmp']);
    return readdirSync(root).filter((n) => !skip.has(n) && statSync(path.join(root, n)).isDirectory());
  }
  return [...new Set(files.filter((f) => f.includes('/')).map((f) => f.slice(0, f.indexOf('/'))))].sort();
}

function codeMapHeadings(): string[] {
  const text = readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8');
  const start = text.indexOf('## Code map');
  expect(start, 'ARCHITECTURE.md has a "## Code map" section').toBeGreaterThan(-1);
  const rest = text.slice(start + 1);
  const end = rest.search(/^## /m);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...section.matchAll(/^### `([^`]+)\/`\s*$/gm)].map((m) => m[1]!);
}

describe('ARCHITECTURE.md', () => {
  it('has a code map heading for every top-level folder', () => {
    const headings = new Set(codeMapHeadings());
    const missing = topLevelFolders().filter((f) => !headings.has(f));
    expect(missing, `add a "### \`<folder>/\`" heading to ARCHITECTURE.md for: ${missing.join(', ')}`).toEqual([]);
  });

  it('names only folders that exist', () => {
    const gone = codeMapHeadings().filter((h) => !existsSync(path.join(root, h)) || !statSync(path.join(root, h)).isDirectory());
    expect(gone, `ARCHITECTURE.md describes folders that do not exist: ${gone.join(', ')}`).toEqual([]);
  });

  it('states its architecture invariants in bold', () => {
    const text = readFileSync(path.join(root, 'ARCHITECTURE.md'), 'utf8');
    expect(text.match(/\*\*Architecture Invariant:\*\*/g)?.length ?? 0).toBeGreaterThanOrEqual(5);
  });
});

describe('walkthrough', () => {
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
  const steps: { id: string; media?: { markdown?: string } }[] = pkg.contributes.walkthroughs.flatMap((w: { steps: unknown[] }) => w.steps);

  it('has steps, each with a markdown page that exists', () => {
    expect(steps.length).toBeGreaterThan(0);
    for (const step of steps) {
      expect(step.media?.markdown, `step ${step.id} has a markdown page`).toBeTruthy();
      expect(existsSync(path.join(root, step.media!.markdown!)), step.media!.markdown).toBe(true);
    }
  });

  it('ships its pages in the VSIX (.vscodeignore lets docs/walkthrough/ through)', () => {
    const ignore = readFileSync(path.join(root, '.vscodeignore'), 'utf8').split('\n').map((l) => l.trim());
    expect(ignore).toContain('!docs/walkthrough/**');
  });
});
