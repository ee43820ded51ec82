// Per-core MMU: permission checks of identity paging (U/S, R/W, SMEP, SMAP, NX) raising #PF with
// the SDM error code, and a software TLB per access kind so the common access is two array loads.

import { GuestFault, PfErr, Vec } from '../cpu/fault';
import { Attr, Memory, Page, PageListener, PAGE_SIZE, vpnOf } from './memory';

const TLB_SIZE = 512;
const TLB_MASK = TLB_SIZE - 1;

/** The architectural state the MMU consults (implemented by Core). */
export interface MmuOwner {
  cpl: number;
  cr0: number;
  cr4: number;
  efer: number;
  rflags: number;
  cr2: bigint;
  /** Set non-zero to make the execution loop stop at the next instruction boundary (code was overwritten). */
  attention: number;
}

export const enum Access { Read = 0, Write = 1, Fetch = 2 }

const CR0_WP = 1 << 16;
const CR4_SMEP = 1 << 20;
const CR4_SMAP = 1 << 21;
const EFER_NXE = 1 << 11;
const RFLAGS_AC = 1 << 18;

export class Mmu implements PageListener {
  // Tags are page numbers; NaN never matches. A tag is only filled when the access kind is allowed
  // in the current mode *independently of RFLAGS.AC*, so AC changes need no flush.
  readonly rTag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly rData: Uint8Array[] = new Array(TLB_SIZE).fill(new Uint8Array(0));
  readonly wTag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly wData: Uint8Array[] = new Array(TLB_SIZE).fill(new Uint8Array(0));
  readonly xTag = new Float64Array(TLB_SIZE).fill(NaN);
  readonly xPage: (Page | null)[] = new Array(TLB_SIZE).fill(null);
  /** High 32 bits of the last 64-bit read (read64 returns the low half). */
  hi = 0;
  private modeKey = -1;

  constructor(readonly memory: Memory, private readonly owner: MmuOwner) {
    memory.addListener(this);
    this.refreshMode();
  }

  /** Detach from memory (core discarded). */
  dispose(): void { this.memory.removeListener(this); }

  invalidatePage(vpn: number): void {
    const i = vpn & TLB_MASK;
    if (this.rTag[i] === vpn) this.rTag[i] = NaN;
    if (this.wTag[i] === vpn) this.wTag[i] = NaN;
    if (this.xTag[i] === vpn) { this.xTag[i] = NaN; this.xPage[i] = null; }
  }

  invalidateAll(): void {
    this.rTag.fill(NaN);
    this.wTag.fill(NaN);
    this.xTag.fill(NaN);
    this.xPage.fill(null);
  }

  /** Call after CPL, CR0, CR4 or EFER changed; flushes the TLB when the permission mode changed. */
  refreshMode(): void {
    const o = this.owner;
    const key = (o.cpl === 3 ? 1 : 0) | (o.cr0 & CR0_WP ? 2 : 0) | (o.cr4 & CR4_SMEP ? 4 : 0) |
      (o.cr4 & CR4_SMAP ? 8 : 0) | (o.efer & EFER_NXE ? 16 : 0);
    if (key !== this.modeKey) { this.modeKey = key; this.invalidateAll(); }
  }

