// Differential suite: every test/qemu/programs/*.asm runs on the emulator and on QEMU TCG (through
// shim.asm) and must print the same console bytes and end the same way. Programs whose QEMU result
// is known to differ from silicon carry a `.sdm` file (the SDM-derived output) that the emulator is
// compared with instead; known emulator bugs are `it.fails` with the DIVERGENCES.md entry.
// Needs `npm run build` (dist/cli.js), nasm and qemu-system-x86_64; skipped with a message without QEMU.

import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nasmAvailable, PROGRAMS_DIR, qemuAvailable, runOnEmulator, runOnQemu, type Outcome } from './harness';

/** Emulator wrong per the SDM (details and sections in DIVERGENCES.md); `it.fails` until fixed. */
const EMULATOR_WRONG: Record<string, string> = {
  own_paging: "D3: the program's own page tables (mov cr3) are ignored",
  sysret_compat: 'D4: no compatibility mode (32-bit sysret stops the machine)',
};

/** QEMU model needed by a program (default `max`). */
const CPU: Record<string, string> = {};

const haveQemu = qemuAvailable() && nasmAvailable();
const haveCli = existsSync(join(PROGRAMS_DIR, '..', '..', '..', 'dist', 'cli.js'));
if (!haveQemu) console.warn('test/qemu: qemu-system-x86_64 or nasm not installed, differential suite skipped');
if (!haveCli) console.warn('test/qemu: dist/cli.js missing (run `npm run build`), differential suite skipped');

const programs = readdirSync(PROGRAMS_DIR)
  .filter((f) => f.endsWith('.asm'))
  .sort();

const shown = (o: Outcome): string => `${o.console}[end: ${o.end}]`;

describe.skipIf(!haveQemu || !haveCli)('emulator vs QEMU TCG (test/qemu/programs)', () => {
  for (const p of programs) {
    const name = p.replace(/\.asm$/, '');
    const file = join(PROGRAMS_DIR, p);
    const sdm = join(PROGRAMS_DIR, `${name}.sdm`);
    const run = async (): Promise<void> => {
      const hasSdm = existsSync(sdm);
      // Both sides at once: the suite's time is the slower of the two per program.
      const [emu, q] = await Promise.all([
        runOnEmulator(file),
        hasSdm ? Promise.resolve(undefined) : runOnQemu(file, CPU[name] ?? 'max'),
      ]);
      // QEMU_DIFF_SHOW=1 prints the emulator's outcome (to review and write a `.sdm` file).
      if (process.env.QEMU_DIFF_SHOW) console.log(`--- ${name} (emulator)\n${shown(emu)}\n${emu.detail}`);
      if (hasSdm || !q) {
        // QEMU differs from silicon here: the emulator is held to the SDM-derived expectation.
        expect(shown(emu), emu.detail).toBe(readFileSync(sdm, 'latin1'));
        return;
      }
      if (process.env.QEMU_DIFF_SHOW) console.log(`--- ${name} (qemu)\n${shown(q)}\n${q.detail}`);
      expect(q.end.startsWith('error'), `${q.end}: ${q.detail}`).toBe(false);
      expect(shown(emu), `emulator: ${emu.detail}`).toBe(shown(q));
    };
    if (EMULATOR_WRONG[name]) it.fails(`${name} (emulator wrong: ${EMULATOR_WRONG[name]})`, run, 120_000);
    else it(name, run, 120_000);
  }
});
