// Builds the bundles under dist/: one file per program, plus the iced-x86 WASM they load.
// Every bundle sits directly in dist/ because iced-x86 reads its .wasm from __dirname.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';

const require = createRequire(import.meta.url);
const entries = {
  cli: 'cli/main.ts',
  server: 'server/main.ts',
  extension: 'client/extension.ts',
  'debug-adapter': 'debug-adapter/main.ts',
};
mkdirSync('dist', { recursive: true });
const present = Object.fromEntries(Object.entries(entries).filter(([, src]) => existsSync(src)));
await build({
  entryPoints: present,
  outdir: 'dist',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  sourcemap: true,
  external: ['vscode'],
  logLevel: 'warning',
});
const wasm = path.join(path.dirname(require.resolve('iced-x86')), 'iced_x86_bg.wasm');
copyFileSync(wasm, 'dist/iced_x86_bg.wasm');
console.log(`built ${Object.keys(present).join(', ')} -> dist/`);
