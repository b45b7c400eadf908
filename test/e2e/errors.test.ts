// Failures print one clear reason (or a bpftrace-style diagnostic) and exit non-zero, never a
// stack trace.
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { readFileSync } from 'node:fs';
import { ROOT, tsbpf } from './cli.ts';

describe('usage errors (no kernel needed)', () => {
  it('--version prints the package version', () => {
    const { version } = JSON.parse(readFileSync(`${ROOT}package.json`, 'utf8')) as { version: string };
    expect(tsbpf(['--version'])).toEqual({ code: 0, signal: null, stdout: `${version}\n`, stderr: '' });
  });

  it('--help prints usage on stdout', () => {
    const r = tsbpf(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout.startsWith('Usage: tsbpf [options] [FILE|-] [ARGS...]\n')).toBe(true);
    expect(r.stdout).toContain('-e <program>');
    expect(r.stderr).toBe('');
  });

  it('no program', () => {
    expect(tsbpf([])).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'tsbpf: no program given: use -e PROGRAM, a FILE or - for stdin (see --help)\n',
    });
  });

  it('an unknown option', () => {
    expect(tsbpf(['-Z'])).toEqual({ code: 1, signal: null, stdout: '', stderr: "tsbpf: unknown option '-Z'\n" });
  });

  it('a missing file', () => {
    expect(tsbpf(['/nonexistent/x.bt'])).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: "ERROR: cannot read '/nonexistent/x.bt': no such file or directory, open '/nonexistent/x.bt'\n",
    });
  });

  it.skipIf(!kernelAvailable)('-p with a process that does not exist', () => {
    expect(tsbpf(['-p', '2147483646', '-e', 'BEGIN { }'])).toEqual({ code: 1, signal: null, stdout: '', stderr: 'ERROR: pid 2147483646: no such process\n' });
  });

  it.skipIf(!kernelAvailable)('warnings are printed with the errors of the same run, in source order', () => {
    const r = tsbpf(['-e', 'config = { max_strlen = 5 }\nBEGIN { @x = foo(); }']);
    expect(r).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: [
        'stdin:1:12-26: WARNING: config variable max_strlen has no effect in tsbpf; it is ignored',
        'config = { max_strlen = 5 }',
        '           ~~~~~~~~~~~~~~',
        'stdin:2:14-17: ERROR: Unknown function: foo',
        'BEGIN { @x = foo(); }',
        '             ~~~',
        '',
      ].join('\n'),
    });
  });

  it('a syntax error points at the token', () => {
    expect(tsbpf(['-e', 'BEGIN { printf("hi\\n") exit(); }'])).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'stdin:1:24-28: ERROR: syntax error, unexpected exit\nBEGIN { printf("hi\\n") exit(); }\n                       ~~~~\n',
    });
  });
});

describe.skipIf(!kernelAvailable)('errors that need the kernel', () => {
  it('a type error', () => {
    expect(tsbpf(['-e', 'BEGIN { @x = 1; @x = "str"; exit(); }'])).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr:
        "stdin:1:17-19: ERROR: Type mismatch for @x: trying to assign value of type 'string[4]' when map already contains a value of type 'int64'\n" +
        'BEGIN { @x = 1; @x = "str"; exit(); }\n' +
        '                ~~\n',
    });
  });

  it('an unknown tracepoint', () => {
    expect(tsbpf(['-e', 'tracepoint:syscalls:sys_enter_nosuchcall { exit(); }'])).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr:
        'stdin:1:1-41: ERROR: tracepoint not found: syscalls:sys_enter_nosuchcall\n' +
        'tracepoint:syscalls:sys_enter_nosuchcall { exit(); }\n' +
        '~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~~\n' +
        "HINT: tracepoints are listed under /sys/kernel/tracing/events/; try: tsbpf -l 'tracepoint:syscalls:*'\n",
    });
  });

  it('not root: one clear sentence, no stack trace', () => {
    const r = tsbpf(['-e', 'BEGIN { printf("hi\\n"); exit(); }'], {
      wrap: ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups', '--inh-caps=-all'],
    });
    expect(r).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: 'ERROR: tsbpf needs root (or CAP_BPF and CAP_PERFMON) to load BPF programs; run it with sudo\n',
    });
  });
});
