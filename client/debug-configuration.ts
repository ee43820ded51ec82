// F5 on a NASM file without a launch.json: runs the active file in the emulator, stopped on entry.
// Everything else about debugging lives in the adapter (dist/debug-adapter.js).

import * as vscode from 'vscode';

export function registerDebugConfiguration(context: vscode.ExtensionContext): void {
  const provider: vscode.DebugConfigurationProvider = {
    resolveDebugConfiguration(_folder, config) {
      // An empty configuration is what VS Code passes when there is no launch.json.
      if (!config.type && !config.request && !config.name) {
        if (vscode.window.activeTextEditor?.document.languageId !== 'nasm') return config;
        return { type: 'swapgs-lab', request: 'launch', name: 'Run in the SwapGS Lab emulator', program: '${file}', stopOnEntry: true };
      }
      if (!config.program) {
        void vscode.window.showErrorMessage('SwapGS Lab: the launch configuration needs "program", the NASM file to run.');
        return undefined; // cancels the launch
      }
      return config;
    },
  };
  context.subscriptions.push(vscode.debug.registerDebugConfigurationProvider('swapgs-lab', provider));
}
