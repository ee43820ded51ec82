// Entry point of the CPU: importing it registers every ISA handler; re-exports the public API.

import './isa/alu';
import './isa/muldiv';
import './isa/shift';
import './isa/bits';
import './isa/move';
import './isa/control';
import './isa/string';
import './isa/atomic';
import './isa/misc';
import './isa/sse';

export { Core, Seg, SEG_NAMES, RFLAGS, setDefaultDeliverHook } from './core';
export type { SegmentState, TableRegister, SystemSegment, MsrStore, DeliverHook, StopReason } from './core';
export { GuestFault, Vec, vectorName, ud, gp0, PfErr } from './fault';
export type { EventKind } from './fault';
export { registerHandlers, registerMnemonicHandlers } from './dispatch';
export type { Decoded, Handler } from './decoded';
export { K } from './decoded';
export { disassemble } from './decode';
export { cpuidValues } from './isa/misc';
