// Small text helpers for protocol tests: find a position by searching the text (no hard-coded
// line numbers), and apply LSP text edits the way an editor does.

export interface Pos {
  line: number;
  character: number;
}

/** Position of the `nth` (0-based) occurrence of `needle`, plus `offset` characters. */
export function posOf(text: string, needle: string, nth = 0, offset = 0): Pos {
  let at = -1;
  for (let i = 0; i <= nth; i++) {
    at = text.indexOf(needle, at + 1);
    if (at < 0) throw new Error(`'${needle}' #${nth} not in text`);
  }
  const before = text.slice(0, at + offset);
  const line = before.split('\n').length - 1;
  return { line, character: before.length - (before.lastIndexOf('\n') + 1) };
}

export function lineOf(text: string, needle: string, nth = 0): number {
  return posOf(text, needle, nth).line;
}

function offsetAt(text: string, p: Pos): number {
  const lines = text.split('\n');
  let off = 0;
  for (let i = 0; i < p.line && i < lines.length; i++) off += lines[i]!.length + 1;
  return off + p.character;
}

export function applyEdits(text: string, edits: { range: { start: Pos; end: Pos }; newText: string }[]): string {
  const sorted = [...edits].sort((a, b) => offsetAt(text, b.range.start) - offsetAt(text, a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offsetAt(out, e.range.start)) + e.newText + out.slice(offsetAt(out, e.range.end));
  return out;
}
