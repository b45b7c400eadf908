// The live kernel's answers to semantic analysis (lang/env.ts): tracepoints from tracefs,
// kprobe support from sysfs/tracefs, symbols from /proc/kallsyms. Everything is read on first
// use and cached for the life of the instance.
import { readFileSync, statfsSync, statSync } from 'node:fs';
import type { CgroupLookup, KernelEnvironment, KernelFunction, KernelTypes, TracepointFormat, UserBinaryLookup } from '../lang/env.ts';
import { Btf } from './btf.ts';
import { canRunTracingPrograms, kernelFunctionFromBtf } from './fentry-support.ts';
import { BtfKernelTypes } from './kernel-types.ts';
import { hasKprobePmu } from './perf-event.ts';
import { globToRegExp, locateTracefs, Tracefs } from './tracefs.ts';
import { defaultLookupSources, lookupUserBinary, type LookupSources } from './user-binary.ts';

export class LiveKernelEnvironment implements KernelEnvironment {
  private tracefsCache: Tracefs | undefined;
  private readonly formats = new Map<string, TracepointFormat | undefined>();
  private kprobes: boolean | undefined;
  private symbols: Set<string> | null | undefined;
  private readonly binaries = new Map<string, UserBinaryLookup>();
  private lookupSources: LookupSources | undefined;
  private btfCache: Btf | null | undefined;
  /** kaddr() answers: analysis runs several passes, and /proc/kallsyms is megabytes. */
  private readonly addresses = new Map<string, bigint | undefined>();
  private fentry: boolean | undefined;
  private types: BtfKernelTypes | undefined;
  /** Functions kprobes may attach to, sorted (tracefs available_filter_functions). */
  private traceable: readonly string[] | undefined;

  /** `tracefsRoot` overrides where tracefs is looked for (tests); by default it is located or mounted. */
  constructor(private readonly tracefsRoot?: string) {}

  private get tracefs(): Tracefs {
    this.tracefsCache ??= new Tracefs(this.tracefsRoot ?? locateTracefs());
    return this.tracefsCache;
  }

  tracepointFormat(category: string, event: string): TracepointFormat | undefined {
    const key = `${category}:${event}`;
    if (!this.formats.has(key)) this.formats.set(key, this.tracefs.format(category, event));
    return this.formats.get(key);
  }

  listTracepoints(categoryGlob: string, eventGlob: string): readonly { category: string; event: string }[] {
    return this.tracefs.list(categoryGlob, eventGlob);
  }

  get hasKprobes(): boolean {
    this.kprobes ??= hasKprobePmu() || this.tracefs.hasKprobeEvents;
    return this.kprobes;
  }

  kernelSymbolExists(name: string): boolean | undefined {
    return this.kernelSymbols()?.has(name);
  }

  listKernelFunctions(glob: string): readonly string[] {
    this.traceable ??= this.tracefs.traceableFunctions() ?? [...(this.kernelSymbols() ?? [])].sort();
    const re = globToRegExp(glob);
    return this.traceable.filter((name) => re.test(name));
  }

  private kernelSymbols(): Set<string> | null {
    if (this.symbols === undefined) this.symbols = readFunctionSymbols();
    return this.symbols;
  }

  /** vmlinux BTF, read on first use (only scripts with fentry/fexit probes need it). */
  private get btf(): Btf | undefined {
    if (this.btfCache === undefined) {
      try {
        this.btfCache = Btf.readVmlinux() ?? null;
      } catch {
        this.btfCache = null; // unreadable BTF: as if there were none
      }
    }
    return this.btfCache ?? undefined;
  }

  get hasFentry(): boolean {
    this.fentry ??= canRunTracingPrograms(this.btf);
    return this.fentry;
  }

  kernelFunction(name: string): KernelFunction | undefined {
    const btf = this.btf;
    return btf ? kernelFunctionFromBtf(btf, name) : undefined;
  }

  kernelTypes(): KernelTypes | undefined {
    const btf = this.btf;
    if (!btf) return undefined;
    this.types ??= new BtfKernelTypes(btf);
    return this.types;
  }

  kernelSymbolAddress(name: string): bigint | undefined {
    if (!this.addresses.has(name)) this.addresses.set(name, kallsymsAddress(name));
    return this.addresses.get(name);
  }

  cgroupId(path: string): CgroupLookup {
    return cgroupIdOf(path);
  }

  resolveUserBinary(target: string): UserBinaryLookup {
    let found = this.binaries.get(target);
    if (!found) {
      this.lookupSources ??= defaultLookupSources();
      found = lookupUserBinary(target, this.lookupSources);
      this.binaries.set(target, found);
    }
    return found;
  }
}

/** Function (text) symbols from /proc/kallsyms, or null if it cannot be read. */
function readFunctionSymbols(): Set<string> | null {
  let text: string;
  try {
    text = readFileSync('/proc/kallsyms', 'utf8');
  } catch {
    return null;
  }
  const names = new Set<string>();
  // `ffffffff81000000 T _stext` or `... t name\t[module]`
  const re = /^\S+ [tTwW] (\S+)/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) names.add(m[1]!);
  return names;
}

/** The first address /proc/kallsyms gives `name` (0 addresses, as an unprivileged reader sees
 *  them, count as unknown). */
export function kallsymsAddress(name: string, text?: string): bigint | undefined {
  let all = text;
  if (all === undefined) {
    try {
      all = readFileSync('/proc/kallsyms', 'utf8');
    } catch {
      return undefined;
    }
  }
  const m = new RegExp(`^([0-9a-f]+) \\S ${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(?:\t|$)`, 'm').exec(all);
  const addr = m ? BigInt(`0x${m[1]}`) : 0n;
  return addr === 0n ? undefined : addr;
}

const CGROUP2_SUPER_MAGIC = 0x63677270;

/** A cgroup v2 directory's id is its kernfs node id, which is its inode number on 64-bit kernels
 *  (what bpf_get_current_cgroup_id returns). Only cgroup v2 has such ids. */
export function cgroupIdOf(path: string): CgroupLookup {
  try {
    if (statfsSync(path).type !== CGROUP2_SUPER_MAGIC) return { error: 'not a cgroup v2 directory (cgroup2 is often mounted at /sys/fs/cgroup or /sys/fs/cgroup/unified)' };
    return { id: statSync(path, { bigint: true }).ino };
  } catch (e) {
    return { error: (e as Error).message.replace(/^\w+: /, '') };
  }
}
