// The machine's observable events, typed for the debugger and `--trace gs`: every change of the
// GS/FS hidden bases and of KernelGSBase, every swapgs, every CPL change; plus a small typed
// emitter. Values are unsigned 64-bit bigints, addresses plain numbers.

/** What changed the GS/FS state. */
export type GsCause =
  | 'swapgs'
  | 'wrmsr'
  | 'wrgsbase'
  | 'wrfsbase'
  | 'segment-load' // mov/pop gs|fs from a descriptor: base := descriptor base (SDM Vol 3A 3.4.4)
  | 'debugger'; // written through the observability API

export type CplCause = 'syscall' | 'sysret' | 'iret' | 'interrupt' | 'exception' | 'far-transfer' | 'debugger';

interface EventBase {
  core: number;
  /** Address of the instruction that caused it (for interrupts: where the core was). */
  rip: number;
  /** gs.base and IA32_KERNEL_GS_BASE after the event. */
  gsBase: bigint;
  kernelGsBase: bigint;
  /** CPL after the event. */
  cpl: number;
}

export type GsEvent =
  | (EventBase & { kind: 'swapgs' })
  | (EventBase & { kind: 'gs-base'; cause: GsCause; old: bigint; value: bigint })
  | (EventBase & { kind: 'kernel-gs-base'; cause: GsCause; old: bigint; value: bigint })
  | (EventBase & { kind: 'fs-base'; cause: GsCause; old: bigint; value: bigint })
  | (EventBase & { kind: 'cpl'; cause: CplCause; from: number; to: number; vector?: number });

export type GsEventKind = GsEvent['kind'];

/** A minimal synchronous emitter; listeners run in registration order. */
export class Emitter<T> {
  private listeners: ((e: T) => void)[] = [];

  /** `onChange` runs when a listener is added or removed (producers skip work nobody reads). */
  constructor(private readonly onChange?: () => void) {}

  on(listener: (e: T) => void): () => void {
    this.listeners.push(listener);
    this.onChange?.();
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
      this.onChange?.();
    };
  }

  get active(): boolean {
    return this.listeners.length > 0;
  }

  emit(e: T): void {
    for (const l of this.listeners) l(e);
  }
}

const hex = (v: bigint | number): string => `0x${v.toString(16)}`;

/**
 * One `--trace gs` line: core, source location, what happened, both bases.
 * `where` formats an address as file:line.
 */
export function formatGsEvent(e: GsEvent, where: (address: number) => string): string {
  let what: string;
  switch (e.kind) {
    case 'swapgs':
      what = 'swapgs';
      break;
    case 'gs-base':
      what = `gs.base ${hex(e.old)} -> ${hex(e.value)} (${e.cause})`;
      break;
    case 'kernel-gs-base':
      what = `KernelGSBase ${hex(e.old)} -> ${hex(e.value)} (${e.cause})`;
      break;
    case 'fs-base':
      what = `fs.base ${hex(e.old)} -> ${hex(e.value)} (${e.cause})`;
      break;
    case 'cpl':
      what = `CPL ${e.from} -> ${e.to} (${e.cause}${e.vector !== undefined ? ` vector ${e.vector}` : ''})`;
      break;
  }
  return `[cpu${e.core}] ${where(e.rip)}: ${what}  gs.base=${hex(e.gsBase)} KernelGSBase=${hex(e.kernelGsBase)}`;
}
