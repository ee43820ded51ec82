// Guest memory: sparse 4 KiB pages with identity-paging attributes, copy-on-write snapshots,
// and the hooks that keep TLBs and the decode cache coherent with writes.
//
// Addresses are JS Numbers in canonical *signed* form: the 64-bit linear address sign-extended
// from bit 47, so every canonical address (SDM Vol. 1 3.3.7.1) is exact in a double
// (0xffff_8000_0000_0000 is -2**47). Physical = linear (identity paging, DESIGN.md).

export const PAGE_SHIFT = 12;
export const PAGE_SIZE = 4096;
export const PAGE_MASK = 4095;

/** Page attribute bits, modelled on the 4-level paging entry bits (SDM Vol. 3A 4.5). */
export const Attr = {
  Present: 1,
  Writable: 2,
  User: 4,
  /** Only enforced when IA32_EFER.NXE = 1 (an NX page then faults on fetch). */
  Executable: 8,
} as const;

/** One guest page. The object is stable for the page's lifetime; `data` may be swapped (COW). */
export interface Page {
  /** Page number (linear address >> 12, may be negative for the upper canonical half). */
  readonly vpn: number;
  data: Uint8Array;
  attrs: number;
  /** `data` is shared with a snapshot: copy before the first write. */
  shared: boolean;
  /** Decode cache and compiled blocks owned by the CPU (emulator/cpu/decode.ts, jit.ts); null when no code was decoded here. */
  code: unknown[] | null;
  /** Bytes of this page covered by decoded instructions (1 = code); null together with `code`. */
  codeBytes: Uint8Array | null;
}

/** Anything caching page translations (a core's TLB) registers to be told about changes. */
export interface PageListener {
  /** The page's data, attributes or code status changed: drop every cached translation of it. */
  invalidatePage(vpn: number): void;
  /** Everything changed (restore, bulk attribute change). */
  invalidateAll(): void;
}

export interface MemorySnapshot {
  readonly pages: ReadonlyMap<number, { data: Uint8Array; attrs: number }>;
}

/** One all-zero page shared by every never-written page (copied on first write, like COW). */
const ZERO_PAGE = new Uint8Array(PAGE_SIZE);

function overlaps(mask: Uint8Array | null, off: number, size: number): boolean {
  if (!mask) return true;
  for (let i = Math.max(0, off), end = Math.min(PAGE_SIZE, off + size); i < end; i++) if (mask[i]) return true;
  return false;
}

export function vpnOf(addr: number): number {
  return Math.floor(addr / PAGE_SIZE);
}

export class Memory {
  private readonly pages = new Map<number, Page>();
  private readonly listeners = new Set<PageListener>();
  /** Upper bound on mapped pages (bad input must not exhaust the host). */
  readonly maxPages: number;

  constructor(opts: { maxBytes?: number } = {}) {
    this.maxPages = Math.ceil((opts.maxBytes ?? 4 * 1024 * 1024 * 1024) / PAGE_SIZE);
  }

  addListener(l: PageListener): void { this.listeners.add(l); }
  removeListener(l: PageListener): void { this.listeners.delete(l); }

  get pageCount(): number { return this.pages.size; }

  /** The page with number `vpn`, or undefined when unmapped (not present). */
  page(vpn: number): Page | undefined {
    return this.pages.get(vpn);
  }

  /** Map [addr, addr+size) with zero-filled pages (existing pages keep their data) and set `attrs`. */
  map(addr: number, size: number, attrs: number): void {
    if (size <= 0) return;
    const first = vpnOf(addr);
    const last = vpnOf(addr + size - 1);
    if (last - first + 1 > this.maxPages) throw new RangeError(`mapping ${size} bytes exceeds the guest memory limit`);
    for (let v = first; v <= last; v++) {
      let p = this.pages.get(v);
      if (!p) {
        if (this.pages.size >= this.maxPages) throw new RangeError('guest memory limit reached');
        // Fresh pages share ZERO_PAGE until written, so a large mostly-unused guest costs little RSS.
        p = { vpn: v, data: ZERO_PAGE, attrs, shared: true, code: null, codeBytes: null };
        this.pages.set(v, p);
      } else {
        p.attrs = attrs;
      }
      this.notifyPage(v);
    }
  }

