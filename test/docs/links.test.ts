// Every relative link in the project's Markdown (README, ARCHITECTURE, CHANGELOG, docs/) points at
// a file that exists, so the README's rule table and the lessons guide never send a reader to a 404.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(__dirname, '../..');

function markdownFiles(): string[] {
  const out = ['README.md', 'ARCHITECTURE.md', 'CHANGELOG.md'];
  const walk = (dir: string): void => {
    for (const e of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, e.name);
      if (e.isDirectory()) walk(rel);
      else if (e.name.endsWith('.md')) out.push(rel);
    }
  };
  walk('docs');
  return out;
}

/** Relative link targets of [text](target) outside code spans and fences. */
function relativeLinks(text: string): string[] {
  const prose = text.replace(/```[\s\S]*?```/g, '').replace(/`[^`\n]*`/g, '');
  return [...prose.matchAll(/\]\(([^)\s]+)\)/g)]
    .map((m) => m[1]!)
    .filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t) && !t.startsWith('#'))
    .map((t) => t.split('#')[0]!);
}

describe('Markdown links', () => {
  for (const file of markdownFiles()) {
    it(`${file}: relative links resolve`, () => {
      const text = readFileSync(path.join(root, file), 'utf8');
      const broken = relativeLinks(text).filter((t) => !existsSync(path.join(root, path.dirname(file), t)));
      expect(broken).toEqual([]);
    });
  }

  it('the README links a rule page for every rule in the table', () => {
    const text = readFileSync(path.join(root, 'README.md'), 'utf8');
    const linked = relativeLinks(text).filter((t) => t.startsWith('docs/rules/'));
    expect(linked.length).toBeGreaterThanOrEqual(22);
  });
});
