// `tsbpf -l [PATTERN]`: the probe points this kernel offers, one `provider:...` per line, as
// `bpftrace -l` prints them: tracepoints, and the software and hardware events (listed by name,
// where bpftrace 0.17 prints just `software:*:`). Kprobes are not listed (they may be compiled
// out).
import { HARDWARE_EVENTS, SOFTWARE_EVENTS } from '../lang/semantic/perf-counters.ts';
import { LiveKernelEnvironment } from '../runtime/kernel-env.ts';
import { checkPrivileges } from '../runtime/privileges.ts';
import { lookupUserBinary } from '../runtime/user-binary.ts';
import type { OutputWriter } from '../runtime/output/writer.ts';
import type { ListOptions } from './args.ts';
import { UserError } from './errors.ts';

/** Prints matching tracepoints; returns the exit code. */
export function listProbes(opts: ListOptions, out: OutputWriter): number {
  const denied = checkPrivileges();
  if (denied) throw new UserError(denied);
  const user = /^(u|uprobe|ur|uretprobe):([^:]+):(.*)$/.exec(opts.pattern ?? '');
  if (user) return listUserFunctions(user[1]!.startsWith('ur') ? 'uretprobe' : 'uprobe', user[2]!, user[3]!, out);
  const match = matcher(opts.pattern);
  const counters = [
    ...SOFTWARE_EVENTS.map((e) => `software:${e.name}:`),
    ...HARDWARE_EVENTS.map((e) => `hardware:${e.name}:`),
  ];
  const tracepoints = new LiveKernelEnvironment()
    .listTracepoints('*', '*')
    .map((t) => `tracepoint:${t.category}:${t.event}`);
  const names = [...counters, ...tracepoints].filter(match).sort();
  for (const n of names) out.write(`${n}\n`);
  return 0;
}

/** `-l 'uprobe:BIN:GLOB'`: the functions of a binary or library, `uprobe:PATH:NAME` each, sorted. */
function listUserFunctions(provider: string, target: string, glob: string, out: OutputWriter): number {
  const bin = lookupUserBinary(target);
  if (bin.kind === 'error') throw new UserError(bin.message);
  const re = new RegExp(`^${(glob || '*').replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  const names = bin.functions.filter((f) => re.test(f.name)).map((f) => f.name).sort();
  for (const n of names) out.write(`${provider}:${bin.path}:${n}\n`);
  return 0;
}

/** A glob with a provider (`tracepoint:cat:ev`, `t:`, `software:`, `s:`, `hardware:`, `h:`)
 *  matches the full name; a bare glob matches anywhere after the provider. */
export function matcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined || pattern === '') return () => true;
  const p = pattern.replace(/^t(racepoint)?:/, 'tracepoint:').replace(/^s(oftware)?:/, 'software:').replace(/^h(ardware)?:/, 'hardware:');
  const full = /^(tracepoint|software|hardware):/.test(p) ? p : `*:*${p}*`;
  const re = new RegExp(`^${full.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (name) => re.test(name);
}
