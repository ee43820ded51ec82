// The machine model of DESIGN.md: entry state, console and exit ports, halting, budget, cores.
import { describe, expect, it } from 'vitest';
import { run } from './run-helper';

describe('ports and ending (design: machine model)', () => {
  it('prints through port 0xE9 and exits with the value written to port 0xF4', () => {
    const r = run(`bits 64
section .text
_start:
  lea rsi, [rel msg]
.loop:
  lodsb
  test al, al
  jz .done
  out 0xe9, al
  jmp .loop
.done:
  mov al, 7
  out 0xf4, al
section .data
msg: db "hello", 10, 0
`);
    expect(r.out).toBe('hello\n');
    expect(r.result).toMatchObject({ kind: 'exit', exitCode: 7 });
  });
});
