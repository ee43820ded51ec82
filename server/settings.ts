// User settings of the linter (`swapgs-lab.*`), parsed from whatever JSON a client sends into one
// validated shape. Pure: the server asks the client for the JSON, this file only reads it.

import type { Severity } from '../emulator/asm/types';

export type RuleLevel = Severity | 'off';

export interface EntryDeclaration {
  label: string;
  kind: 'syscall' | 'interrupt';
}

export interface LintSettings {
  /** Per-rule overrides; a rule absent here keeps its default severity. */
  severities: Record<string, RuleLevel>;
  /** Entry labels declared in settings (real kernels install entries from C). */
  extraEntries: EntryDeclaration[];
  /** Directories searched by `%include` after the including file's own directory (NASM's -I). */
  includePaths: string[];
}

export const DEFAULT_SETTINGS: LintSettings = { severities: {}, extraEntries: [], includePaths: [] };

const LEVELS: ReadonlySet<string> = new Set(['error', 'warning', 'information', 'hint', 'off']);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function stringList(x: unknown): string[] {
  return Array.isArray(x) ? x.filter((s): s is string => typeof s === 'string' && s.trim() !== '').map((s) => s.trim()) : [];
}

/**
 * Reads the `swapgs-lab` settings section. Accepted shapes (VS Code nests dotted keys):
 * `rules: { "<id>": { severity: "warning" | "default" | ..., enabled: false } }` or the short
 * `rules: { "<id>": "warning" | "off" }`; `entries: { syscall: [..], interrupt: [..] }`;
 * `includePaths: [..]`. Anything malformed is ignored rather than rejected: a typo in one
 * setting must not switch the linter off.
 */
export function parseSettings(section: unknown): LintSettings {
  if (!isObject(section)) return DEFAULT_SETTINGS;
  const severities: Record<string, RuleLevel> = {};
  const rules = section['rules'];
  if (isObject(rules)) {
    for (const [id, value] of Object.entries(rules)) {
      if (typeof value === 'string') {
        if (LEVELS.has(value)) severities[id] = value as RuleLevel;
      } else if (isObject(value)) {
        if (value['enabled'] === false) severities[id] = 'off';
        else if (typeof value['severity'] === 'string' && LEVELS.has(value['severity'])) {
          severities[id] = value['severity'] as RuleLevel;
        }
      }
    }
  }
  const extraEntries: EntryDeclaration[] = [];
  const entries = section['entries'];
  if (isObject(entries)) {
    for (const label of stringList(entries['syscall'])) extraEntries.push({ label, kind: 'syscall' });
    for (const label of stringList(entries['interrupt'])) extraEntries.push({ label, kind: 'interrupt' });
  }
  return { severities, extraEntries, includePaths: stringList(section['includePaths']) };
}

/** A stable key so cached results are reused only under the same settings. */
export function settingsKey(s: LintSettings): string {
  return JSON.stringify(s);
}