  /**
   * Check an access to one page and return it, or throw #PF (setting CR2).
   * `implicit`: a supervisor-mode access to system structures (GDT/IDT/TSS, SDM Vol. 3A 4.6):
   * it is a supervisor access even at CPL 3, and SMAP applies to it regardless of RFLAGS.AC.
   */
  check(addr: number, access: Access, implicit = false): Page {
    const o = this.owner;
    const user = !implicit && o.cpl === 3;
    const p = this.memory.page(vpnOf(addr));
    let err = 0;
    if (!p || !(p.attrs & Attr.Present)) {
      err = 0;
    } else {
      const a = p.attrs;
      let ok = true;
      if (user) {
        // SDM Vol. 3A 4.6.1: user-mode accesses need U/S=1 everywhere; writes need R/W=1.
        if (!(a & Attr.User)) ok = false;
        else if (access === Access.Write && !(a & Attr.Writable)) ok = false;
      } else if (access === Access.Fetch) {
        // SMEP: supervisor fetches from user-mode pages fault (SDM Vol. 3A 4.6.1).
        if ((a & Attr.User) && (o.cr4 & CR4_SMEP)) ok = false;
      } else {
        // SMAP: supervisor data accesses to user-mode pages fault when CR4.SMAP=1 and either the
        // access is implicit or RFLAGS.AC=0 (SDM Vol. 3A 4.6.1).
        if ((a & Attr.User) && (o.cr4 & CR4_SMAP) && (implicit || !(o.rflags & RFLAGS_AC))) ok = false;
        // Supervisor writes to read-only pages fault only with CR0.WP=1.
        else if (access === Access.Write && !(a & Attr.Writable) && (o.cr0 & CR0_WP)) ok = false;
      }
      if (ok && access === Access.Fetch && !(a & Attr.Executable) && (o.efer & EFER_NXE)) ok = false;
      if (ok) return p;
      err = PfErr.P;
    }
    if (access === Access.Write) err |= PfErr.W;
    if (user) err |= PfErr.U;
    // I/D is reported for fetches only when NX or SMEP is enabled (SDM Vol. 3A 4.7).
    if (access === Access.Fetch && ((o.efer & EFER_NXE) || (o.cr4 & CR4_SMEP))) err |= PfErr.I;
    o.cr2 = BigInt.asUintN(64, BigInt(addr));
    throw new GuestFault(Vec.PF, err, 'fault',
      `${!p ? 'unmapped' : 'protected'} ${access === Access.Write ? 'write to' : access === Access.Fetch ? 'instruction fetch from' : 'read from'} 0x${o.cr2.toString(16)}`);
  }

  /** True when a successful check may be cached (does not depend on RFLAGS.AC). */
  private cacheable(p: Page, access: Access): boolean {
    if (access === Access.Fetch) return true;
    const o = this.owner;
    return !(o.cpl !== 3 && (p.attrs & Attr.User) && (o.cr4 & CR4_SMAP));
  }

  /** Page for reading `addr`, filling the read TLB. */
  readPage(addr: number): Uint8Array {
    const p = this.check(addr, Access.Read);
    if (this.cacheable(p, Access.Read)) {
      const i = p.vpn & TLB_MASK;
      this.rTag[i] = p.vpn; this.rData[i] = p.data;
    }
    return p.data;
  }

  /**
   * Page for writing `size` bytes at `addr` (made private first; decoded code it overlaps is
   * dropped), filling the write TLB unless the page still holds code.
   */
  writePage(addr: number, size = 8): Uint8Array {
    const p = this.check(addr, Access.Write);
    // Overwriting decoded code: compiled blocks may be stale, so the execution loop must look now.
    if (this.memory.prepareWrite(p, addr & 4095, size)) this.owner.attention = 1;
    if (p.code === null && this.cacheable(p, Access.Write)) {
      const i = p.vpn & TLB_MASK;
      this.wTag[i] = p.vpn; this.wData[i] = p.data;
    }
    return p.data;
  }

  /** Page for fetching at `addr`, filling the fetch TLB. */
  fetchPage(addr: number): Page {
    const vpn = vpnOf(addr);
    const i = vpn & TLB_MASK;
    if (this.xTag[i] === vpn) return this.xPage[i]!;
    const p = this.check(addr, Access.Fetch);
    this.xTag[i] = vpn; this.xPage[i] = p;
    return p;
  }

  // ---- data accesses. Values up to 32 bits are unsigned Numbers. ----

  read8(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn & TLB_MASK;
    const d = this.rTag[i] === vpn ? this.rData[i] : this.readPage(addr);
    return d[addr & 4095];
  }

  read16(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn & TLB_MASK, off = addr & 4095;
    if (off <= 4094) {
      const d = this.rTag[i] === vpn ? this.rData[i] : this.readPage(addr);
      return d[off] | (d[off + 1] << 8);
    }
    return this.readCross(addr, 2);
  }

  read32(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn & TLB_MASK, off = addr & 4095;
    if (off <= 4092) {
      const d = this.rTag[i] === vpn ? this.rData[i] : this.readPage(addr);
      return (d[off] | (d[off + 1] << 8) | (d[off + 2] << 16) | (d[off + 3] << 24)) >>> 0;
    }
    return this.readCross(addr, 4);
  }

