// The live kernel's answers to semantic analysis (lang/env.ts): tracepoints from tracefs,
// kprobe support from sysfs/tracefs, symbols from /proc/kallsyms. Everything is read on first
// use and cached for the life of the instance.
import { readFileSync } from 'node:fs';
import type { KernelEnvironment, TracepointFormat } from '../lang/env.ts';
import { hasKprobePmu } from './perf-event.ts';
import { locateTracefs, Tracefs } from './tracefs.ts';

export class LiveKernelEnvironment implements KernelEnvironment {
  private tracefsCache: Tracefs | undefined;
  private readonly formats = new Map<string, TracepointFormat | undefined>();
  private kprobes: boolean | undefined;
  private symbols: Set<string> | null | undefined;

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
    if (this.symbols === undefined) this.symbols = readFunctionSymbols();
    return this.symbols === null ? undefined : this.symbols.has(name);
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
