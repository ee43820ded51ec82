// The document model: given a document's text, version and settings, everything the editor
// features need (program, findings for this file, entries, GS state, lexical index), computed
// once per (version, settings) and cached. No LSP types, no connection, no I/O of its own (file
// access comes in through the injected host): handlers translate.

import path from 'node:path';
import type { AssembledProgram, Diagnostic, FileHost, InstructionRecord, SourceRange } from '../emulator/asm/types';
import { runEngine, type EntryView, type GsView, type RuleView, ruleCatalog } from './engine';
import { settingsKey, type LintSettings } from './settings';
import { buildSourceIndex, scanPreprocessorNames, type SourceIndex } from './source-index';

export interface DocumentModel {
  file: string;
  version: number;
  text: string;
  /** The text split into lines the way LSP counts them (split on first use). */
  readonly lines: string[];
  program: AssembledProgram;
  /** Findings located in this file (findings from included files are shown at the %include). */
  diagnostics: Diagnostic[];
  entries: EntryView[];
  notEntries: { label: string; at: SourceRange }[];
  gsAt(address: number): GsView | undefined;
  gsAfter(address: number): GsView | undefined;
  /** Instructions whose user-visible line (the macro call site for expanded code) is `line` of this file. */
  instructionsOnLine(line: number): InstructionRecord[];
  /** Lexical index of the text (built on first use). */
  readonly index: SourceIndex;
  /** Files read while assembling (includes): a change to one re-lints this document. */
  dependencies: ReadonlySet<string>;
  settings: LintSettings;
  /** Milliseconds spent building, for the log and the benchmark. */
  buildMs: number;
}

export interface ModelInput {
  file: string;
  text: string;
  version: number;
  settings: LintSettings;
  /**
   * A fresh file host for this build (the server's reads open buffers, then the disk). It records
   * what was read: `touched` (dependencies) and `texts` (scanned for %macro/%define names).
   */
  createHost: () => TrackingFileHost;
}

export interface TrackingFileHost extends FileHost {
  readonly touched: ReadonlySet<string>;
  readonly texts: ReadonlyMap<string, string>;
}

/** Splits text into lines the way LSP counts them (\n, \r\n and \r end a line). */
export function splitLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

export function rules(): readonly RuleView[] {
  return ruleCatalog();
}

export function buildModel(input: ModelInput): DocumentModel {
  const t0 = performance.now();
  const file = input.file;
  // 18,000 line strings per version are only needed by requests (hover, code actions, links):
  // split on first use so a re-lint after an edit does not allocate them.
  let lines: string[] | undefined;
  const host = input.createHost();
  const result = runEngine(input.text, file, host, input.settings);
  const diagnostics = applySettings(mapToFile(result.diagnostics, file), input.settings);
  let byLine: Map<number, InstructionRecord[]> | undefined;
  // The lexical index serves requests (hover, rename, symbols ...), not diagnostics: built on
  // first use so a re-lint after an edit does not pay for it.
  let index: SourceIndex | undefined;
  const model: DocumentModel = {
    file,
    version: input.version,
    text: input.text,
    get lines() {
      return (lines ??= splitLines(input.text));
    },
    program: result.program,
    diagnostics,
    entries: result.entries,
    notEntries: result.notEntries,
    gsAt: (a) => result.gsAt(a),
    gsAfter: (a) => result.gsAfter(a),
    instructionsOnLine(line) {
      if (!byLine) {
        byLine = new Map();
        for (const ins of result.program.instructions) {
          const site = userSite(ins.site, ins.stack, file);
          if (!site) continue;
          let list = byLine.get(site.line);
          if (!list) byLine.set(site.line, (list = []));
          list.push(ins);
        }
      }
      return byLine.get(line) ?? [];
    },
    get index() {
      return (index ??= buildSourceIndex(model.lines, file, result.program.symbols, scanPreprocessorNames(host.texts, path.resolve(file))));
    },
    dependencies: host.touched,
    settings: input.settings,
    buildMs: 0,
  };
  model.buildMs = performance.now() - t0;
  return model;
}

/** The line of `file` the user wrote for something at `site` reached through `stack`. */
export function userSite(site: SourceRange, stack: readonly { callSite: SourceRange }[] | undefined, file: string): SourceRange | undefined {
  if (site.file === file) return site;
  for (const frame of stack ?? []) if (frame.callSite.file === file) return frame.callSite;
  return undefined;
}

/**
 * Keeps findings of this file; a finding inside an included file is moved to the `%include`
 * line that pulled it in (so the user sees it without opening the file) and points back to
 * the real place through `related`.
 */
function mapToFile(diags: readonly Diagnostic[], file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diags) {
    if (d.range.file === file) {
      out.push(d);
      continue;
    }
    const site = userSite(d.range, d.stack, file);
    if (!site) continue;
    out.push({
      ...d,
      range: site,
      message: `${d.message} (in ${path.basename(d.range.file)}:${d.range.line + 1})`,
      related: [{ range: d.range, message: 'reported here' }, ...(d.related ?? [])],
    });
  }
  return out;
}

/** Severity overrides and switches from the settings (the analysis may apply them too: idempotent). */
function applySettings(diags: Diagnostic[], settings: LintSettings): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const d of diags) {
    const level = settings.severities[d.code];
    if (level === 'off') continue;
    out.push(level ? { ...d, severity: level } : d);
  }
  return out;
}

/** Caches one model per document; a model is reused while the version and settings are unchanged. */
export class ModelCache {
  private readonly models = new Map<string, { key: string; model: DocumentModel }>();

  get(uri: string, input: ModelInput): DocumentModel {
    const key = `${input.version}\u0000${settingsKey(input.settings)}`;
    const hit = this.models.get(uri);
    if (hit && hit.key === key && hit.model.text === input.text) return hit.model;
    // Let the stale model go before building the next one: halves the peak memory on big files.
    this.models.delete(uri);
    const model = buildModel(input);
    this.models.set(uri, { key, model });
    return model;
  }

  peek(uri: string): DocumentModel | undefined {
    return this.models.get(uri)?.model;
  }

  delete(uri: string): void {
    this.models.delete(uri);
  }

  /** Drops every cached model that read `file` (an included buffer changed). */
  invalidateDependents(file: string): string[] {
    const hit: string[] = [];
    for (const [uri, { model }] of this.models) {
      if (model.file !== file && model.dependencies.has(file)) {
        this.models.delete(uri);
        hit.push(uri);
      }
    }
    return hit;
  }

  clear(): void {
    this.models.clear();
  }
}
