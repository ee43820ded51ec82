// The precomputed iced-x86 opcode data (emulator/asm/encoder-iced-data.ts) agrees with the
// installed package for every Code; when iced-x86 is upgraded this fails until the data is
// regenerated with `node scripts/gen-iced-opcode-data.mjs`.

import { Code, CodeExt } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { ICED_CODE_COUNT, icedMnemonicEncoding } from '../../emulator/asm/encoder-iced-data';

describe('precomputed iced-x86 opcode data', () => {
  it('has the mnemonic and encoding OpCodeInfo reports for every Code', () => {
    const count = Object.keys(Code).filter((k) => !Number.isNaN(Number(k))).length;
    expect(ICED_CODE_COUNT).toBe(count);
    const wrong: string[] = [];
    for (let code = 0; code < count; code++) {
      const info = CodeExt.opCode(code);
      const live = info.isInstruction ? { mnemonic: info.mnemonic, encoding: info.encoding } : undefined;
      info.free();
      const data = icedMnemonicEncoding(code);
      if (JSON.stringify(data) !== JSON.stringify(live)) wrong.push(Code[code]!);
    }
    expect(wrong).toEqual([]);
  });
});
