// Section layout of the flat image, following `nasm -f bin` (NASM manual 8.1.3): progbits
// sections in declaration order (`.text` first, as NASM creates it before any user section),
// each after the previous one at its alignment unless `start=`/`follows=` says otherwise;
// nobits sections after all progbits sections. The design's default alignment is 4 KiB.

import type { SourceRange } from './types';

export const DEFAULT_ORG = 0x100000;
export const DEFAULT_SECTION_ALIGN = 4096;

export interface SectionPlan {
  name: string;
  nobits: boolean;
  size: number;
  /** Effective alignment (declared or default, raised by `align`/`sectalign` inside). */
  align: number;
  start?: number;
  vstart?: number;
  follows?: string;
  vfollows?: string;
  range?: SourceRange;
}

export interface PlacedSection {
  /** Load address (where the bytes sit in the image). */
  start: number;
  /** Address labels in the section take (differs from `start` only with `vstart=`/`vfollows=`). */
  vstart: number;
}

export interface LayoutResult {
  placed: Map<string, PlacedSection>;
  /** Image length in bytes (from org to the end of the last non-empty progbits section). */
  imageSize: number;
  errors: { message: string; range?: SourceRange }[];
}

const alignUp = (v: number, a: number): number => (a > 1 ? Math.ceil(v / a) * a : v);

/** Places `sections` (in declaration order, `.text` first) from `org`. */
export function layoutSections(org: number, sections: readonly SectionPlan[]): LayoutResult {
  const placed = new Map<string, PlacedSection>();
  const errors: { message: string; range?: SourceRange }[] = [];
  const byName = new Map(sections.map((s) => [s.name, s]));
  const prog = sections.filter((s) => !s.nobits);
  const nobits = sections.filter((s) => s.nobits);
  let cursor = org;
  const placeOne = (s: SectionPlan, after: number): number => {
    let start: number;
    if (s.start !== undefined) start = s.start;
    else if (s.follows !== undefined) {
      const f = placed.get(s.follows);
      const fs = byName.get(s.follows);
      if (!f || !fs) {
        errors.push({ message: `section \`${s.name}\` follows \`${s.follows}\`, which is not placed before it`, range: s.range });
        start = alignUp(after, s.align);
      } else start = alignUp(f.start + fs.size, s.align);
    } else start = alignUp(after, s.align);
    let vstart = start;
    if (s.vstart !== undefined) vstart = s.vstart;
    else if (s.vfollows !== undefined) {
      const f = placed.get(s.vfollows);
      const fs = byName.get(s.vfollows);
      if (f && fs) vstart = alignUp(f.vstart + fs.size, s.align);
    }
    placed.set(s.name, { start, vstart });
    return start + s.size;
  };
  for (const s of prog) {
    cursor = placeOne(s, cursor);
    if (s.start !== undefined && s.start < org) errors.push({ message: `section \`${s.name}\` starts below org`, range: s.range });
  }
  let imageEnd = org;
  for (const s of prog) {
    const p = placed.get(s.name)!;
    if (s.size > 0) imageEnd = Math.max(imageEnd, p.start + s.size);
  }
  // nobits sections go after the highest address any progbits section reaches.
  let nb = org;
  for (const s of prog) nb = Math.max(nb, placed.get(s.name)!.vstart + s.size);
  for (const s of nobits) nb = placeOne(s, nb);
  // Overlapping progbits sections would silently overwrite each other in the image.
  const sorted = prog.filter((s) => s.size > 0).sort((a, b) => placed.get(a.name)!.start - placed.get(b.name)!.start);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1]!;
    const b = sorted[i]!;
    if (placed.get(a.name)!.start + a.size > placed.get(b.name)!.start) {
      errors.push({ message: `sections \`${a.name}\` and \`${b.name}\` overlap`, range: b.range });
    }
  }
  return { placed, imageSize: imageEnd - org, errors };
}
