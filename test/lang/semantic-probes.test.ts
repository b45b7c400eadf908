import { describe, expect, it } from 'vitest';
import { parse } from '../../lang/parser.ts';
import { SourceFile } from '../../lang/source.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import type { CheckedAttach } from '../../lang/checked.ts';
import { fakeEnv, type FakeEnvOptions } from '../support/fake-env.ts';

function attaches(src: string, env: FakeEnvOptions = {}): CheckedAttach[] {
  const { checked } = analyze(parse(new SourceFile('stdin', src)), fakeEnv(env), { positionals: [] });
  return checked.probes.flatMap((p) => [...p.attaches]);
}

/** `line:column: message` of every error, in source order. */
function errors(src: string, env: FakeEnvOptions = {}): string[] {
  try {
    analyze(parse(new SourceFile('stdin', src)), fakeEnv(env), { positionals: [] });
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.span ? `${d.span.line}:${d.span.column}: ` : ''}${d.message}`);
  }
  throw new Error('expected a CompileError');
}

const summary = (a: CheckedAttach): unknown => [a.probeName, a.resolved.kind === 'tracepoint' ? `${a.resolved.format.category}:${a.resolved.format.event}` : a.resolved];

describe('attach point resolution', () => {
  it('resolves BEGIN/END and their lowercase aliases', () => {
    expect(attaches('BEGIN {} begin {} END {} end {}').map(summary)).toEqual([
      ['BEGIN', { kind: 'begin' }],
      ['BEGIN', { kind: 'begin' }],
      ['END', { kind: 'end' }],
      ['END', { kind: 'end' }],
    ]);
  });

  it('resolves tracepoints and the t alias to canonical names', () => {
    const a = attaches('t:syscalls:sys_enter_openat, tracepoint:sched:sched_switch {}');
    expect(a.map(summary)).toEqual([
      ['tracepoint:syscalls:sys_enter_openat', 'syscalls:sys_enter_openat'],
      ['tracepoint:sched:sched_switch', 'sched:sched_switch'],
    ]);
    expect(a[0]!.resolved.kind === 'tracepoint' && a[0]!.resolved.format.id).toBe(782);
  });

  it('expands tracepoint wildcards into one attach each', () => {
    expect(attaches('tracepoint:syscalls:sys_enter_open* {}').map((a) => a.probeName)).toEqual([
      'tracepoint:syscalls:sys_enter_openat',
      'tracepoint:syscalls:sys_enter_open',
    ]);
    expect(attaches('tracepoint:s?hed:* {}').map((a) => a.probeName)).toEqual([
      'tracepoint:sched:sched_switch',
      'tracepoint:sched:sched_process_exec',
    ]);
  });

  it('resolves interval units to a period in nanoseconds', () => {
    expect(attaches('interval:s:1 {} i:ms:250 {} interval:us:7 {} interval:hz:4 {} interval:2s {}').map(summary)).toEqual([
      ['interval:s:1', { kind: 'interval', periodNs: 1_000_000_000n }],
      ['interval:ms:250', { kind: 'interval', periodNs: 250_000_000n }],
      ['interval:us:7', { kind: 'interval', periodNs: 7_000n }],
      ['interval:hz:4', { kind: 'interval', periodNs: 250_000_000n }],
      ['interval:s:2', { kind: 'interval', periodNs: 2_000_000_000n }],
    ]);
  });

  it('resolves profile periods to a frequency', () => {
    expect(attaches('profile:hz:99 {} p:ms:10 {} profile:us:500 {} profile:s:1 {}').map(summary)).toEqual([
      ['profile:hz:99', { kind: 'profile', hz: 99 }],
      ['profile:ms:10', { kind: 'profile', hz: 100 }],
      ['profile:us:500', { kind: 'profile', hz: 2000 }],
      ['profile:s:1', { kind: 'profile', hz: 1 }],
    ]);
  });

  it('resolves software and hardware events, their aliases and bpftrace 0.17\'s default periods', () => {
    expect(attaches('software:faults:100 {} s:cs {} software:cpu-clock:1000000 {} hardware:cache-misses {} h:cycles:5000 {}').map(summary)).toEqual([
      ['software:faults:100', { kind: 'perf_counter', counter: 'software', event: 'page-faults', period: 100n }],
      ['software:cs', { kind: 'perf_counter', counter: 'software', event: 'context-switches', period: 1000n }],
      ['software:cpu-clock:1000000', { kind: 'perf_counter', counter: 'software', event: 'cpu-clock', period: 1000000n }],
      ['hardware:cache-misses', { kind: 'perf_counter', counter: 'hardware', event: 'cache-misses', period: 1000000n }],
      ['hardware:cycles:5000', { kind: 'perf_counter', counter: 'hardware', event: 'cpu-cycles', period: 5000n }],
    ]);
  });

  it('reports software and hardware attach points bpftrace 0.17 rejects, in its words', () => {
    expect(errors('software:bogus {}\nhardware:faults:1 {}\nsoftware {}\ns:faults:x {}\nh:cache-* {}')).toEqual([
      '1:1: bogus is not a software probe',
      '2:1: faults is not a hardware probe',
      '3:1: software probe type requires 1 or 2 arguments',
      '4:1: software probe can only have an integer count',
      '5:1: wildcards are not allowed for hardware probe type',
    ]);
  });

  it('attaches kprobes directly when the kernel has them', () => {
    const env = { hasKprobes: true, symbols: ['vfs_read', '__x64_sys_openat', 'tcp_sendmsg'] };
    expect(attaches('kprobe:vfs_read {} k:tcp_sendmsg+0x10 {} kretprobe:vfs_read {} kr:vfs_read {}', env).map(summary)).toEqual([
      ['kprobe:vfs_read', { kind: 'kprobe', fn: 'vfs_read', offset: 0, ret: false }],
      ['kprobe:tcp_sendmsg+0x10', { kind: 'kprobe', fn: 'tcp_sendmsg', offset: 16, ret: false }],
      ['kretprobe:vfs_read', { kind: 'kprobe', fn: 'vfs_read', offset: 0, ret: true }],
      ['kretprobe:vfs_read', { kind: 'kprobe', fn: 'vfs_read', offset: 0, ret: true }],
    ]);
  });

  it('expands kprobe wildcards into one attach per matching kernel function', () => {
    const env = { hasKprobes: true, symbols: ['vfs_write', 'vfs_read', 'vfs_readv', 'tcp_sendmsg'] };
    expect(attaches('kprobe:vfs_read* {} kr:vfs_?rite {}', env).map(summary)).toEqual([
      ['kprobe:vfs_read', { kind: 'kprobe', fn: 'vfs_read', offset: 0, ret: false }],
      ['kprobe:vfs_readv', { kind: 'kprobe', fn: 'vfs_readv', offset: 0, ret: false }],
      ['kretprobe:vfs_write', { kind: 'kprobe', fn: 'vfs_write', offset: 0, ret: true }],
    ]);
    expect(errors('kprobe:nomatch_* {}\nkprobe:vfs_*+4 {}', env)).toEqual([
      "1:1: kprobe:nomatch_*: no kernel function matches 'nomatch_*'",
      '2:1: kprobe:vfs_*+4: an offset cannot be combined with a wildcard',
    ]);
    expect(errors('kprobe:vfs_* {}')).toEqual([
      '1:1: kprobe:vfs_*: this kernel has no kprobes (CONFIG_KPROBES is off), so kernel functions cannot be probed; use a tracepoint instead (wildcards work there too, e.g. tracepoint:syscalls:sys_enter_*)',
    ]);
  });

  it('refuses more attach points than the probe limit, as bpftrace does', () => {
    const symbols = Array.from({ length: 1025 }, (_, i) => `fn_${i}`);
    expect(errors('kprobe:fn_* {}', { hasKprobes: true, symbols })).toEqual([
      "Can't attach to 1025 probes because it exceeds the limit of 1024 probes",
    ]);
    // fn_1, fn_10..fn_19, fn_100..fn_199, fn_1000..fn_1024
    expect(attaches('kprobe:fn_1* {}', { hasKprobes: true, symbols })).toHaveLength(136);
  });

  it('maps sys_NAME to the __x64_sys_NAME wrapper when only the wrapper exists', () => {
    const env = { hasKprobes: true, symbols: ['__x64_sys_openat'] };
    expect(attaches('kprobe:sys_openat {}', env).map(summary)).toEqual([
      ['kprobe:sys_openat', { kind: 'kprobe', fn: '__x64_sys_openat', offset: 0, ret: false }],
    ]);
    // Unknown symbol tables (undefined) leave the name alone.
    expect(attaches('kprobe:sys_openat {}', { hasKprobes: true }).map(summary)).toEqual([
      ['kprobe:sys_openat', { kind: 'kprobe', fn: 'sys_openat', offset: 0, ret: false }],
    ]);
  });

  it('falls back from syscall kprobes to syscall tracepoints without kprobes, with a notice', () => {
    const a = attaches('kprobe:sys_execve {} kretprobe:__x64_sys_openat {} k:__se_sys_openat {}');
    expect(a.map((x) => [x.probeName, x.resolved.kind === 'tracepoint' && x.resolved.fallbackFrom, x.notice])).toEqual([
      [
        'kprobe:sys_execve',
        { provider: 'kprobe', fn: 'sys_execve' },
        'kprobe:sys_execve: this kernel has no kprobes (CONFIG_KPROBES is off); attaching to tracepoint:syscalls:sys_enter_execve instead',
      ],
      [
        'kretprobe:__x64_sys_openat',
        { provider: 'kretprobe', fn: '__x64_sys_openat' },
        'kretprobe:__x64_sys_openat: this kernel has no kprobes (CONFIG_KPROBES is off); attaching to tracepoint:syscalls:sys_exit_openat instead',
      ],
      [
        'kprobe:__se_sys_openat',
        { provider: 'kprobe', fn: '__se_sys_openat' },
        'kprobe:__se_sys_openat: this kernel has no kprobes (CONFIG_KPROBES is off); attaching to tracepoint:syscalls:sys_enter_openat instead',
      ],
    ]);
    expect(a.map(summary).map((s) => (s as string[])[1])).toEqual(['syscalls:sys_enter_execve', 'syscalls:sys_exit_openat', 'syscalls:sys_enter_openat']);
  });

  it('reports kprobes that cannot attach without kprobes', () => {
    expect(errors('kprobe:vfs_read {}\nkretprobe:sys_nosuch {}')).toEqual([
      '1:1: kprobe:vfs_read: this kernel has no kprobes (CONFIG_KPROBES is off), so kernel functions cannot be probed; use a tracepoint instead (list them under /sys/kernel/tracing/events)',
      '2:1: kretprobe:sys_nosuch: this kernel has no kprobes (CONFIG_KPROBES is off), so kernel functions cannot be probed; use a tracepoint instead (list them under /sys/kernel/tracing/events)',
    ]);
  });

  it('reports unknown kernel functions when kprobes exist', () => {
    expect(errors('kprobe:nosuch_fn {}', { hasKprobes: true, symbols: ['vfs_read'] })).toEqual([
      "1:1: kprobe:nosuch_fn: no kernel function named 'nosuch_fn' (not in /proc/kallsyms)",
    ]);
  });

  it('reports missing tracepoints with a hint', () => {
    expect(errors('tracepoint:syscalls:sys_enter_nosuch {}')).toEqual(['1:1: tracepoint not found: syscalls:sys_enter_nosuch']);
    expect(errors('BEGIN {}\n  t:nope:* {}')).toEqual(['2:3: tracepoint not found: nope:*']);
    let thrown: unknown;
    try {
      attaches('tracepoint:syscalls:sys_enter_nosuch {}');
    } catch (e) {
      thrown = e;
    }
    expect((thrown as CompileError).diagnostics[0]!.notes).toEqual([
      "HINT: tracepoints are listed under /sys/kernel/tracing/events/; try: tsbpf -l 'tracepoint:syscalls:*'",
    ]);
  });

  it('reports bad providers, unsupported providers and malformed attach points', () => {
    expect(
      errors(
        'foo:bar {}\nusdt:/bin/sh:p {}\nrawtracepoint:sys_enter {}\ninterval:x:1 {}\ninterval:s:0 {}\ninterval:s {}\nprofile:hz:abc {}\ntracepoint:syscalls {}\nBEGIN:x {}\nprofile:s:2 {}',
      ),
    ).toEqual([
      '1:1: Invalid probe type: foo',
      '2:1: usdt probes are not supported yet',
      '3:1: rawtracepoint probes are not supported yet',
      '4:1: x is not an accepted unit of time',
      "5:1: interval: the count must be a positive integer ('0' given)",
      '6:1: interval probe type requires 2 arguments',
      "7:1: profile: the count must be a positive integer ('abc' given)",
      '8:1: tracepoint probe type requires 2 arguments',
      '9:1: BEGIN probe type requires 0 arguments',
      '10:1: profile: a period of 2s can not be expressed as a whole sampling frequency (1 hz to 1000000000 hz)',
    ]);
  });

  it('reports a program without probes', () => {
    expect(errors('')).toEqual(['No probes to attach']);
  });
});
