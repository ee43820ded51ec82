// The system architecture of the CPU: registers the system instruction handlers and the
// exception/interrupt delivery hook, and prepares a core for the machine model of DESIGN.md.

import type { Core } from '../core';
import { setDefaultDeliverHook } from '../core';
import { deliverEvent } from './deliver';
import { systemMsrStore } from './msr-insns';
import './control';
import './segments';
import './transfer';
import './debug';
import { sysOf, type PortBus, type SystemObserver } from './state';

setDefaultDeliverHook(deliverEvent);

export { deliverEvent, becomesDoubleFault, formatException } from './deliver';
export { readMsr, writeMsr, setGsBase, setFsBase, setKernelGsBase, systemMsrStore } from './msr-insns';
export { loadSegment, readDescriptor } from './segments';
export { crWriteFault, readCr, writeCr, CR0, CR4 } from './control';
export { installCallHooks } from './transfer';
export { readDr, noteSingleStep } from './debug';
export { sysOf, setSysState, SystemState, type PortBus, type SystemObserver } from './state';

/** Wires a core to the system layer: MSR store, delivery hook, ports, observer, message formatter. */
export function attachSystem(
  c: Core,
  opts: { ports?: PortBus; observer?: SystemObserver; where?: (address: number) => string } = {},
): void {
  c.msr = systemMsrStore;
  c.deliverHook = deliverEvent;
  const s = sysOf(c);
  if (opts.ports) s.ports = opts.ports;
  if (opts.observer) s.observer = opts.observer;
  if (opts.where) s.where = opts.where;
}
