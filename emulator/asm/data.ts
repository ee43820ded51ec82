// Data encodings of the data directives: floating-point constants in every width NASM
// supports (db=8-bit, dw=half, dd=single, dq=double, dt=x87 extended, do=quad) with exact
// round-to-nearest-even conversion, and little-endian integer stores.

/** Layout of one binary floating-point format: `p` significand bits incl. the leading one. */
interface FloatFormat {
  p: number;
  expBits: number;
  /** x87 extended stores the leading one explicitly (Intel SDM Vol. 1, 4.2.2 / 8.2.2). */
  explicitLead: boolean;
}

// IEEE 754 binary16/32/64/128; x87 double-extended; NASM's 8-bit format (1.4.3, bias 7).
const FORMATS: Record<number, FloatFormat> = {
  1: { p: 4, expBits: 4, explicitLead: false },
  2: { p: 11, expBits: 5, explicitLead: false },
  4: { p: 24, expBits: 8, explicitLead: false },
  8: { p: 53, expBits: 11, explicitLead: false },
  10: { p: 64, expBits: 15, explicitLead: true },
  16: { p: 113, expBits: 15, explicitLead: false },
};

/** Decimal exponents beyond this certainly overflow/underflow every format; bounding them keeps BigInt work small. */
const MAX_DEC_EXP = 12000;

function bitLength(v: bigint): number {
  return v === 0n ? 0 : v.toString(2).length;
}

/** Parsed float literal: value = mant * base^exp, base 10 or 2. */
interface Rational {
  mant: bigint;
  exp: number;
  base: 10 | 2;
}

function parseLiteral(text: string): Rational | undefined {
  const t = text.replace(/_/g, '').toLowerCase();
  let m = /^(?:0x|0h|\$)([0-9a-f]*)(?:\.([0-9a-f]*))?(?:p([+-]?[0-9]+))?$/.exec(t);
  if (m && (m[1] || m[2])) {
    const frac = m[2] ?? '';
    const mant = BigInt('0x' + ((m[1] ?? '') + frac || '0'));
    return { mant, exp: Number(m[3] ?? '0') - 4 * frac.length, base: 2 };
  }
  m = /^(?:0d|0t)?([0-9]*)(?:\.([0-9]*))?(?:e([+-]?[0-9]+))?$/.exec(t);
  if (m && (m[1] || m[2])) {
    const frac = m[2] ?? '';
    const digits = ((m[1] ?? '') + frac).replace(/^0+/, '') || '0';
    return { mant: BigInt(digits), exp: Number(m[3] ?? '0') - frac.length, base: 10 };
  }
  return undefined;
}

const SPECIALS: Record<string, 'inf' | 'qnan' | 'snan'> = {
  __infinity__: 'inf',
  '__?infinity?__': 'inf',
  __nan__: 'qnan',
  '__?nan?__': 'qnan',
  __qnan__: 'qnan',
  '__?qnan?__': 'qnan',
  __snan__: 'snan',
  '__?snan?__': 'snan',
};

/** True when `name` is one of NASM's special float constants (`__Infinity__`, `__QNaN__`, ...). */
export function isFloatSpecial(name: string): boolean {
  return SPECIALS[name.toLowerCase()] !== undefined;
}

/**
 * Encodes a float literal (`1.5`, `1.5e3`, `0x1.8p3`, `__Infinity__`) as `bytes` little-endian
 * bytes. Returns an error string for unsupported widths or malformed text; `overflow` is set
 * when the value became infinity (NASM warns "overflow in floating-point constant").
 */
