// The VS Code side of the linter: starts dist/server.js (the same program other editors run
// as `swapgs-lab-language-server --stdio`) for `nasm` documents and passes the settings.
// Thin on purpose: every feature lives in the server.

import * as vscode from 'vscode';
import { LanguageClient, TransportKind, type LanguageClientOptions, type ServerOptions } from 'vscode-languageclient/node';
import { registerDebugConfiguration } from './debug-configuration';

let client: LanguageClient | undefined;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  registerDebugConfiguration(context);
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'nasm' },
      { scheme: 'untitled', language: 'nasm' },
    ],
    // The server pulls settings with workspace/configuration; this also notifies it on change.
    synchronize: {
      configurationSection: 'swapgs-lab',
      // Included files edited outside the editor re-lint the files that include them.
      fileEvents: vscode.workspace.createFileSystemWatcher('**/*.{asm,nasm,inc,mac}'),
    },
  };
  client = new LanguageClient('swapgs-lab', 'SwapGS Lab', serverOptions, clientOptions);
  context.subscriptions.push({ dispose: () => void client?.stop() });
  try {
    await client.start();
  } catch (e) {
    // The editor keeps working without diagnostics; say why instead of failing activation.
    void vscode.window.showErrorMessage(`SwapGS Lab: the language server did not start: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export async function deactivate(): Promise<void> {
  await client?.stop();
  client = undefined;
}
