// Lines without preprocessing: lexes each physical line into a PreprocessedLine with no
// expansion stack. Used for sources that need no macros and by parser tests.

import { lexLine } from './lexer';
import type { PreprocessedLine } from './types';

export function lexLines(source: string, file: string): PreprocessedLine[] {
  const out: PreprocessedLine[] = [];
  const texts = source.split(/\r?\n/);
  if (texts.length > 1 && texts[texts.length - 1] === '') texts.pop();
  for (let i = 0; i < texts.length; i++) {
    const text = texts[i]!;
    const lx = lexLine(text, file, i);
    const pl: PreprocessedLine = { tokens: lx.tokens, site: { file, line: i, start: 0, end: text.length }, stack: [] };
    if (lx.comment) pl.comment = lx.comment;
    out.push(pl);
  }
  return out;
}