export function encodeFloat(text: string, negative: boolean, bytes: number): { bytes: Uint8Array; overflow: boolean } | { error: string } {
  const fmt = FORMATS[bytes];
  if (!fmt) return { error: `no ${bytes * 8}-bit floating-point format supported` };
  const { p, expBits, explicitLead } = fmt;
  const bias = (1 << (expBits - 1)) - 1;
  const emin = 1 - bias;
  const fracBits = explicitLead ? p : p - 1;
  const expMax = (1n << BigInt(expBits)) - 1n;
  const pack = (expField: bigint, frac: bigint): Uint8Array => {
    let v = (expField << BigInt(fracBits)) | frac;
    if (negative) v |= 1n << BigInt(fracBits + expBits);
    const out = new Uint8Array(bytes);
    for (let i = 0; i < bytes; i++) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return out;
  };
  const lead = explicitLead ? 1n << BigInt(p - 1) : 0n;
  const special = SPECIALS[text.toLowerCase()];
  if (special === 'inf') return { bytes: pack(expMax, lead), overflow: false };
  // Quiet NaN sets the top fraction bit; a signalling NaN the lowest (as nasm 2.16 emits them).
  if (special === 'qnan') return { bytes: pack(expMax, lead | (1n << BigInt(p - 2))), overflow: false };
  if (special === 'snan') return { bytes: pack(expMax, lead | 1n), overflow: false };
  if (text.length > 4000) return { error: 'floating-point constant too long (more than 4000 characters)' };
  const r = parseLiteral(text);
  if (!r) return { error: `invalid floating-point constant \`${text}\`` };
  if (r.mant === 0n) return { bytes: pack(0n, 0n), overflow: false };
  // Huge exponents would make the exact arithmetic below allocate without bound.
  if (Math.abs(r.exp) > (r.base === 10 ? MAX_DEC_EXP : 4 * MAX_DEC_EXP)) {
    return r.exp > 0 ? { bytes: pack(expMax, lead), overflow: true } : { bytes: pack(0n, 0n), overflow: false };
  }
  // value = num / den exactly.
  let num = r.mant;
  let den = 1n;
  if (r.base === 10) {
    if (r.exp >= 0) num *= 10n ** BigInt(r.exp);
    else den = 10n ** BigInt(-r.exp);
  } else if (r.exp >= 0) num <<= BigInt(r.exp);
  else den <<= BigInt(-r.exp);
  // e = floor(log2(num/den)).
  let e = bitLength(num) - bitLength(den);
  const geq = (k: number): boolean => (k >= 0 ? num >= den << BigInt(k) : num << BigInt(-k) >= den);
  if (!geq(e)) e--;
  const shift = Math.max(e, emin) - (p - 1);
  // m = round(num / (den * 2^shift)) to nearest. An exact tie rounds toward zero: that is what
  // nasm 2.16.01 emits (`dd 3.0e10` is 0x50DF8475, `dw 65520.0` is 0x7BFF), not IEEE ties-to-even.
  let n = num;
  let d = den;
  if (shift >= 0) d <<= BigInt(shift);
  else n <<= BigInt(-shift);
  let m = n / d;
  const rem = n - m * d;
  if (rem * 2n > d) m++;
  let exp = shift + (p - 1);
  if (m >= 1n << BigInt(p)) {
    m >>= 1n;
    exp++;
  }
  const emax = bias;
  // nasm 2.16.01 only saturates to infinity beyond emax+1; at exactly emax+1 it packs the
  // significand under the all-ones exponent (an infinity or NaN bit pattern), with its warning.
  if (exp > emax + 1) return { bytes: pack(expMax, lead), overflow: true };
  if (exp === emax + 1) return { bytes: pack(expMax, explicitLead ? m : m - (1n << BigInt(p - 1))), overflow: true };
  if (m < 1n << BigInt(p - 1)) return { bytes: pack(0n, m), overflow: false }; // subnormal
  const frac = explicitLead ? m : m - (1n << BigInt(p - 1));
  return { bytes: pack(BigInt(exp + bias), frac), overflow: false };
}

/** Writes `value` little-endian into `out[at .. at+size)`, truncating to the width (two's complement). */
export function storeInt(out: Uint8Array, at: number, value: bigint, size: number): void {
  if (size <= 6) {
    let v = Number(BigInt.asUintN(size * 8, value));
    for (let i = 0; i < size; i++) {
      out[at + i] = v & 0xff;
      v = Math.floor(v / 256);
    }
    return;
  }
  let v = BigInt.asUintN(size * 8, value);
  for (let i = 0; i < size; i++) {
    out[at + i] = Number(v & 0xffn);
    v >>= 8n;
  }
}

/** True when `value` fits `size` bytes as either a signed or an unsigned number (NASM's "data exceeds bounds" test). */
export function fitsData(value: bigint, size: number): boolean {
  if (size >= 8) return true;
  const bits = BigInt(size * 8);
  return value >= -(1n << (bits - 1n)) && value < 1n << bits;
}