  /** Change the attributes of mapped pages in [addr, addr+size). */
  protect(addr: number, size: number, attrs: number): void {
    if (size <= 0) return;
    for (let v = vpnOf(addr), last = vpnOf(addr + size - 1); v <= last; v++) {
      const p = this.pages.get(v);
      if (p) { p.attrs = attrs; this.notifyPage(v); }
    }
  }

  unmap(addr: number, size: number): void {
    if (size <= 0) return;
    for (let v = vpnOf(addr), last = vpnOf(addr + size - 1); v <= last; v++) {
      if (this.pages.delete(v)) this.notifyPage(v);
    }
  }

  /**
   * Make `p` privately writable for a write of `size` bytes at page offset `off` (whole page when
   * omitted): copy shared data (COW) and drop the decoded code if the write touches a byte of a
   * decoded instruction (self-modifying code). Returns true when code was dropped.
   * Called on every write that misses the write TLB (the write TLB never holds shared or code pages).
   */
  prepareWrite(p: Page, off = 0, size = PAGE_SIZE): boolean {
    let changed = false, dropped = false;
    if (p.shared) {
      p.data = p.data.slice();
      p.shared = false;
      changed = true;
    }
    if (p.code !== null && overlaps(p.codeBytes, off, size)) {
      // An instruction that starts on the previous page and crosses into this one lives in the
      // previous page's cache (its bytes here are marked too).
      p.code = null;
      p.codeBytes = null;
      if (off < 16) {
        const prev = this.pages.get(p.vpn - 1);
        if (prev && prev.code !== null) { prev.code = null; prev.codeBytes = null; this.notifyPage(prev.vpn); }
      }
      changed = dropped = true;
    }
    if (changed) this.notifyPage(p.vpn);
    return dropped;
  }

  /** Mark that code was decoded on `p` at [off, off+len): writes must now take the slow path. */
  markCode(p: Page, cache: unknown[], off: number, len: number): void {
    const first = p.code === null;
    p.code = cache;
    if (!p.codeBytes) p.codeBytes = new Uint8Array(PAGE_SIZE);
    p.codeBytes.fill(1, off, Math.min(PAGE_SIZE, off + len));
    if (first) this.notifyPage(p.vpn);
  }

  /** Debugger/loader write: no permission checks; keeps COW and code caches coherent. Returns false if unmapped. */
  writeBytes(addr: number, bytes: Uint8Array): boolean {
    for (let i = 0; i < bytes.length;) {
      const a = addr + i;
      const p = this.pages.get(vpnOf(a));
      if (!p) return false;
      const off = a - p.vpn * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, bytes.length - i);
      this.prepareWrite(p, off, n);
      p.data.set(bytes.subarray(i, i + n), off);
      i += n;
    }
    return true;
  }

  /** Debugger read: no permission checks. Returns undefined when any byte is unmapped. */
  readBytes(addr: number, length: number): Uint8Array | undefined {
    const out = new Uint8Array(length);
    for (let i = 0; i < length;) {
      const a = addr + i;
      const p = this.pages.get(vpnOf(a));
      if (!p) return undefined;
      const off = a - p.vpn * PAGE_SIZE;
      const n = Math.min(PAGE_SIZE - off, length - i);
      out.set(p.data.subarray(off, off + n), i);
      i += n;
    }
    return out;
  }

  /** O(pages) snapshot without copying data: pages become copy-on-write. */
  snapshot(): MemorySnapshot {
    const pages = new Map<number, { data: Uint8Array; attrs: number }>();
    for (const p of this.pages.values()) {
      p.shared = true;
      pages.set(p.vpn, { data: p.data, attrs: p.attrs });
    }
    this.notifyAll();
    return { pages };
  }

  /** Restore a snapshot (the snapshot stays valid and can be restored again). */
  restore(s: MemorySnapshot): void {
    for (const v of [...this.pages.keys()]) if (!s.pages.has(v)) this.pages.delete(v);
    for (const [v, e] of s.pages) {
      const p = this.pages.get(v);
      if (p) { p.data = e.data; p.attrs = e.attrs; p.shared = true; p.code = null; p.codeBytes = null; }
      else this.pages.set(v, { vpn: v, data: e.data, attrs: e.attrs, shared: true, code: null, codeBytes: null });
    }
    this.notifyAll();
  }

  private notifyPage(vpn: number): void {
    for (const l of this.listeners) l.invalidatePage(vpn);
  }
  private notifyAll(): void {
    for (const l of this.listeners) l.invalidateAll();
  }
}
