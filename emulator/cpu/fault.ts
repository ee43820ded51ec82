// Architectural exceptions raised while executing a guest instruction (never a JS error for the guest).

/** Exception vectors, Intel SDM Vol. 3A 6.3.1 Table 6-1. */
export const Vec = {
  DE: 0, DB: 1, NMI: 2, BP: 3, OF: 4, BR: 5, UD: 6, NM: 7, DF: 8,
  TS: 10, NP: 11, SS: 12, GP: 13, PF: 14, MF: 16, AC: 17, MC: 18, XM: 19,
} as const;

/** Mnemonic of a vector for messages ("#GP"). */
export function vectorName(v: number): string {
  const names: Record<number, string> = {
    0: '#DE', 1: '#DB', 2: 'NMI', 3: '#BP', 4: '#OF', 5: '#BR', 6: '#UD', 7: '#NM', 8: '#DF',
    10: '#TS', 11: '#NP', 12: '#SS', 13: '#GP', 14: '#PF', 16: '#MF', 17: '#AC', 18: '#MC', 19: '#XM',
  };
  return names[v] ?? `vector ${v}`;
}

/**
 * How an event is delivered, which decides the saved RIP (SDM Vol. 3A 6.5):
 * - 'fault': RIP of the faulting instruction (the instruction did not retire);
 * - 'trap': RIP of the next instruction (the instruction retired, e.g. int3 #BP, into);
 * - 'software': `int n` / int3 style software interrupt (next instruction, gate DPL checked);
 * - 'interrupt': external interrupt taken at an instruction boundary.
 */
export type EventKind = 'fault' | 'trap' | 'software' | 'interrupt';

/** #PF error-code bits, SDM Vol. 3A 4.7 Figure 4-12. */
export const PfErr = { P: 1, W: 2, U: 4, RSVD: 8, I: 16 } as const;

/**
 * Thrown by instruction handlers and memory accesses; caught by the core at the instruction
 * boundary, which then calls `core.deliver(vector, errorCode, kind)`.
 * For 'fault' the core keeps RIP at the instruction; for 'trap'/'software' it first moves RIP
 * to the next instruction. `reason` is a human-readable explanation kept for messages.
 */
export class GuestFault {
  constructor(
    readonly vector: number,
    readonly errorCode: number | undefined = undefined,
    readonly kind: EventKind = 'fault',
    readonly reason: string = '',
  ) {}
}

export function ud(reason: string): GuestFault {
  return new GuestFault(Vec.UD, undefined, 'fault', reason);
}
export function gp0(reason: string): GuestFault {
  return new GuestFault(Vec.GP, 0, 'fault', reason);
}
