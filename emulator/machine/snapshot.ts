// Exact copies of a core's architectural state for machine snapshots: every own field of the
// Core except the wiring (memory, MMU, breakpoints, hooks), including fields private to its class,
// so a field the CPU adds later is captured without a change here.

import type { Core } from '../cpu/core';

/** Core fields that belong to the machine wiring, not to the architectural state. */
const NOT_STATE = new Set(['memory', 'mmu', 'breakpoints', 'msr', 'deliverHook', 'lastFault']);

/** Copies every state field of a core (including the ones private to the core's class). */
export function captureCore(c: Core): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(c)) {
    if (NOT_STATE.has(k)) continue;
    out[k] = cloneValue(v);
  }
  return out;
}

function cloneValue(v: unknown): unknown {
  if (ArrayBuffer.isView(v)) return (v as Uint8Array).slice();
  if (Array.isArray(v)) return v.map(cloneValue);
  if (v && typeof v === 'object') return { ...(v as object) };
  return v;
}

export function restoreCore(c: Core, fields: Record<string, unknown>): void {
  const t = c as unknown as Record<string, unknown>;
  for (const [k, v] of Object.entries(fields)) {
    const cur = t[k];
    if (ArrayBuffer.isView(cur)) (cur as Uint8Array).set(v as Uint8Array);
    else if (Array.isArray(cur)) {
      const arr = v as unknown[];
      cur.length = 0;
      for (const x of arr) cur.push(cloneValue(x));
    } else t[k] = cloneValue(v);
  }
  c.mmu.invalidateAll();
  c.mmu.refreshMode();
}
