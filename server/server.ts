// The language server: wires an LSP connection to the document model. Documents in
// (incremental sync), diagnostics out after each edit, and one handler per editor feature,
// each wrapped so no request, notification or lint run can take the process down.

import {
  CodeActionKind,
  DiagnosticSeverity,
  DidChangeConfigurationNotification,
  ResponseError,
  TextDocuments,
  TextDocumentSyncKind,
  type CancellationToken,
  type Connection,
  type Diagnostic as LspDiagnostic,
  type InitializeParams,
  type InitializeResult,
  type ServerCapabilities,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { codeActions } from './features/code-actions';
import { completion } from './features/completion';
import { toLspDiagnostic } from './features/convert';
import { inlayHints, semanticTokens, SEMANTIC_TOKEN_MODIFIERS, SEMANTIC_TOKEN_TYPES } from './features/gs-marks';
import { hover } from './features/hover';
import { definition, highlights, prepareRename, references, rename } from './features/navigation';
import { documentLinks } from './features/links';
import { documentSymbols, foldingRanges } from './features/symbols';
import { RecordingFileHost, uriToPath } from './file-host';
import { ModelCache, type DocumentModel } from './model';
import { LintScheduler } from './scheduler';
import { DEFAULT_SETTINGS, parseSettings, type LintSettings } from './settings';

export const SERVER_NAME = 'swapgs-lab-language-server';
export const SECTION = 'swapgs-lab';
const SETTINGS_TIMEOUT_MS = 3000;

export interface ServerOptions {
  /** Minimum time between two lint runs of one document while the user types (ms). */
  lintIntervalMs?: number;
}

export function startServer(connection: Connection, options: ServerOptions = {}): void {
  const documents = new TextDocuments(TextDocument);
  const cache = new ModelCache();
  /** file path -> uri of the open document, so includes read unsaved buffers. */
  const openByPath = new Map<string, string>();
  let configurationSupported = false;
  let relatedSupported = false;
  let globalSettings: LintSettings = DEFAULT_SETTINGS;
  const settingsByUri = new Map<string, LintSettings>();

  const log = (message: string): void => {
    try {
      connection.console.error(message);
    } catch {
      // The connection itself is gone; nothing left to tell.
    }
  };

  /** Runs `fn`; a thrown error is logged and `fallback` returned. ResponseErrors reach the client. */
  function guard<P, R>(name: string, fallback: R, fn: (params: P, token: CancellationToken) => R | Promise<R>) {
    return async (params: P, token: CancellationToken): Promise<R> => {
      try {
        if (token?.isCancellationRequested) return fallback;
        return await fn(params, token);
      } catch (e) {
        if (e instanceof ResponseError) throw e;
        log(`${name} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
        return fallback;
      }
    };
  }

  async function settingsFor(uri: string): Promise<LintSettings> {
    if (!configurationSupported) return globalSettings;
    const known = settingsByUri.get(uri);
    if (known) return known;
    let parsed = globalSettings;
    try {
      // A client that never answers must not stall linting: after a while, go on with the defaults.
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), SETTINGS_TIMEOUT_MS)));
      const answer = await Promise.race([connection.workspace.getConfiguration({ scopeUri: uri, section: SECTION }), timeout]);
      clearTimeout(timer);
      if (answer === 'timeout') {
        connection.console.warn(`workspace/configuration got no answer in ${SETTINGS_TIMEOUT_MS} ms; linting ${uri} with the default settings`);
        settingsByUri.set(uri, parsed);
        return parsed;
      }
      parsed = parseSettings(answer);
    } catch (e) {
      log(`workspace/configuration failed: ${String(e)}`);
    }
    settingsByUri.set(uri, parsed);
    return parsed;
  }

  function modelOf(doc: TextDocument, settings: LintSettings): DocumentModel {
    return cache.get(doc.uri, {
      file: uriToPath(doc.uri),
      text: doc.getText(),
      version: doc.version,
      settings,
      createHost: () =>
        new RecordingFileHost((file) => {
          const uri = openByPath.get(file);
          return uri ? documents.get(uri)?.getText() : undefined;
        }),
    });
  }

  async function currentModel(uri: string): Promise<DocumentModel | undefined> {
    const doc = documents.get(uri);
    if (!doc) return undefined;
    return modelOf(doc, await settingsFor(uri));
  }

  async function lint(uri: string): Promise<void> {
    const doc = documents.get(uri);
    if (!doc) return;
    const settings = await settingsFor(uri);
    const latest = documents.get(uri);
    // An edit arrived while the settings were fetched: it has queued its own run.
    if (!latest || latest.version !== doc.version) return;
    let diagnostics: LspDiagnostic[];
    try {
      const model = modelOf(doc, settings);
      // The lexical index is left to the first request that needs it (model.index is lazy):
      // building it here after every edit cost ~25 ms of CPU plus its garbage per version and
      // competed with the next edit's lint (issue #4).
      diagnostics = model.diagnostics.map((d) => toLspDiagnostic(d, relatedSupported));
    } catch (e) {
      log(`lint of ${uri} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
      diagnostics = [
        {
          range: { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } },
          severity: DiagnosticSeverity.Information,
          source: 'swapgs-lab',
          message: `swapgs-lab could not analyse this file (internal error: ${e instanceof Error ? e.message : String(e)})`,
        },
      ];
    }
    await connection.sendDiagnostics({ uri, version: doc.version, diagnostics });
  }

  const scheduler = new LintScheduler(async (uri) => {
    try {
      await lint(uri);
    } catch (e) {
      log(`publishing diagnostics for ${uri} failed: ${String(e)}`);
    }
  }, options.lintIntervalMs ?? 150);

  function relintDependents(uri: string): void {
    for (const dep of cache.invalidateDependents(uriToPath(uri))) if (documents.get(dep)) scheduler.request(dep);
  }

  connection.onInitialize(
    (params: InitializeParams): InitializeResult => {
      const caps = params.capabilities ?? {};
      configurationSupported = caps.workspace?.configuration === true;
      relatedSupported = caps.textDocument?.publishDiagnostics?.relatedInformation === true;
      // Editors without workspace/configuration may pass the settings at start-up, either as
      // `{ settings: {...} }` or as `{ "swapgs-lab": {...} }` (Helix sends its `config` table).
      const init = params.initializationOptions as Record<string, unknown> | undefined;
      const initial = init?.[SECTION] ?? init?.['settings'];
      if (initial !== undefined) globalSettings = parseSettings(initial);
      const capabilities: ServerCapabilities = {
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental }, // edits arrive as ranges, not whole files
        hoverProvider: true, // instruction effects, effective addresses, MSR names, label addresses
        completionProvider: { triggerCharacters: ['.', '%'] }, // mnemonics, registers, labels, macros, MSR names
        documentSymbolProvider: true, // sections, labels (locals nested), macros, strucs and fields
        foldingRangeProvider: true, // sections, labels, macros, strucs
        documentLinkProvider: {}, // %include / incbin file names open the file they resolve to
        definitionProvider: true, // labels, local labels, struc fields, macros, %defines
        referencesProvider: true, // same names as definition
        documentHighlightProvider: true, // the other occurrences of the name under the cursor
        renameProvider: { prepareProvider: true }, // same names; `.x` stays under its parent
        inlayHintProvider: true, // GS base after each swapgs and at each gs: access
        semanticTokensProvider: { legend: { tokenTypes: [...SEMANTIC_TOKEN_TYPES], tokenModifiers: [...SEMANTIC_TOKEN_MODIFIERS] }, full: true }, // gs: operands by state
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] }, // swapgs, lfence, move push, suppression
      };
      return { capabilities, serverInfo: { name: SERVER_NAME, version: '0.1.0' } };
    },
  );

  connection.onInitialized(() => {
    if (configurationSupported) {
      void connection.client.register(DidChangeConfigurationNotification.type, { section: SECTION }).catch(() => undefined);
    }
  });

  connection.onDidChangeConfiguration((change) => {
    try {
      settingsByUri.clear();
      const settings = (change.settings as Record<string, unknown> | undefined)?.[SECTION];
      if (settings !== undefined) globalSettings = parseSettings(settings);
      cache.clear();
      for (const doc of documents.all()) scheduler.request(doc.uri);
    } catch (e) {
      log(`didChangeConfiguration failed: ${String(e)}`);
    }
  });

  // An included file changed on disk (saved from another editor, git checkout): re-lint its includers.
  connection.onDidChangeWatchedFiles((params) => {
    try {
      for (const change of params.changes) relintDependents(change.uri);
    } catch (e) {
      log(`didChangeWatchedFiles failed: ${String(e)}`);
    }
  });

  documents.onDidOpen((e) => {
    openByPath.set(uriToPath(e.document.uri), e.document.uri);
  });
  documents.onDidChangeContent((e) => {
    try {
      scheduler.request(e.document.uri);
      relintDependents(e.document.uri);
    } catch (err) {
      log(`didChange failed: ${String(err)}`);
    }
  });
  documents.onDidClose((e) => {
    try {
      scheduler.cancel(e.document.uri);
      cache.delete(e.document.uri);
      settingsByUri.delete(e.document.uri);
      openByPath.delete(uriToPath(e.document.uri));
      void connection.sendDiagnostics({ uri: e.document.uri, diagnostics: [] });
      relintDependents(e.document.uri);
    } catch (err) {
      log(`didClose failed: ${String(err)}`);
    }
  });

  connection.onHover(
    guard('hover', null, async (p: { textDocument: { uri: string }; position: { line: number; character: number } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? hover(m, p.position.line, p.position.character) : null;
    }),
  );
  connection.onCompletion(
    guard('completion', [], async (p: { textDocument: { uri: string }; position: { line: number; character: number } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? completion(m, p.position.line, p.position.character) : [];
    }),
  );
  connection.onDocumentSymbol(
    guard('documentSymbol', [], async (p: { textDocument: { uri: string } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? documentSymbols(m) : [];
    }),
  );
  connection.onDocumentLinks(
    guard('documentLink', [], async (p: { textDocument: { uri: string } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? documentLinks(m, new RecordingFileHost()) : [];
    }),
  );
  connection.onFoldingRanges(
    guard('foldingRange', [], async (p: { textDocument: { uri: string } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? foldingRanges(m) : [];
    }),
  );
  connection.onDefinition(
    guard('definition', [], async (p: { textDocument: { uri: string }; position: { line: number; character: number } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? definition(m, p.position.line, p.position.character) : [];
    }),
  );
  connection.onReferences(
    guard(
      'references',
      [],
      async (p: { textDocument: { uri: string }; position: { line: number; character: number }; context: { includeDeclaration: boolean } }) => {
        const m = await currentModel(p.textDocument.uri);
        return m ? references(m, p.position.line, p.position.character, p.context?.includeDeclaration ?? true) : [];
      },
    ),
  );
  connection.onDocumentHighlight(
    guard('documentHighlight', [], async (p: { textDocument: { uri: string }; position: { line: number; character: number } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? highlights(m, p.position.line, p.position.character) : [];
    }),
  );
  connection.onPrepareRename(
    guard('prepareRename', null, async (p: { textDocument: { uri: string }; position: { line: number; character: number } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? prepareRename(m, p.position.line, p.position.character) : null;
    }),
  );
  connection.onRenameRequest(
    guard('rename', null, async (p: { textDocument: { uri: string }; position: { line: number; character: number }; newName: string }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? rename(m, p.position.line, p.position.character, p.newName) : null;
    }),
  );
  connection.languages.inlayHint.on(
    guard('inlayHint', [], async (p: { textDocument: { uri: string }; range: { start: { line: number }; end: { line: number; character: number } } }) => {
      const m = await currentModel(p.textDocument.uri);
      // An end at column 0 does not include that line.
      const endLine = p.range.end.character === 0 && p.range.end.line > p.range.start.line ? p.range.end.line - 1 : p.range.end.line;
      return m ? inlayHints(m, { startLine: p.range.start.line, endLine }) : [];
    }),
  );
  connection.languages.semanticTokens.on(
    guard('semanticTokens', { data: [] as number[] }, async (p: { textDocument: { uri: string } }) => {
      const m = await currentModel(p.textDocument.uri);
      return { data: m ? semanticTokens(m) : [] };
    }),
  );
  connection.onCodeAction(
    guard('codeAction', [], async (p: { textDocument: { uri: string }; context: { diagnostics: LspDiagnostic[] } }) => {
      const m = await currentModel(p.textDocument.uri);
      return m ? codeActions(m, p.context?.diagnostics ?? []) : [];
    }),
  );

  connection.onShutdown(() => scheduler.dispose());
  documents.listen(connection);
  connection.listen();
}
