// software:EVENT[:COUNT] and hardware:EVENT[:COUNT] probes: perf counters on every CPU.
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { tsbpf } from './cli.ts';

describe.skipIf(!kernelAvailable)('software and hardware probes (live kernel)', () => {
  it('software:cpu-clock:1000000 fires every millisecond on each CPU, named as written', () => {
    const r = tsbpf(['-e', 'software:cpu-clock:1000000 { @[probe] = count(); } interval:ms:300 { exit(); }']);
    expect(r.code).toBe(0);
    const m = /^\n\n@\[software:cpu-clock:1000000\]: (\d+)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    // 300 ms on at least one CPU; a loaded machine loses some ticks.
    expect(Number(m![1])).toBeGreaterThan(100);
  });

  it('s:faults:1 counts the page faults of a -c command', () => {
    const r = tsbpf(['-c', '/bin/true', '-e', 's:faults:1 /pid == cpid/ { @ = count(); }']);
    expect(r.code).toBe(0);
    const m = /^\n\n@: (\d+)\n$/.exec(r.stdout);
    expect(m, r.stdout).not.toBeNull();
    // exec, the dynamic loader and libc fault in dozens of pages.
    expect(Number(m![1])).toBeGreaterThan(10);
  });

  it('hardware counters count where the CPU offers them, and say why not where it does not', () => {
    const r = tsbpf(['-e', 'hardware:cpu-cycles:1000000 { @ = count(); } interval:ms:200 { exit(); }']);
    if (r.code === 0) {
      expect(r.stdout).toMatch(/^\n\n@: \d+\n$/);
    } else {
      expect(r.stderr).toContain('ERROR: cannot attach hardware:cpu-cycles:1000000: perf_event_open (hardware cpu-cycles) failed');
      expect(r.stderr).toContain('this CPU offers no cpu-cycles counter to perf');
    }
  });
});

describe.skipIf(!kernelAvailable)('config = { missing_probes } (live kernel)', () => {
  const script = (mode: string) =>
    `config = { missing_probes = ${mode} }\n` +
    'tracepoint:syscalls:sys_enter_no_such_call, software:cpu-clock:1000000 { @ = count(); }\n' +
    'hardware:cpu-cycles:1000000 { @hw = count(); }\n' +
    'interval:ms:200 { exit(); }';

  it('warn: a missing tracepoint is a warning at compile time, a counter that cannot attach one at run time', () => {
    const r = tsbpf(['-e', script('warn')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('WARNING: tracepoint not found: syscalls:sys_enter_no_such_call');
    expect(r.stdout).toMatch(/^\n\n@: [1-9]\d*\n/);
    // Where the CPU has no cycle counter (this VM), the hardware probe is skipped with a warning.
    if (!/@hw: \d+/.test(r.stdout)) expect(r.stderr).toContain('WARNING: cannot attach hardware:cpu-cycles:1000000');
  });

  it('ignore: the same run without the warnings; error (the default) stops', () => {
    const r = tsbpf(['-e', script('ignore')]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Attaching 3 probes...\n');
    expect(r.stdout).toMatch(/^\n\n@: [1-9]\d*\n/);
    const e = tsbpf(['-e', script('error')]);
    expect(e.code).toBe(1);
    expect(e.stderr).toContain('ERROR: tracepoint not found: syscalls:sys_enter_no_such_call');
  });
});
