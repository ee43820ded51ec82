// In-memory FileHost for preprocessor tests: files keyed by absolute-like path.
import type { FileHost } from '../../emulator/asm/types';

export function memHost(files: Record<string, string>): FileHost {
  const dir = (p: string) => (p.includes('/') ? p.slice(0, p.lastIndexOf('/')) : '.');
  const norm = (p: string) => {
    const out: string[] = [];
    for (const part of p.split('/')) {
      if (part === '..') out.pop();
      else if (part !== '.' && part !== '') out.push(part);
    }
    return (p.startsWith('/') ? '/' : '') + out.join('/');
  };
  return {
    readText: (p) => files[p],
    readBytes: (p) => (files[p] === undefined ? undefined : new TextEncoder().encode(files[p])),
    resolve: (from, name, paths) => {
      for (const d of [dir(from), ...paths]) {
        const p = norm(`${d}/${name}`);
        if (files[p] !== undefined) return p;
      }
      return undefined;
    },
  };
}
