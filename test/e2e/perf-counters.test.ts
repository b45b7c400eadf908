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
