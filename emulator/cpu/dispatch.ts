// The dispatch table: iced `Code` (or `Mnemonic`) -> handler, filled by registration from the
// ISA modules (emulator/cpu/isa/*.ts) and the system modules (emulator/cpu/system/*.ts).

import type { Decoded, Handler } from './decoded';

const byCode: (Handler | undefined)[] = [];
const byMnemonic: (Handler | undefined)[] = [];

/**
 * Register handlers keyed by iced `Code` value, e.g. `registerHandlers({ [Code.Swapgs]: swapgs })`.
 * Register at module load, before a core decodes: decoded instructions keep the handler they got.
 * A later registration for the same Code replaces the earlier one.
 */
export function registerHandlers(map: Record<number, Handler>): void {
  for (const k of Object.keys(map)) byCode[Number(k)] = map[Number(k)];
}

/** Register one handler for every Code of the given iced `Mnemonic` values (a Code entry wins). */
export function registerMnemonicHandlers(map: Record<number, Handler>): void {
  for (const k of Object.keys(map)) byMnemonic[Number(k)] = map[Number(k)];
}

/** The handler for a decoded instruction, or undefined when nothing is registered. */
export function lookupHandler(d: Pick<Decoded, 'code' | 'mnemonic'>): Handler | undefined {
  return byCode[d.code] ?? byMnemonic[d.mnemonic];
}

/** True when a handler exists for this Code (for tests listing coverage). */
export function hasHandler(code: number): boolean {
  return byCode[code] !== undefined;
}
