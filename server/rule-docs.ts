// Where a rule's documentation page lives: docs/rules/<id>.md shipped next to the bundles
// (dist/../docs/rules), addressed by a file URI. The LSP codeDescription and the SARIF helpUri
// both use this one function so every client links to the same page.

import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

let docsDir: string | undefined;

/** The docs/rules folder: found by walking up from this module (dist/ in the bundles, server/ in tests). */
export function ruleDocsDir(): string {
  if (docsDir) return docsDir;
  let dir = __dirname;
  for (let i = 0; i < 4; i++) {
    const candidate = path.join(dir, 'docs', 'rules');
    if (existsSync(candidate)) return (docsDir = candidate);
    dir = path.dirname(dir);
  }
  return (docsDir = path.join(__dirname, '..', 'docs', 'rules'));
}

export function ruleDocUri(id: string): string {
  return pathToFileURL(path.join(ruleDocsDir(), `${id}.md`)).href;
}
