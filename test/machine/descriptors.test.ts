// Decoding of descriptors, 64-bit gates and the 64-bit TSS (SDM Vol 3A 3.4.5, 6.14.1, 8.7).
import { describe, expect, it } from 'vitest';
import {
  decodeGate64,
  decodeSegmentDescriptor,
  decodeSystemDescriptor,
  decodeTss64,
  defaultGdtBytes,
  encodeGate64,
  parseSelector,
} from '../../emulator/machine/descriptors';

const bytesOf = (v: bigint, n = 8) => {
  const b = new Uint8Array(n);
  new DataView(b.buffer).setBigUint64(0, v, true);
  return b;
};

describe('default GDT (design: machine model)', () => {
  const gdt = defaultGdtBytes();
  const d = (sel: number) => decodeSegmentDescriptor(gdt.subarray(sel, sel + 8));
  it('0x08 is a 64-bit DPL0 code segment, 0x28 a 64-bit DPL3 one, 0x18 a 32-bit DPL3 one', () => {
    expect([d(0x08).code, d(0x08).long, d(0x08).dpl, d(0x08).present]).toEqual([true, true, 0, true]);
    expect([d(0x28).code, d(0x28).long, d(0x28).dpl]).toEqual([true, true, 3]);
    expect([d(0x18).code, d(0x18).long, d(0x18).db, d(0x18).dpl]).toEqual([true, false, true, 3]);
  });
  it('0x10 and 0x20 are writable data segments at DPL 0 and 3, flat 4 GiB', () => {
    expect([d(0x10).writable, d(0x10).dpl, d(0x10).limit, d(0x10).base]).toEqual([true, 0, 0xffffffff, 0]);
    expect([d(0x20).writable, d(0x20).dpl]).toEqual([true, 3]);
  });
});

describe('segment descriptor fields (SDM Vol 3A 3.4.5)', () => {
  it('splits base and limit across the descriptor', () => {
    // base 0x12345678, limit 0xabcde (G=0), DPL 3 data writable present
    const raw = 0x12_0a_f2_345678_bcden;
    const d = decodeSegmentDescriptor(bytesOf(raw));
    expect(d.base.toString(16)).toBe('12345678');
    expect(d.limit.toString(16)).toBe('abcde');
    expect([d.dpl, d.present, d.writable, d.code]).toEqual([3, true, true, false]);
  });
  it('reads a 16-byte TSS descriptor with its 64-bit base', () => {
    const b = new Uint8Array(16);
    b.set(bytesOf(0xff_00_89_abcdef_0067n));
    b.set(bytesOf(0xffff_ffffn), 8);
    const d = decodeSystemDescriptor(b);
    expect(d.type).toBe(9);
    expect(d.base64.toString(16)).toBe('ffffffffffabcdef');
    expect(d.limit).toBe(0x67);
    expect(d.upperTypeZero).toBe(true);
  });
});

describe('64-bit IDT gates (SDM Vol 3A 6.14.1)', () => {
  it('round-trips offset, selector, IST, DPL and type', () => {
    const g = decodeGate64(encodeGate64({ offset: 0xffff_ffff_8123_4567n, selector: 0x08, ist: 3, dpl: 3, type: 15 }));
    expect(g).toMatchObject({ offset: 0xffff_ffff_8123_4567n, selector: 8, ist: 3, dpl: 3, present: true, kind: 'trap' });
    expect(decodeGate64(encodeGate64({ offset: 0n, selector: 8, type: 14 })).kind).toBe('interrupt');
    expect(decodeGate64(encodeGate64({ offset: 0n, selector: 8, type: 6 })).kind).toBe('invalid');
    expect(decodeGate64(encodeGate64({ offset: 0n, selector: 8, present: false })).present).toBe(false);
  });
});

describe('64-bit TSS (SDM Vol 3A 8.7)', () => {
  it('reads RSP0-2 at 4/12/20, IST1-7 from 36, the I/O map base at 102', () => {
    const t = new Uint8Array(104);
    const dv = new DataView(t.buffer);
    dv.setBigUint64(4, 0x1000n, true);
    dv.setBigUint64(20, 0x3000n, true);
    dv.setBigUint64(36, 0x11000n, true);
    dv.setBigUint64(84, 0x77000n, true);
    dv.setUint16(102, 104, true);
    const tss = decodeTss64(t);
    expect(tss.rsp).toEqual([0x1000n, 0n, 0x3000n]);
    expect(tss.ist[1]).toBe(0x11000n);
    expect(tss.ist[7]).toBe(0x77000n);
    expect(tss.iomapBase).toBe(104);
  });
});

describe('selectors (SDM Vol 3A 3.4.2)', () => {
  it('splits index, TI and RPL', () => {
    expect(parseSelector(0x2b)).toEqual({ value: 0x2b, index: 5, ti: 0, rpl: 3 });
    expect(parseSelector(0x0f).ti).toBe(1);
  });
});
