// Where a rule's documentation page lives: docs/rules/<id>.md in the project's repository
// (package.json `repository`), as a web URL. The LSP codeDescription and the SARIF helpUri both
// use this one function so every client (VS Code, other editors, GitHub code scanning) links to
// the same page, with nothing to ship inside the extension.

import pkg from '../package.json';

const REPO = (pkg as { repository?: { url?: string } }).repository?.url ?? 'https://github.com/swapgs-lab/swapgs-lab.git';

/** `https://github.com/owner/name` from `git+https://github.com/owner/name.git` and similar. */
export function repositoryWebUrl(url: string = REPO): string {
  return url.replace(/^git\+/, '').replace(/^git:\/\//, 'https://').replace(/\.git$/, '');
}

export function ruleDocUri(id: string): string {
  return `${repositoryWebUrl()}/blob/main/docs/rules/${encodeURIComponent(id)}.md`;
}
