// The FileHost the front end reads `%include`/`incbin` through: open editor buffers first
// (unsaved text wins over the disk), then the disk. Records every file it was asked for, so
// a change to an included buffer re-lints the files that include it.

import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FileHost } from '../emulator/asm/types';

/** Files larger than this are not read (the front end reports the include as unreadable). */
const MAX_FILE_BYTES = 16 * 1024 * 1024;

export type OpenBuffers = (file: string) => string | undefined;

export class RecordingFileHost implements FileHost {
  /** Every path resolved or read, normalised; a dependency of the document being linted. */
  readonly touched = new Set<string>();

  constructor(private readonly open: OpenBuffers = () => undefined) {}

  /** The text of every file read, by normalised path (the document model scans them for %macro/%define). */
  readonly texts = new Map<string, string>();

  readText(file: string): string | undefined {
    const abs = path.resolve(file);
    this.touched.add(abs);
    const buffered = this.open(abs);
    if (buffered !== undefined) {
      this.texts.set(abs, buffered);
      return buffered;
    }
    try {
      if (statSync(file).size > MAX_FILE_BYTES) return undefined;
      const text = readFileSync(file, 'utf8');
      this.texts.set(abs, text);
      return text;
    } catch {
      return undefined;
    }
  }

  readBytes(file: string): Uint8Array | undefined {
    this.touched.add(path.resolve(file));
    const buffered = this.open(path.resolve(file));
    if (buffered !== undefined) return new TextEncoder().encode(buffered);
    try {
      if (statSync(file).size > MAX_FILE_BYTES) return undefined;
      return new Uint8Array(readFileSync(file));
    } catch {
      return undefined;
    }
  }

  /** NASM's order: the name as given relative to the including file's directory, then each -I path. */
  resolve(fromFile: string, name: string, includePaths: readonly string[]): string | undefined {
    const candidates = path.isAbsolute(name)
      ? [name]
      : [path.join(path.dirname(fromFile), name), ...includePaths.map((dir) => path.join(dir, name))];
    for (const c of candidates) {
      const abs = path.resolve(c);
      this.touched.add(abs);
      if (this.open(abs) !== undefined || isFile(abs)) return abs;
    }
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

/** The file-system path of a `file:` URI; other schemes (untitled:) keep the URI as their name. */
export function uriToPath(uri: string): string {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return uri;
    }
  }
  return uri;
}

export function pathToUri(file: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(file) && !/^[a-z]:[\\/]/i.test(file) ? file : pathToFileURL(file).href;
}
