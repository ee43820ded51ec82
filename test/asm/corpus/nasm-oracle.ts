// Runs `nasm -f bin` over a list of instruction lines and reports, per line, whether NASM
// rejected it or which bytes it emitted at which address (from NASM's listing). Results are
// cached under os.tmpdir() keyed by a hash of the source, so reruns do not invoke nasm.

import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type NasmLine = { rejected: true; message: string } | { rejected: false; address: number; hex: string };

export function nasmAvailable(): boolean {
  const r = spawnSync('nasm', ['-v'], { encoding: 'utf8' });
  return r.status === 0;
}

/**
 * `lines` are full source lines (directives allowed); returns one entry per line. Lines NASM
 * rejects are commented out and the file re-assembled until it is clean (NASM stops reporting
 * later-pass errors after an early-pass error), so every line gets a verdict.
 */
export function assembleLines(lines: string[]): NasmLine[] {
  const src = lines.join('\n') + '\n';
  const version = spawnSync('nasm', ['-v'], { encoding: 'utf8' }).stdout.trim();
  const key = createHash('sha256').update(version).update('\0').update(src).digest('hex').slice(0, 24);
  const cacheFile = join(tmpdir(), `swapgs-lab-nasm-${key}.json`);
  if (existsSync(cacheFile)) {
    try {
      return JSON.parse(readFileSync(cacheFile, 'utf8')) as NasmLine[];
    } catch {
      // fall through and recompute
    }
  }
  const dir = mkdtempSync(join(tmpdir(), 'swapgs-lab-nasm-'));
  try {
    const work = [...lines];
    const rejected = new Map<number, string>();
    let listing = '';
    for (let round = 0; round < 12; round++) {
      const asm = join(dir, 'c.asm');
      const lst = join(dir, 'c.lst');
      writeFileSync(asm, work.join('\n') + '\n');
      const r = spawnSync('nasm', ['-f', 'bin', '-w-all', '-l', lst, '-o', join(dir, 'c.bin'), asm], { encoding: 'utf8', maxBuffer: 1 << 28 });
      // A line that makes nasm panic (an internal assertion) counts as rejected too.
      const errs = [...(r.stderr ?? '').matchAll(/^.*?c\.asm:(\d+): (?:error|assertion): ?(.*)$/gm), ...(r.stderr ?? '').matchAll(/^panic: .*?c\.asm:(\d+): (.*)$/gm)];
      if (errs.length === 0 && r.status === 0) {
        listing = readFileSync(lst, 'utf8');
        break;
      }
      if (errs.length === 0) throw new Error(`nasm failed: ${(r.stderr ?? '').slice(0, 2000)}`);
      for (const e of errs) {
        const ln = Number(e[1]) - 1;
        if (!rejected.has(ln)) rejected.set(ln, e[2]);
        work[ln] = '';
      }
    }
    const bytes = new Map<number, { address: number; hex: string }>();
    for (const row of listing.split('\n')) {
      const m = /^\s*(\d+) ([0-9A-F]{8}) ([0-9A-F[\]()-]+)/.exec(row);
      if (!m) continue;
      const ln = Number(m[1]) - 1;
      const hex = m[3].replace(/[[\]()-]/g, '');
      const prev = bytes.get(ln);
      if (prev) prev.hex += hex;
      else bytes.set(ln, { address: parseInt(m[2], 16), hex });
    }
    const out: NasmLine[] = lines.map((_, i) => {
      const rej = rejected.get(i);
      if (rej !== undefined) return { rejected: true, message: rej };
      const b = bytes.get(i);
      return b ? { rejected: false, address: b.address, hex: b.hex.toLowerCase() } : { rejected: false, address: -1, hex: '' };
    });
    writeFileSync(cacheFile, JSON.stringify(out));
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
