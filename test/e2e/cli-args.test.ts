// Command-line parsing and `-l` globbing, in process (no kernel, no child process).
import { describe, expect, it } from 'vitest';
import { parseArgs } from '../../cli/args.ts';
import { matcher } from '../../cli/list.ts';

describe('parseArgs', () => {
  it('-e with positionals', () => {
    expect(parseArgs(['-e', 'BEGIN { }', '1', 'two'])).toEqual({
      kind: 'run',
      options: { source: { kind: 'inline', text: 'BEGIN { }' }, positionals: ['1', 'two'], dump: false, verbose: false, quiet: false },
    });
  });

  it('a file, then its positionals; options after the file are positionals too', () => {
    expect(parseArgs(['-q', 'x.bt', '5', '-d'])).toEqual({
      kind: 'run',
      options: { source: { kind: 'file', path: 'x.bt' }, positionals: ['5', '-d'], dump: false, verbose: false, quiet: true },
    });
  });

  it('- reads stdin; -d and -v', () => {
    expect(parseArgs(['-d', '-v', '-'])).toEqual({
      kind: 'run',
      options: { source: { kind: 'stdin' }, positionals: [], dump: true, verbose: true, quiet: false },
    });
  });

  it('--dump-bpf is -d', () => {
    const r = parseArgs(['--dump-bpf', '-e', 'BEGIN {}']);
    expect(r.kind === 'run' && r.options.dump).toBe(true);
  });

  it('-l with and without a pattern', () => {
    expect(parseArgs(['-l'])).toEqual({ kind: 'list', options: { pattern: undefined } });
    expect(parseArgs(['-l', 'tracepoint:sched:*'])).toEqual({ kind: 'list', options: { pattern: 'tracepoint:sched:*' } });
  });

  it('-p PID: a decimal pid, not together with -c', () => {
    const r = parseArgs(['-p', '1234', '-e', 'BEGIN {}']);
    expect(r.kind === 'run' && r.options.pid).toBe(1234);
    expect(parseArgs(['-p', 'abc', '-e', 'BEGIN {}'])).toEqual({ kind: 'exit', code: 1, stdout: '', stderr: "tsbpf: pid 'abc' is not a valid decimal number\n" });
    expect(parseArgs(['-p', '0', '-e', 'BEGIN {}'])).toEqual({ kind: 'exit', code: 1, stdout: '', stderr: "tsbpf: pid '0' is not a valid decimal number\n" });
    expect(parseArgs(['-p', '1', '-c', 'ls', '-e', 'BEGIN {}'])).toEqual({ kind: 'exit', code: 1, stdout: '', stderr: 'tsbpf: cannot use both -c and -p\n' });
  });

  it('-e without its program is a usage error', () => {
    expect(parseArgs(['-e'])).toEqual({ kind: 'exit', code: 1, stdout: '', stderr: "tsbpf: option '-e <program>' argument missing\n" });
  });
});

describe('-l matcher', () => {
  const names = ['tracepoint:syscalls:sys_enter_openat', 'tracepoint:syscalls:sys_exit_openat', 'tracepoint:sched:sched_switch'];
  const pick = (p: string | undefined) => names.filter(matcher(p));

  it('matches everything without a pattern', () => {
    expect(pick(undefined)).toEqual(names);
  });

  it('globs the full name, with t: as tracepoint:', () => {
    expect(pick('tracepoint:syscalls:sys_enter_*')).toEqual(['tracepoint:syscalls:sys_enter_openat']);
    expect(pick('t:sched:*')).toEqual(['tracepoint:sched:sched_switch']);
    expect(pick('tracepoint:sys?alls:*')).toEqual(names.slice(0, 2));
  });

  it('globs software and hardware events by provider or alias', () => {
    const all = [...names, 'software:page-faults:', 'software:cpu-clock:', 'hardware:cpu-cycles:'];
    expect(all.filter(matcher('s:*'))).toEqual(['software:page-faults:', 'software:cpu-clock:']);
    expect(all.filter(matcher('hardware:*'))).toEqual(['hardware:cpu-cycles:']);
    expect(all.filter(matcher('cpu'))).toEqual(['software:cpu-clock:', 'hardware:cpu-cycles:']);
  });

  it('a bare word matches anywhere', () => {
    expect(pick('openat')).toEqual(names.slice(0, 2));
    expect(pick('switch')).toEqual(['tracepoint:sched:sched_switch']);
  });
});
