// Where a rule's documentation page lives: docs/rules/<id>.md in the project's repository
// (package.json `repository`), as a web URL. The LSP codeDescription and the SARIF helpUri both
// use this one function so every client (VS Code, other editors, GitHub code scanning) links to
// the same page, with nothing to ship inside the extension.

import pkg from '../package.json';
import { RULE_BY_ID } from './analysis';

const REPO = (pkg as { repository?: { url?: string } }).repository?.url ?? 'https://github.com/swapgs-lab/swapgs-lab.git';

/** `https://github.com/owner/name` from `git+https://github.com/owner/name.git` and similar. */
export function repositoryWebUrl(url: string = REPO): string {
  return url.replace(/^git\+/, '').replace(/^git:\/\//, 'https://').replace(/\.git$/, '');
}

/** The page of a rule of the rule table; undefined for other codes (front-end notes such as `orphan-label`), which have none. */
export function ruleDocUri(id: string): string | undefined {
  if (!RULE_BY_ID.has(id)) return undefined;
  return `${repositoryWebUrl()}/blob/main/docs/rules/${encodeURIComponent(id)}.md`;
}
