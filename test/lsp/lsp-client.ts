// A real JSON-RPC client for protocol tests: spawns the built server (`node dist/server.js
// --stdio`), speaks LSP over its stdin/stdout, answers workspace/configuration with the
// settings a test gives, and lets a test wait for the diagnostics of a given document version.

import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  createProtocolConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type Diagnostic,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
} from 'vscode-languageserver-protocol/node';

export const ROOT = path.resolve(__dirname, '..', '..');
export const SERVER = path.join(ROOT, 'dist', 'server.js');

/** Settings value that makes the client leave workspace/configuration unanswered (a buggy editor). */
export const NEVER_ANSWER = Symbol('never answer');

export interface LogEntry {
  type: number;
  message: string;
}

export class LspTestClient {
  readonly proc: ChildProcessWithoutNullStreams;
  readonly conn: ProtocolConnection;
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: LogEntry[] = [];
  stderr = '';
  exited: number | null | undefined;
  settings: unknown = {};
  private waiters: { test: (p: PublishDiagnosticsParams) => boolean; resolve: (p: PublishDiagnosticsParams) => void }[] = [];
  private versions = new Map<string, number>();

  constructor(args: string[] = ['--stdio']) {
    if (!existsSync(SERVER)) throw new Error(`${SERVER} is missing: run \`npm run build\` first`);
    this.proc = spawn(process.execPath, [SERVER, ...args], { stdio: 'pipe' });
    this.proc.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.proc.on('exit', (code) => (this.exited = code));
    this.conn = createProtocolConnection(new StreamMessageReader(this.proc.stdout), new StreamMessageWriter(this.proc.stdin));
    this.conn.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      this.published.push(p);
      this.waiters = this.waiters.filter((w) => {
        if (!w.test(p)) return true;
        w.resolve(p);
        return false;
      });
    });
    this.conn.onNotification('window/logMessage', (p: unknown) => {
      this.logs.push(p as LogEntry);
    });
    this.conn.onRequest('workspace/configuration', (p: unknown) =>
      this.settings === NEVER_ANSWER
        ? new Promise(() => undefined)
        : (p as { items: { section?: string }[] }).items.map((i) => (i.section === 'swapgs-lab' ? this.settings : null)),
    );
    this.conn.onRequest('client/registerCapability', () => null);
    this.conn.onRequest('window/workDoneProgress/create', () => null);
    this.conn.onRequest('workspace/inlayHint/refresh', () => null);
    this.conn.onRequest('workspace/semanticTokens/refresh', () => null);
    this.conn.listen();
  }

  /**
   * `options.minimal`: a client like a plain editor plugin, with no workspace/configuration and
   * no relatedInformation support; `options.initializationOptions` are sent as given.
   */
  async initialize(settings: unknown = {}, options: { minimal?: boolean; initializationOptions?: unknown } = {}): Promise<{ capabilities: Record<string, unknown> }> {
    this.settings = settings;
    const result = (await this.conn.sendRequest('initialize', {
      processId: process.pid,
      rootUri: pathToFileURL(ROOT).href,
      initializationOptions: options.initializationOptions,
      capabilities: {
        workspace: options.minimal ? {} : { configuration: true, didChangeConfiguration: { dynamicRegistration: true } },
        textDocument: {
          publishDiagnostics: options.minimal ? {} : { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          rename: { prepareSupport: true },
          synchronization: { didSave: false },
        },
      },
    })) as { capabilities: Record<string, unknown> };
    await this.conn.sendNotification('initialized', {});
    return result;
  }

  /** Waits for the first publication (already received or future) that satisfies `test`. */
  waitFor(test: (p: PublishDiagnosticsParams) => boolean): Promise<PublishDiagnosticsParams> {
    const seen = this.published.find(test);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  /** Diagnostics for exactly `version` of `uri` (the server publishes with the version). */
  diagnosticsFor(uri: string, version = this.versions.get(uri) ?? 1): Promise<Diagnostic[]> {
    return this.waitFor((p) => p.uri === uri && p.version === version).then((p) => p.diagnostics);
  }

  async open(uri: string, text: string, version = 1): Promise<void> {
    this.versions.set(uri, version);
    await this.conn.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'nasm', version, text } });
  }

  /** Sends incremental changes; returns the new version. */
  async change(uri: string, changes: { range?: { start: { line: number; character: number }; end: { line: number; character: number } }; text: string }[]): Promise<number> {
    const version = (this.versions.get(uri) ?? 1) + 1;
    this.versions.set(uri, version);
    await this.conn.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: changes });
    return version;
  }

  async close(uri: string): Promise<void> {
    await this.conn.sendNotification('textDocument/didClose', { textDocument: { uri } });
  }

  request<R>(method: string, params: unknown): Promise<R> {
    return this.conn.sendRequest(method, params) as Promise<R>;
  }

  async shutdown(): Promise<void> {
    try {
      if (this.exited === undefined) {
        await this.conn.sendRequest('shutdown');
        await this.conn.sendNotification('exit');
      }
    } catch {
      // already gone
    }
    this.conn.dispose();
    if (this.exited === undefined) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(() => {
          this.proc.kill();
          resolve();
        }, 2000);
        this.proc.once('exit', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }
}

export function fileUri(p: string): string {
  return pathToFileURL(p).href;
}
