// Document links: the file name of each `%include "file"` (and `incbin`) opens the file it
// resolves to, searched as NASM searches it (the including file's folder, then -I paths).

import type { DocumentLink } from 'vscode-languageserver/node';
import type { FileHost } from '../../emulator/asm/types';
import { pathToUri } from '../file-host';
import type { DocumentModel } from '../model';
import { toRange } from './convert';

export function documentLinks(model: DocumentModel, host: FileHost): DocumentLink[] {
  const links: DocumentLink[] = [];
  for (let line = 0; line < model.lines.length; line++) {
    const text = model.lines[line]!;
    if (!/^\s*(%include|incbin|[A-Za-z_.?@$][\w.?@$#~]*:?\s+incbin)\b/i.test(text)) continue;
    const toks = model.index.tokens[line] ?? [];
    const str = toks.find((t) => t.kind === 'string');
    if (!str || str.text.length < 2) continue;
    const name = str.text.slice(1, -1);
    const target = host.resolve(model.file, name, model.settings.includePaths);
    if (!target) continue;
    links.push({ range: toRange({ ...str.range, start: str.range.start + 1, end: str.range.end - 1 }), target: pathToUri(target), tooltip: target });
  }
  return links;
}
