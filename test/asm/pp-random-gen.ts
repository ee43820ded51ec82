// Generator of random preprocessor programs for the nasm -E differential (deterministic per seed).

/** Small deterministic PRNG (mulberry32) so every run tests the same programs. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const pick = <T>(xs: readonly T[]) => xs[int(0, xs.length - 1)]!;
  return { next, int, pick };
}

const NAMES = ['A', 'B', 'C', 'foo', 'Bar'];
const BODY = [
  'db %0', 'db %1', 'dw %2, %1', '%%l: jmp %%l', 'mov %1, A', '%rotate 1', '%rotate -1', 'db %{1:2}', 'lbl%1: nop', 'db %1_x',
  'F(%1)', 'db %00', 'db %?', '%ifnum %1', 'db 1', '%elifid %1', 'db 2', '%else', 'db 3', '%endif', 'm0 %1',
];
const DEFS = ['%define F(x) db x, x', '%define G(a, b) a %+ b', '%define H(x) F(x+1)', '%xdefine F(x) dd x'];

export function program(seed: number): string {
  const r = rng(seed);
  const out: string[] = [];
  const macs: [string, number, number][] = [];
  const n = r.int(5, 25);
  for (let s = 0; s < n; s++) {
    switch (r.int(0, 11)) {
      case 0:
        out.push(`%define ${r.pick(NAMES)} ${r.pick(['1', '2+3', 'A', 'B*2', '(C)', 'rax', 'foo bar'])}`);
        break;
      case 1:
        out.push(`%assign ${r.pick(NAMES)} ${r.int(-5, 20)} * ${r.int(1, 4)}`);
        break;
      case 2:
        out.push(`%xdefine ${r.pick(NAMES)} ${r.pick(NAMES)} + 1`);
        break;
      case 3:
        out.push(`%undef ${r.pick(NAMES)}`);
        break;
      case 4: {
        const name = `m${macs.length}`;
        const lo = r.int(0, 2);
        const hi = lo + r.int(0, 2);
        const plus = r.pick(['', '+']);
        const spec = lo === hi ? `${lo}` : `${lo}-${hi}`;
        const defaults = hi > lo && r.next() < 0.5 ? ' ' + Array.from({ length: hi - lo }, () => String(r.int(0, 9))).join(', ') : '';
        out.push(`%macro ${name} ${spec}${plus}${defaults}`);
        for (let k = r.int(1, 3); k > 0; k--) out.push(r.pick(BODY));
        out.push('%endmacro');
        macs.push([name, lo, hi]);
        break;
      }
      case 5: {
        if (macs.length === 0) break;
        const [name, lo, hi] = r.pick(macs);
        const args = Array.from({ length: r.int(lo, hi) }, () => r.pick(['1', 'a', 'rax', '{x, y}', 'A', '2+3']));
        out.push(`${name} ${args.join(', ')}`);
        break;
      }
      case 6:
        out.push(`%rep ${r.int(0, 3)}`, `db ${r.pick(NAMES)}`, '%endrep');
        break;
      case 7:
        out.push(`%if ${r.pick(['1', '0', 'A > 2', 'B = 3', '1 && 0', '2 - 2'])}`, "db 'yes'", '%else', "db 'no'", '%endif');
        break;
      case 8:
        out.push(`%ifdef ${r.pick(NAMES)}`, "db 'def'", '%endif');
        break;
      case 9:
        out.push(`%ifidn ${r.pick(NAMES)}, ${r.pick(['1', 'rax', 'A'])}`, "db 'idn'", '%endif');
        break;
      case 10:
        switch (r.int(0, 7)) {
          case 0:
            out.push(r.pick(DEFS));
            break;
          case 1:
            out.push(`%strlen ${r.pick(NAMES)} '${'abcdef'.slice(0, r.int(0, 6))}'`);
            break;
          case 2:
            out.push(`%substr ${r.pick(NAMES)} 'kernel' ${r.int(1, 7)}, ${r.int(-2, 3)}`);
            break;
          case 3:
            out.push(`%strcat ${r.pick(NAMES)} 'a', "b", '${r.pick(['c', '"', ''])}'`);
            break;
          case 4:
            out.push(`db F(${r.pick(NAMES)}), G(${r.pick(NAMES)}, ${r.pick(NAMES)}), H(${r.int(0, 9)})`);
            break;
          case 5:
            out.push(`%assign i 0`, `%rep ${r.int(1, 6)}`, `%if i = ${r.int(0, 4)}`, '%exitrep', '%endif', 'db i', '%assign i i+1', '%endrep');
            break;
          case 6:
            out.push('%push ctx', `jmp %$${r.pick(['a', 'b'])}`, '%$a: nop', '%pop');
            break;
          default:
            if (macs.length > 0) out.push(`lbl${s}: ${r.pick(macs)[0]} ${r.pick(['1', 'q', "'s'"])}`);
        }
        break;
      default:
        out.push(`db ${r.pick(NAMES)}, ${r.pick(NAMES)}`);
    }
  }
  return out.join('\n') + '\n';
}

