// config = { ... }: missing_probes drops what this system lacks; other variables are checked.
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../lang/diagnostics.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { fakeEnv } from '../support/fake-env.ts';

const PROBES = 'tracepoint:syscalls:sys_enter_nope, tracepoint:syscalls:sys_enter_openat { @a = count(); }\nkprobe:vfs_read { @b = count(); }\nBEGIN { @c = 1; }';
const run = (text: string) => analyze(parse(new SourceFile('stdin', text)), fakeEnv(), { positionals: [] });
const messages = (text: string): string[] => {
  try {
    return run(text).warnings.map((w) => `warning ${w.span?.line}: ${w.message}`);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.severity} ${d.span?.line}: ${d.message}`);
  }
};

describe('let @m = KIND(N)', () => {
  it('records LRU-ness and the size on the map; checks the kind and the size', () => {
    const { checked } = run('let @a = lruhash(100); let @b = percpuhash(5);\nBEGIN { @a[1] = 2; @b = count(); @c = 1; }');
    expect([...checked.maps.values()].map((m) => [m.name, m.decl])).toEqual([
      ['@a', { lru: true, maxEntries: 100 }],
      ['@b', { lru: false, maxEntries: 5 }],
      ['@c', undefined],
    ]);
    expect(messages('let @a = bogus(1); let @b = hash(0); let @c = hash(1); let @c = hash(2);\nBEGIN { }')).toEqual([
      'error 1: Invalid map type: bogus',
      'error 1: @b: the number of entries must be between 1 and 16777216 (0 given)',
      'error 1: @c is declared more than once',
    ]);
  });
});

describe('config = { missing_probes = ... }', () => {
  it('error (the default): probe points this system lacks are errors', () => {
    expect(messages(PROBES)).toEqual([
      'error 1: tracepoint not found: syscalls:sys_enter_nope',
      'error 2: kprobe:vfs_read: this kernel has no kprobes (CONFIG_KPROBES is off), so kernel functions cannot be probed; use a tracepoint instead (list them under /sys/kernel/tracing/events)',
    ]);
  });

  it('warn: they are warnings, and a probe left with no attach point is not compiled', () => {
    const text = `config = { missing_probes = warn; }\n${PROBES}`;
    expect(messages(text)).toEqual([
      'warning 2: tracepoint not found: syscalls:sys_enter_nope',
      'warning 3: kprobe:vfs_read: this kernel has no kprobes (CONFIG_KPROBES is off), so kernel functions cannot be probed; use a tracepoint instead (list them under /sys/kernel/tracing/events)',
    ]);
    const { checked } = run(text);
    expect(checked.probes.map((p) => p.attaches.map((a) => a.probeName))).toEqual([['tracepoint:syscalls:sys_enter_openat'], ['BEGIN']]);
    // The dropped kprobe is still checked: its map stays known to the others (and prints empty).
    expect([...checked.maps.keys()].sort()).toEqual(['@a', '@b', '@c']);
    expect(checked.config).toEqual({ missingProbes: 'warn' });
  });

  it('ignore: silently; but malformed probes are still errors, and so is having none left', () => {
    expect(messages(`config = { missing_probes = ignore }\n${PROBES}`)).toEqual([]);
    expect(messages('config = { missing_probes = ignore }\ninterval:x:1 { }')).toEqual(['error 2: x is not an accepted unit of time']);
    expect(messages('config = { missing_probes = ignore }\ntracepoint:a:b { }')).toEqual(['error undefined: No probes to attach']);
  });

  it('checks the other variables as bpftrace does', () => {
    expect(messages('config = { missing_probes = sometimes; bogus = 1 }\nBEGIN { }')).toEqual([
      'error 1: Invalid value for missing_probes: sometimes',
      'error 1: Unrecognized config variable: bogus',
    ]);
    expect(messages('config = { max_strlen = 64; BPFTRACE_STACK_MODE = perf }\nBEGIN { }')).toEqual([
      'warning 1: config variable max_strlen has no effect in tsbpf; it is ignored',
      'warning 1: config variable BPFTRACE_STACK_MODE has no effect in tsbpf; it is ignored',
    ]);
  });
});
