// The MSR table: reset values of the machine model and the #GP(0) conditions of WRMSR
// (SDM Vol 2B WRMSR; SDM Vol 4 Table 2-2; EFER in SDM Vol 3A 2.2.1).
import { describe, expect, it } from 'vitest';
import { EFER, isCanonical, MSR, msrByName, msrName, resetMsrs, wrmsrFault, wrmsrResult } from '../../emulator/machine/msr';

describe('MSR reset values (design: machine model)', () => {
  it('EFER = LME|LMA|SCE, TSC_AUX = core index, everything else 0', () => {
    const m = resetMsrs(5);
    expect(m.get(MSR.EFER)).toBe(0x501n);
    expect(m.get(MSR.TSC_AUX)).toBe(5n);
    for (const i of [MSR.STAR, MSR.LSTAR, MSR.FMASK, MSR.GS_BASE, MSR.KERNEL_GS_BASE, MSR.FS_BASE]) {
      expect(m.get(i)).toBe(0n);
    }
  });
});

describe('WRMSR #GP(0) conditions (SDM Vol 2B WRMSR)', () => {
  it('rejects an unimplemented MSR', () => {
    expect(wrmsrFault(0x1234, 0n, 0n, true)).toMatch(/unimplemented MSR 0x1234/);
  });
  it('rejects a non-canonical GS_BASE / KERNEL_GS_BASE / LSTAR but accepts canonical high-half values', () => {
    for (const i of [MSR.GS_BASE, MSR.KERNEL_GS_BASE, MSR.FS_BASE, MSR.LSTAR]) {
      expect(wrmsrFault(i, 0x0000_8000_0000_0000n, 0n, true)).toMatch(/non-canonical/);
      expect(wrmsrFault(i, 0xffff_8000_0000_0000n, 0n, true)).toBeUndefined();
      expect(wrmsrFault(i, 0x0000_7fff_ffff_f000n, 0n, true)).toBeUndefined();
    }
  });
  it('rejects reserved bits of EFER, FMASK and TSC_AUX', () => {
    expect(wrmsrFault(MSR.EFER, 0x501n | (1n << 12n), 0x501n, true)).toMatch(/reserved/);
    expect(wrmsrFault(MSR.FMASK, 1n << 32n, 0n, true)).toMatch(/reserved/);
    expect(wrmsrFault(MSR.TSC_AUX, 1n << 40n, 0n, true)).toMatch(/reserved/);
    expect(wrmsrFault(MSR.FMASK, 0x4_7700n, 0n, true)).toBeUndefined();
  });
  it('rejects clearing EFER.LME while paging is on (SDM Vol 3A "Initializing IA-32e Mode")', () => {
    expect(wrmsrFault(MSR.EFER, EFER.LMA | EFER.SCE, 0x501n, true)).toMatch(/LME/);
  });
  it('keeps EFER.LMA as the processor set it (read-only bit)', () => {
    expect(wrmsrResult(MSR.EFER, EFER.LME | EFER.NXE, 0x501n)).toBe(EFER.LME | EFER.LMA | EFER.NXE);
  });
});

describe('names', () => {
  it('finds MSRs by SDM name, short name and Linux/AMD aliases', () => {
    expect(msrByName('IA32_KERNEL_GS_BASE')?.index).toBe(0xc0000102);
    expect(msrByName('sfmask')?.index).toBe(MSR.FMASK);
    expect(msrName(MSR.LSTAR)).toBe('IA32_LSTAR');
  });
  it('canonical means bits 63:47 equal (SDM Vol 1 3.3.7.1)', () => {
    expect(isCanonical(0xffff_ffff_ffff_ffffn)).toBe(true);
    expect(isCanonical(0xfffe_ffff_ffff_ffffn)).toBe(false);
  });
});
