// The Node.js FileHost: the only module of the front end that touches the file system, so
// everything else in emulator/asm stays pure and runs unchanged in tests, the LSP and the DAP.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { FileHost } from './types';

/** Files larger than this are refused (a located error upstream), so a stray `%include` of a disk image cannot exhaust memory. */
const MAX_FILE_BYTES = 64 * 1024 * 1024;

function readIfFile(p: string): Buffer | undefined {
  try {
    const st = statSync(p);
    if (!st.isFile() || st.size > MAX_FILE_BYTES) return undefined;
    return readFileSync(p);
  } catch {
    return undefined;
  }
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

/**
 * A FileHost over the real file system. `overlay` maps absolute paths to in-memory text
 * (unsaved editor buffers); it is consulted first.
 */
export function createNodeFileHost(overlay?: ReadonlyMap<string, string>): FileHost {
  return {
    readText(p: string): string | undefined {
      const o = overlay?.get(path.resolve(p));
      if (o !== undefined) return o;
      return readIfFile(p)?.toString('utf8');
    },
    readBytes(p: string): Uint8Array | undefined {
      const o = overlay?.get(path.resolve(p));
      if (o !== undefined) return new TextEncoder().encode(o);
      const b = readIfFile(p);
      return b === undefined ? undefined : new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    },
    // NASM looks a name up relative to the including file's directory first (as NASM 2.16
    // does for %include and incbin), then in each -I directory in order; -I entries are plain
    // prefixes in NASM, so a missing trailing separator is added.
    resolve(fromFile: string, name: string, includePaths: readonly string[]): string | undefined {
      if (path.isAbsolute(name)) return overlay?.has(name) || isFile(name) ? name : undefined;
      const candidates = [path.join(path.dirname(fromFile), name), ...includePaths.map((d) => path.join(d, name))];
      for (const c of candidates) {
        if (overlay?.has(path.resolve(c)) || isFile(c)) return c;
      }
      return undefined;
    },
  };
}
