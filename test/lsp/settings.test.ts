// Settings from any editor: the nested VS Code shape, the short forms other editors write, and
// malformed values, which are ignored rather than switching the linter off.

import { describe, expect, it } from 'vitest';
import { parseSettings } from '../../server/settings';

describe('parseSettings', () => {
  it('reads severities, switches, entries and include paths', () => {
    expect(
      parseSettings({
        rules: { 'swapgs-speculation': 'error', 'sysret-32bit': 'off', 'gs-selector-load': { severity: 'hint' }, 'sysret-rcx-unchecked': { enabled: false, severity: 'error' } },
        entries: { syscall: ['entry_SYSCALL_64'], interrupt: ['asm_exc_page_fault', ' '] },
        includePaths: ['include', 42],
      }),
    ).toEqual({
      severities: { 'swapgs-speculation': 'error', 'sysret-32bit': 'off', 'gs-selector-load': 'hint', 'sysret-rcx-unchecked': 'off' },
      extraEntries: [
        { label: 'entry_SYSCALL_64', kind: 'syscall' },
        { label: 'asm_exc_page_fault', kind: 'interrupt' },
      ],
      includePaths: ['include'],
    });
  });

  it('ignores what it does not understand', () => {
    const empty = { severities: {}, extraEntries: [], includePaths: [] };
    expect(parseSettings(undefined)).toEqual(empty);
    expect(parseSettings('error')).toEqual(empty);
    expect(parseSettings({ rules: { 'swapgs-speculation': 'loud', x: 3 }, entries: 'entry', includePaths: 'include' })).toEqual(empty);
    expect(parseSettings({ rules: { 'swapgs-speculation': { severity: 'default', enabled: true } } })).toEqual(empty);
  });
});