  /** Reads 64 bits: returns the low half (unsigned), the high half (unsigned) is left in `this.hi`. */
  read64(addr: number): number {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn & TLB_MASK, off = addr & 4095;
    if (off <= 4088) {
      const d = this.rTag[i] === vpn ? this.rData[i] : this.readPage(addr);
      this.hi = (d[off + 4] | (d[off + 5] << 8) | (d[off + 6] << 16) | (d[off + 7] << 24)) >>> 0;
      return (d[off] | (d[off + 1] << 8) | (d[off + 2] << 16) | (d[off + 3] << 24)) >>> 0;
    }
    this.readPage(addr); this.readPage(addr + 8 - 1);
    const lo = this.readCross(addr, 4);
    this.hi = this.readCross(addr + 4, 4);
    return lo;
  }

  /** Read `size` (1,2,4) bytes. */
  read(addr: number, size: number): number {
    return size === 4 ? this.read32(addr) : size === 1 ? this.read8(addr) : this.read16(addr);
  }

  private readCross(addr: number, size: number): number {
    // Check every page first so a fault leaves nothing half done.
    this.readPage(addr); this.readPage(addr + size - 1);
    let v = 0;
    for (let k = size - 1; k >= 0; k--) v = v * 256 + this.read8(addr + k);
    return v;
  }

  write8(addr: number, v: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn & TLB_MASK;
    const d = this.wTag[i] === vpn ? this.wData[i] : this.writePage(addr, 1);
    d[addr & 4095] = v;
  }

  write16(addr: number, v: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn & TLB_MASK, off = addr & 4095;
    if (off <= 4094) {
      const d = this.wTag[i] === vpn ? this.wData[i] : this.writePage(addr, 2);
      d[off] = v; d[off + 1] = v >> 8;
      return;
    }
    this.writeCross(addr, 2, v, 0);
  }

  write32(addr: number, v: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn & TLB_MASK, off = addr & 4095;
    if (off <= 4092) {
      const d = this.wTag[i] === vpn ? this.wData[i] : this.writePage(addr, 4);
      d[off] = v; d[off + 1] = v >> 8; d[off + 2] = v >> 16; d[off + 3] = v >> 24;
      return;
    }
    this.writeCross(addr, 4, v, 0);
  }

  write64(addr: number, lo: number, hi: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE), i = vpn & TLB_MASK, off = addr & 4095;
    if (off <= 4088) {
      const d = this.wTag[i] === vpn ? this.wData[i] : this.writePage(addr, 8);
      d[off] = lo; d[off + 1] = lo >> 8; d[off + 2] = lo >> 16; d[off + 3] = lo >> 24;
      d[off + 4] = hi; d[off + 5] = hi >> 8; d[off + 6] = hi >> 16; d[off + 7] = hi >> 24;
      return;
    }
    this.writeCross(addr, 8, lo, hi);
  }

  /** Write `size` (1,2,4) bytes. */
  write(addr: number, size: number, v: number): void {
    if (size === 4) this.write32(addr, v); else if (size === 1) this.write8(addr, v); else this.write16(addr, v);
  }

  /** Fault now if a write of `size` bytes at `addr` would fault (for read-modify-write instructions). */
  probeWrite(addr: number, size: number): void {
    const vpn = Math.floor(addr / PAGE_SIZE);
    if (this.wTag[vpn & TLB_MASK] !== vpn) this.writePage(addr, size);
    if (((addr & 4095) + size) > 4096) this.writePage(addr + size - 1, size);
  }

  private writeCross(addr: number, size: number, lo: number, hi: number): void {
    this.writePage(addr, size); this.writePage(addr + size - 1, size);
    for (let k = 0; k < size; k++) {
      const b = k < 4 ? (lo >>> (8 * k)) & 255 : (hi >>> (8 * (k - 4))) & 255;
      this.write8(addr + k, b);
    }
  }

  // ---- implicit supervisor accesses (descriptor tables, TSS, IDT), SDM Vol. 3A 4.6 ----

  readImplicit(addr: number, size: number): bigint {
    let v = 0n;
    for (let k = size - 1; k >= 0; k--) {
      const p = this.check(addr + k, Access.Read, true);
      v = (v << 8n) | BigInt(p.data[(addr + k) & 4095]);
    }
    return v;
  }

  writeImplicit(addr: number, size: number, value: bigint): void {
    for (let k = 0; k < size; k++) this.check(addr + k, Access.Write, true);
    for (let k = 0; k < size; k++) {
      const p = this.check(addr + k, Access.Write, true);
      if (this.memory.prepareWrite(p, (addr + k) & 4095, 1)) this.owner.attention = 1;
      p.data[(addr + k) & 4095] = Number((value >> BigInt(8 * k)) & 0xffn);
    }
  }
}
