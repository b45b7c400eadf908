// Kernel symbols from /proc/kallsyms, for kstack frames and ksym(): an address resolves to the
// nearest symbol at or below it, with no upper bound, exactly as bpftrace 0.17 (through bcc)
// does. Like bcc we keep text symbols only (data symbols, types b/B/d/D/r/R, are skipped), drop
// zero addresses (kptr_restrict) and per-CPU offsets below the kernel's address space.
import { readFileSync } from 'node:fs';

export interface ResolvedSymbol {
  readonly name: string;
  /** Bytes from the symbol's start. */
  readonly offset: bigint;
}

/** High half of bcc's kernelAddrSpace (0x00ffffffffffffff): anything below is not a kernel address. */
const KERNEL_HI = 0x00ffffff;
const DATA_TYPES = new Set(['b', 'B', 'd', 'D', 'r', 'R']);

export class KernelSymbols {
  private constructor(
    /** Addresses, ascending, as 32-bit halves (BigInt parsing of 100k+ lines is too slow). */
    private readonly his: Uint32Array,
    private readonly los: Uint32Array,
    private readonly names: readonly string[],
  ) {}

  /** Parses the text of /proc/kallsyms (`ffffffff81000000 T _text` or `... t name\t[module]`). */
  static parse(text: string): KernelSymbols {
    const his: number[] = [];
    const los: number[] = [];
    const names: string[] = [];
    let at = 0;
    while (at < text.length) {
      let eol = text.indexOf('\n', at);
      if (eol < 0) eol = text.length;
      const sp = text.indexOf(' ', at);
      if (sp > at && sp + 3 < eol && text[sp + 2] === ' ' && !DATA_TYPES.has(text[sp + 1]!)) {
        const split = Math.max(at, sp - 8);
        const hi = split > at ? parseInt(text.slice(at, split), 16) : 0;
        const lo = parseInt(text.slice(split, sp), 16);
        // Below bcc's kernelAddrSpace (0x00ffffffffffffff): per-CPU offsets, or zeros under kptr_restrict.
        const kernel = hi > KERNEL_HI || (hi === KERNEL_HI && lo === 0xffffffff);
        if (kernel && !(hi === 0xffffffff && lo === 0xffffffff) && !Number.isNaN(hi) && !Number.isNaN(lo)) {
          const rest = text.slice(sp + 3, eol);
          const tab = rest.indexOf('\t');
          his.push(hi);
          los.push(lo);
          names.push((tab >= 0 ? rest.slice(0, tab) : rest).trimEnd());
        }
      }
      at = eol + 1;
    }
    // Stable: among aliases at one address the one listed last wins, as bcc's lookup picks the
    // last symbol not above the address.
    const order = his.map((_, i) => i).sort((a, b) => his[a]! - his[b]! || los[a]! - los[b]!);
    return new KernelSymbols(
      Uint32Array.from(order, (i) => his[i]!),
      Uint32Array.from(order, (i) => los[i]!),
      order.map((i) => names[i]!),
    );
  }

  /** Reads /proc/kallsyms (needs root for real addresses). */
  static load(path = '/proc/kallsyms'): KernelSymbols {
    let text = '';
    try {
      text = readFileSync(path, 'latin1');
    } catch {
      // No symbols: every address prints as hex, as bpftrace does without kallsyms.
    }
    return KernelSymbols.parse(text);
  }

  get size(): number {
    return this.names.length;
  }

  /** The symbol at or below `addr`, or undefined when `addr` is below every symbol. */
  resolve(addr: bigint): ResolvedSymbol | undefined {
    const hi = Number((addr >> 32n) & 0xffffffffn);
    const lo = Number(addr & 0xffffffffn);
    // The first index whose address is above addr.
    let l = 0;
    let h = this.names.length;
    while (l < h) {
      const mid = (l + h) >>> 1;
      const mh = this.his[mid]!;
      if (mh < hi || (mh === hi && this.los[mid]! <= lo)) l = mid + 1;
      else h = mid;
    }
    if (l === 0) return undefined;
    const i = l - 1;
    return { name: this.names[i]!, offset: BigInt((hi - this.his[i]!) * 0x100000000 + (lo - this.los[i]!)) };
  }
}

/** An address bpftrace could not symbolize: C++'s `(void *)addr` (`0x1f`, and `0` for zero). */
export function hexAddress(addr: bigint): string {
  return addr === 0n ? '0' : `0x${addr.toString(16)}`;
}

/** `name+offset` (or `name` without showOffset), or the address in hex when unknown. */
export function formatSymbol(sym: ResolvedSymbol | undefined, addr: bigint, showOffset: boolean): string {
  if (!sym) return hexAddress(addr);
  return showOffset ? `${sym.name}+${sym.offset}` : sym.name;
}
