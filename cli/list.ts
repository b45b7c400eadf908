// `tsbpf -l [PATTERN]`: the probe points this kernel offers, one `provider:...` per line, as
// `bpftrace -l` prints them. Only tracepoints are listed: this is what every kernel we run on
// has (kprobes may be compiled out).
import { LiveKernelEnvironment } from '../runtime/kernel-env.ts';
import { checkPrivileges } from '../runtime/privileges.ts';
import type { OutputWriter } from '../runtime/output/writer.ts';
import type { ListOptions } from './args.ts';
import { UserError } from './errors.ts';

/** Prints matching tracepoints; returns the exit code. */
export function listProbes(opts: ListOptions, out: OutputWriter): number {
  const denied = checkPrivileges();
  if (denied) throw new UserError(denied);
  const match = matcher(opts.pattern);
  const names = new LiveKernelEnvironment()
    .listTracepoints('*', '*')
    .map((t) => `tracepoint:${t.category}:${t.event}`)
    .filter(match)
    .sort();
  for (const n of names) out.write(`${n}\n`);
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
