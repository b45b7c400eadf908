// `tsbpf -l [PATTERN]`: the probe points this kernel offers, one `provider:...` per line, as
// `bpftrace -l` prints them. Only tracepoints are listed: this is what every kernel we run on
// has (kprobes may be compiled out).
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
  const names = new LiveKernelEnvironment()
    .listTracepoints('*', '*')
    .map((t) => `tracepoint:${t.category}:${t.event}`)
    .filter(match)
    .sort();
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

/** `tracepoint:cat:ev` / `t:cat:ev` globs match the full name; a bare glob matches anywhere after the provider. */
export function matcher(pattern: string | undefined): (name: string) => boolean {
  if (pattern === undefined || pattern === '') return () => true;
  const p = pattern.replace(/^t(racepoint)?:/, 'tracepoint:');
  const full = p.startsWith('tracepoint:') ? p : `tracepoint:*${p}*`;
  const re = new RegExp(`^${full.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`);
  return (name) => re.test(name);
}
