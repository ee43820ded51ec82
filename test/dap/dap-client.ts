// Shared helpers of the DAP protocol tests: a DebugClient on the built adapter
// (`node dist/debug-adapter.js`), a launch that waits for its first stop, and source-line lookups.

import { DebugClient } from '@vscode/debugadapter-testsupport';
import type { DebugProtocol } from '@vscode/debugprotocol';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { assemble } from '../../emulator/asm/index';
import { createNodeFileHost } from '../../emulator/asm/node-file-host';

export const ROOT = path.resolve(__dirname, '..', '..');
export const ADAPTER = path.join(ROOT, 'dist', 'debug-adapter.js');
export const FIXTURES = path.join(__dirname, 'fixtures');

/** A started client that also records every output event. */
export async function startClient(): Promise<{ dc: DebugClient; output: { category: string; text: string }[] }> {
  if (!existsSync(ADAPTER)) throw new Error(`${ADAPTER} is missing: run \`npm run build\` first`);
  const dc = new DebugClient('node', ADAPTER, 'swapgs-lab');
  dc.defaultTimeout = 10_000;
  await dc.start();
  const output: { category: string; text: string }[] = [];
  dc.on('output', (e: DebugProtocol.OutputEvent) => output.push({ category: e.body.category ?? 'console', text: e.body.output }));
  return { dc, output };
}

/** Launches with breakpoints on (1-based) `lines` of `program` and resolves with the first stopped event. */
export async function launchAndStop(dc: DebugClient, args: Record<string, unknown>, lines: number[] = []): Promise<{ stopped: DebugProtocol.StoppedEvent; breakpoints: DebugProtocol.Breakpoint[] }> {
  let breakpoints: DebugProtocol.Breakpoint[] = [];
  const stopped = dc.waitForEvent('stopped') as Promise<DebugProtocol.StoppedEvent>;
  const configured = dc.waitForEvent('initialized').then(async () => {
    if (lines.length > 0) {
      const r = await dc.setBreakpointsRequest({ source: { path: args['program'] as string }, breakpoints: lines.map((line) => ({ line })) });
      breakpoints = r.body.breakpoints;
    }
    await dc.configurationDoneRequest();
  });
  await Promise.all([configured, dc.launch(args)]);
  return { stopped: await stopped, breakpoints };
}

/** 1-based line of the `nth` (0-based) line of `file` matching `re`. */
export function lineOf(file: string, re: RegExp, nth = 0): number {
  const lines = readFileSync(file, 'utf8').split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    if (re.test(lines[i]!) && seen++ === nth) return i + 1;
  }
  throw new Error(`${file}: no line ${nth} matching ${re}`);
}

/** Variables of a named scope of the top frame of thread `threadId`, as name -> value. */
export async function scopeValues(dc: DebugClient, scopeName: string, threadId = 1): Promise<Map<string, DebugProtocol.Variable>> {
  const st = await dc.stackTraceRequest({ threadId });
  const frame = st.body.stackFrames[0]!;
  const scopes = await dc.scopesRequest({ frameId: frame.id });
  const scope = scopes.body.scopes.find((s) => s.name === scopeName);
  if (!scope) throw new Error(`no scope '${scopeName}' (have ${scopes.body.scopes.map((s) => s.name).join(', ')})`);
  const vars = await dc.variablesRequest({ variablesReference: scope.variablesReference });
  return new Map(vars.body.variables.map((v) => [v.name, v]));
}

export const hex = (v: bigint): string => `0x${v.toString(16)}`;

/** Address of a label, from the assembler (so no test hard-codes the layout). */
export function labelAddress(file: string, name: string): bigint {
  const host = createNodeFileHost();
  const prog = assemble(host.readText(file)!, file, { host });
  const s = prog.symbols.get(name);
  if (!s) throw new Error(`no label ${name} in ${file}`);
  return s.value;
}
