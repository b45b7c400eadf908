// A small ELF64 (little-endian) reader: the function symbols of an executable or shared library
// and the mapping from a virtual address to the file offset the uprobe PMU wants. Only the
// headers, section table and symbol tables are read, never the whole file.
import { closeSync, openSync, readSync } from 'node:fs';

/** A defined function symbol. */
export interface ElfFunction {
  readonly name: string;
  /** st_value: the virtual address (for a PIE/shared object, relative to its load base). */
  readonly address: number;
  readonly size: number;
  /** STT_GNU_IFUNC: the symbol is a resolver that picks an implementation at load time. */
  readonly ifunc: boolean;
}

export interface ElfSegment {
  readonly vaddr: number;
  readonly offset: number;
  readonly fileSize: number;
  readonly executable: boolean;
}

export interface ElfImage {
  readonly path: string;
  /** Defined functions from .symtab and .dynsym (a name appears once; .symtab wins). */
  readonly functions: readonly ElfFunction[];
  /** PT_LOAD segments in header order. */
  readonly segments: readonly ElfSegment[];
  /** True when there is no .symtab (only the dynamic symbols are known). */
  readonly stripped: boolean;
}

/** The file is not something we can read symbols from. */
export class ElfError extends Error {}

const SHT_SYMTAB = 2;
const SHT_DYNSYM = 11;
const PT_LOAD = 1;
const PF_X = 1;
const STT_FUNC = 2;
const STT_GNU_IFUNC = 10;
const SHN_UNDEF = 0;
const SYM_SIZE = 24;

/** Reads the function symbols and loadable segments of the ELF64 file at `path`. */
export function readElf(path: string): ElfImage {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new ElfError(`cannot open ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const read = (offset: number, length: number): Buffer => {
      const b = Buffer.alloc(length);
      const n = readSync(fd, b, 0, length, offset);
      if (n !== length) throw new ElfError(`${path}: truncated ELF file`);
      return b;
    };
    return parse(path, read);
  } finally {
    closeSync(fd);
  }
}

function parse(path: string, read: (offset: number, length: number) => Buffer): ElfImage {
  let h: Buffer;
  try {
    h = read(0, 64);
  } catch {
    throw new ElfError(`${path} is not an ELF file`);
  }
  if (h.readUInt32BE(0) !== 0x7f454c46) throw new ElfError(`${path} is not an ELF file`);
  if (h[4] !== 2 || h[5] !== 1) throw new ElfError(`${path} is not a 64-bit little-endian ELF file`);
  const num = (b: Buffer, at: number): number => Number(b.readBigUInt64LE(at));
  const phoff = num(h, 32);
  const shoff = num(h, 40);
  const phentsize = h.readUInt16LE(54);
  const phnum = h.readUInt16LE(56);
  const shentsize = h.readUInt16LE(58);
  const shnum = h.readUInt16LE(60);

  const segments: ElfSegment[] = [];
  if (phnum > 0) {
    const ph = read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (ph.readUInt32LE(at) !== PT_LOAD) continue;
      segments.push({
        executable: (ph.readUInt32LE(at + 4) & PF_X) !== 0,
        offset: num(ph, at + 8),
        vaddr: num(ph, at + 16),
        fileSize: num(ph, at + 32),
      });
    }
  }

  interface Section { type: number; offset: number; size: number; link: number; entsize: number }
  const sections: Section[] = [];
  if (shnum > 0 && shoff > 0) {
    const sh = read(shoff, shentsize * shnum);
    for (let i = 0; i < shnum; i++) {
      const at = i * shentsize;
      sections.push({
        type: sh.readUInt32LE(at + 4),
        offset: num(sh, at + 24),
        size: num(sh, at + 32),
        link: sh.readUInt32LE(at + 40),
        entsize: num(sh, at + 56),
      });
    }
  }

  const byName = new Map<string, ElfFunction>();
  const symtabs = [...sections.filter((s) => s.type === SHT_SYMTAB), ...sections.filter((s) => s.type === SHT_DYNSYM)];
  for (const s of symtabs) {
    const strtab = sections[s.link];
    if (!strtab || s.size === 0) continue;
    const syms = read(s.offset, s.size);
    const strs = read(strtab.offset, strtab.size);
    const entsize = s.entsize || SYM_SIZE;
    for (let at = 0; at + SYM_SIZE <= syms.length; at += entsize) {
      const type = syms[at + 4]! & 0xf;
      if (type !== STT_FUNC && type !== STT_GNU_IFUNC) continue;
      if (syms.readUInt16LE(at + 6) === SHN_UNDEF) continue;
      const nameAt = syms.readUInt32LE(at);
      const end = strs.indexOf(0, nameAt);
      const name = strs.toString('latin1', nameAt, end < 0 ? strs.length : end);
      if (name === '' || byName.has(name)) continue;
      byName.set(name, { name, address: num(syms, at + 8), size: num(syms, at + 16), ifunc: type === STT_GNU_IFUNC });
    }
  }
  return {
    path,
    functions: [...byName.values()],
    segments,
    stripped: !sections.some((s) => s.type === SHT_SYMTAB),
  };
}

/** The file offset at which virtual address `vaddr` is loaded, or undefined if no PT_LOAD
 *  segment maps it from the file. */
export function fileOffsetOf(image: Pick<ElfImage, 'segments'>, vaddr: number): number | undefined {
  const seg = image.segments.find((s) => vaddr >= s.vaddr && vaddr < s.vaddr + s.fileSize);
  return seg ? vaddr - seg.vaddr + seg.offset : undefined;
}
