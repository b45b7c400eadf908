// Turns the raw values of kstack/ustack, ksym()/usym() into what bpftrace 0.17 prints: a stack
// id becomes its frames (read from the program's stack_trace map), an address its symbol.
// Kernel symbols are loaded on first use, once per run.
import type { StackType, Type } from '../lang/types.ts';
import type { BpfObject } from '../codegen/object.ts';
import type { Scalar, Stack } from './events.ts';
import { formatSymbol, hexAddress, KernelSymbols } from './ksyms.ts';
import { UserSymbols } from './usyms.ts';

/** What decoding needs to print stacks and symbols (runtime/maps.ts, output/printf.ts). */
export interface ValueSymbols {
  /** A stack value (int32 id in the low half; for ustack the pid in the high half). */
  stack(t: StackType, raw: bigint): Stack;
  ksym(addr: bigint): string;
  usym(addr: bigint, pid: number): string;
}

/** The instruction pointers stored under `id` in the stack map of (user, limit), or undefined. */
export type StackSource = (user: boolean, limit: number, id: number) => readonly bigint[] | undefined;

export class Symbolizer implements ValueSymbols {
  private kernel: KernelSymbols | undefined;

  constructor(
    private readonly stacks: StackSource,
    private readonly loadKernel: () => KernelSymbols = () => KernelSymbols.load(),
    private readonly user: UserSymbols = new UserSymbols(),
  ) {}

  stack(t: StackType, raw: bigint): Stack {
    const id = Number(BigInt.asIntN(32, raw));
    const pid = Number(BigInt.asUintN(32, raw >> 32n));
    // A negative id is the kernel's error (no stack here): bpftrace prints nothing.
    const ips = id < 0 ? undefined : this.stacks(t.user, t.limit, id);
    const frames: string[] = [];
    for (const ip of ips ?? []) {
      if (ip === 0n) break;
      frames.push(t.mode === 'perf' ? `\t${ip.toString(16)} ${this.perfSymbol(t.user, ip, pid)}` : this.frame(t.user, ip, pid));
    }
    return { frames, perf: t.mode === 'perf' };
  }

  /** Loads the kernel symbols now, so the first stack printed (often right before exit()) is
   *  not delayed by reading /proc/kallsyms (~0.2 s) while the probes keep firing. */
  warmUp(): void {
    this.kernelSymbols();
  }

  ksym(addr: bigint): string {
    return formatSymbol(this.kernelSymbols().resolve(addr), addr, false);
  }

  usym(addr: bigint, pid: number): string {
    return formatSymbol(this.user.resolve(addr, pid), addr, false);
  }

  private frame(user: boolean, ip: bigint, pid: number): string {
    return formatSymbol(user ? this.user.resolve(ip, pid) : this.kernelSymbols().resolve(ip), ip, true);
  }

  /** perf's frame symbol: user frames name their module (`[unknown]` when unresolved). */
  private perfSymbol(user: boolean, ip: bigint, pid: number): string {
    if (!user) return formatSymbol(this.kernelSymbols().resolve(ip), ip, true);
    const sym = this.user.resolve(ip, pid);
    return sym ? `${sym.name}+${sym.offset} (${sym.module})` : `${hexAddress(ip)} ([unknown])`;
  }

  private kernelSymbols(): KernelSymbols {
    return (this.kernel ??= this.loadKernel());
  }
}

/** Decodes a stack/symbol value at `offset` of `buf`, symbolized when `symbols` is given. */
export function decodeSymbolic(buf: Buffer, offset: number, t: Type, symbols: ValueSymbols | undefined): Scalar {
  const raw = buf.readBigUInt64LE(offset);
  if (!symbols) return raw;
  if (t.kind === 'stack') return symbols.stack(t, raw);
  if (t.kind === 'symbol' && t.user) return symbols.usym(raw, Number(buf.readBigUInt64LE(offset + 8) & 0xffffffffn));
  return symbols.ksym(raw);
}

/** Whether printing the object's maps or printf arguments needs kernel symbols. */
export function usesKernelSymbols(obj: BpfObject): boolean {
  const types: Type[] = [
    ...obj.maps.flatMap((m) => (m.user ? [...m.user.info.keys, m.user.info.value] : [])),
    ...obj.printfs.flatMap((p) => p.args.map((a) => a.type)),
  ];
  return types.some((t) => (t.kind === 'stack' || t.kind === 'symbol') && !t.user);
}
