// User-space symbols, for ustack frames and usym(): the process's executable mappings
// (/proc/PID/maps) say which file an address is in and at what file offset; the file's ELF
// symbols (runtime/elf.ts, cached per path) say which function contains it. As in bpftrace 0.17
// (bcc), a symbol matches only inside [start, start + size), and a process that has exited has
// no symbols any more.
import { closeSync, existsSync, openSync, readFileSync, readSync } from 'node:fs';
import { readElf, type ElfFunction, type ElfImage } from './elf.ts';
import type { ResolvedSymbol } from './ksyms.ts';

export interface UserSymbol extends ResolvedSymbol {
  /** The mapped file, as /proc/PID/maps names it. */
  readonly module: string;
}

export interface Mapping {
  readonly start: bigint;
  readonly end: bigint;
  /** File offset of `start`. */
  readonly offset: bigint;
  readonly path: string;
}

/** The executable, file-backed mappings of a /proc/PID/maps text. */
export function parseMaps(text: string): Mapping[] {
  const out: Mapping[] = [];
  for (const line of text.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+\s+(\/.*)$/.exec(line);
    if (!m || !m[3]!.includes('x')) continue;
    out.push({ start: BigInt(`0x${m[1]}`), end: BigInt(`0x${m[2]}`), offset: BigInt(`0x${m[4]}`), path: m[5]!.replace(/ \(deleted\)$/, '') });
  }
  return out;
}

interface SymbolTable {
  /** Functions by ascending address. */
  readonly starts: readonly number[];
  readonly sizes: readonly number[];
  readonly names: readonly string[];
  readonly image: Pick<ElfImage, 'segments'>;
}

export interface UserSymbolSources {
  /** The text of /proc/PID/maps, or undefined when the process is gone. */
  readonly maps: (pid: number) => string | undefined;
  /** Whether the process still exists. */
  readonly alive: (pid: number) => boolean;
  readonly elf: (path: string) => ElfImage;
  /** The separate debug file holding the full symbol table of stripped `path`, if installed. */
  readonly debugFile: (path: string) => string | undefined;
}

export const procSources: UserSymbolSources = {
  maps: (pid) => {
    try {
      return readFileSync(`/proc/${pid}/maps`, 'utf8');
    } catch {
      return undefined;
    }
  },
  alive: (pid) => existsSync(`/proc/${pid}`),
  elf: readElf,
  debugFile: (path) => {
    const id = buildId(path);
    const file = id && id.length > 2 ? `/usr/lib/debug/.build-id/${id.slice(0, 2)}/${id.slice(2)}.debug` : undefined;
    return file && existsSync(file) ? file : undefined;
  },
};

const PT_NOTE = 4;
const NT_GNU_BUILD_ID = 3;

/** The GNU build id of an ELF64 file (hex), from its PT_NOTE segments. */
export function buildId(path: string): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const read = (at: number, n: number): Buffer => {
      const b = Buffer.alloc(n);
      readSync(fd!, b, 0, n, at);
      return b;
    };
    const h = read(0, 64);
    if (h.readUInt32BE(0) !== 0x7f454c46 || h[4] !== 2) return undefined;
    const phoff = Number(h.readBigUInt64LE(32));
    const phentsize = h.readUInt16LE(54);
    const phnum = h.readUInt16LE(56);
    const ph = read(phoff, phentsize * phnum);
    for (let i = 0; i < phnum; i++) {
      const at = i * phentsize;
      if (ph.readUInt32LE(at) !== PT_NOTE) continue;
      const notes = read(Number(ph.readBigUInt64LE(at + 8)), Number(ph.readBigUInt64LE(at + 32)));
      for (let n = 0; n + 12 <= notes.length; ) {
        const namesz = notes.readUInt32LE(n);
        const descsz = notes.readUInt32LE(n + 4);
        const type = notes.readUInt32LE(n + 8);
        const desc = n + 12 + ((namesz + 3) & ~3);
        if (type === NT_GNU_BUILD_ID && notes.toString('latin1', n + 12, n + 15) === 'GNU') {
          return notes.subarray(desc, desc + descsz).toString('hex');
        }
        n = desc + ((descsz + 3) & ~3);
      }
    }
    return undefined;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export class UserSymbols {
  private readonly mappings = new Map<number, readonly Mapping[]>();
  private readonly tables = new Map<string, SymbolTable | undefined>();

  constructor(private readonly sources: UserSymbolSources = procSources) {}

  resolve(addr: bigint, pid: number): UserSymbol | undefined {
    const maps = this.mappingsOf(pid);
    const m = maps?.find((x) => addr >= x.start && addr < x.end);
    if (!m) return undefined;
    const table = this.tableOf(m.path);
    if (!table) return undefined;
    const fileOffset = Number(addr - m.start + m.offset);
    const seg = table.image.segments.find((s) => fileOffset >= s.offset && fileOffset < s.offset + s.fileSize);
    if (!seg) return undefined;
    const vaddr = fileOffset - seg.offset + seg.vaddr;
    const i = containing(table, vaddr);
    if (i === undefined) return undefined;
    return { name: table.names[i]!, offset: BigInt(vaddr - table.starts[i]!), module: m.path };
  }

  /** Mappings read once per process, and forgotten once it has exited (as bcc does). */
  private mappingsOf(pid: number): readonly Mapping[] | undefined {
    if (!this.sources.alive(pid)) {
      this.mappings.delete(pid);
      return undefined;
    }
    let maps = this.mappings.get(pid);
    if (!maps) {
      const text = this.sources.maps(pid);
      if (text === undefined) return undefined;
      maps = parseMaps(text);
      this.mappings.set(pid, maps);
    }
    return maps;
  }

  private tableOf(path: string): SymbolTable | undefined {
    if (this.tables.has(path)) return this.tables.get(path);
    let table: SymbolTable | undefined;
    try {
      const image = this.sources.elf(path);
      // A stripped file (libc) keeps its local functions in a debug file, as bcc also finds.
      let all: readonly ElfFunction[] = image.functions;
      const debug = image.stripped ? this.sources.debugFile(path) : undefined;
      if (debug) {
        try {
          all = [...this.sources.elf(debug).functions, ...image.functions];
        } catch {
          // an unreadable debug file: the dynamic symbols still resolve
        }
      }
      const byAddress = new Map<number, ElfFunction>();
      for (const f of all) if (f.size > 0 && !byAddress.has(f.address)) byAddress.set(f.address, f);
      const fns = [...byAddress.values()].sort((a, b) => a.address - b.address);
      table = { starts: fns.map((f) => f.address), sizes: fns.map((f) => f.size), names: fns.map((f) => f.name), image };
    } catch {
      table = undefined;
    }
    this.tables.set(path, table);
    return table;
  }
}

/** The function whose [start, start + size) holds `vaddr`: the last one starting at or below
 *  it, or (for nested symbols) an earlier one that still covers it. */
function containing(t: SymbolTable, vaddr: number): number | undefined {
  let lo = 0;
  let hi = t.starts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (t.starts[mid]! <= vaddr) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo - 1, seen = 0; i >= 0 && seen < 64; i--, seen++) {
    if (vaddr < t.starts[i]! + t.sizes[i]!) return i;
  }
  return undefined;
}
