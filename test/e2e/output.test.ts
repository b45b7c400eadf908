// End to end through the built CLI: printf and map output, byte for byte as bpftrace 0.17 prints.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { hasCommand, tsbpf } from './cli.ts';

describe.skipIf(!kernelAvailable)('tsbpf output (live kernel)', () => {
  it('BEGIN printf then exit', () => {
    const r = tsbpf(['-e', 'BEGIN { printf("hi\\n"); exit(); }']);
    expect(r).toEqual({ code: 0, signal: null, stdout: 'hi\n\n\n', stderr: 'Attaching 1 probe...\n' });
  });

  it('the same without the startup snapshot, and through `node bin/tsbpf.cjs`', () => {
    const expected = { code: 0, signal: null, stdout: 'hi\n\n\n', stderr: 'Attaching 1 probe...\n' };
    expect(tsbpf(['-e', 'BEGIN { printf("hi\\n"); exit(); }'], { env: { TSBPF_NO_SNAPSHOT: '1' } })).toEqual(expected);
    expect(tsbpf(['-e', 'BEGIN { printf("hi\\n"); exit(); }'], { wrap: [process.execPath] })).toEqual(expected);
  });

  it('-q drops the Attaching line', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { printf("hi\\n"); exit(); }']);
    expect(r).toEqual({ code: 0, signal: null, stdout: 'hi\n\n\n', stderr: '' });
  });

  it('formats %d %s %x %-5d %05d like C', () => {
    const r = tsbpf(['-e', 'BEGIN { printf("%d|%s|%x|%-5d|%05d|%u|%lx|%c%%\\n", -42, "str", 255, 7, 42, -1, -2, 65); exit(); }']);
    expect(r.stdout).toBe('-42|str|ff|7    |00042|4294967295|fffffffffffffffe|A%\n\n\n');
    expect(r.code).toBe(0);
  });

  it('casts truncate and re-extend as bpftrace does', () => {
    // Output recorded from bpftrace 0.17 for the same script.
    const r = tsbpf(['-e', 'BEGIN { $x = (int8)200; printf("%d %d\\n", $x, (uint8)$x + 1); @m = (uint16)70000; exit(); }']);
    expect(r.stdout).toBe('-56 201\n\n\n@m: 4464\n');
    expect(r.code).toBe(0);
  });

  it('positional parameters become $1, $2', () => {
    const r = tsbpf(['-e', 'BEGIN { printf("%d %d\\n", $1 + 1, $2); exit(); }', '41', '-3']);
    expect(r.stdout).toBe('42 -3\n\n\n');
  });

  it('reads the program from stdin with -, skipping a #! line', () => {
    const r = tsbpf(['-', '5'], { input: '#!/usr/bin/env tsbpf\nBEGIN { printf("from stdin %d\\n", $1); exit(); }\n' });
    expect(r.stdout).toBe('from stdin 5\n\n\n');
    expect(r.code).toBe(0);
  });

  const MAPS = 'BEGIN { @a = 1; @b[1,"x"] = 2; @c = count(); @d["z"]=sum(5); @d["a"]=sum(3); @e=avg(7); @e=avg(2); @f=min(-3); @g = max(5); exit(); }';
  // bpftrace 0.17's output for MAPS on this machine.
  const MAPS_OUT = '\n\n@a: 1\n@b[1, x]: 2\n@c: 1\n@d[a]: 3\n@d[z]: 5\n@e: 4\n\n@f: -3\n@g: 5\n';

  it('prints every map at exit: sorted by name, values ascending, avg followed by a blank line', () => {
    const r = tsbpf(['-e', MAPS]);
    expect(r).toEqual({ code: 0, signal: null, stdout: MAPS_OUT, stderr: 'Attaching 1 probe...\n' });
  });

  it.skipIf(!hasCommand('bpftrace'))('prints maps exactly as the installed bpftrace does', () => {
    expect(tsbpf(['-q', '-e', MAPS]).stdout).toBe(bpftraceStdout(MAPS));
  });

  // Scalar counts live in one-element per-CPU arrays, in bpftrace and here: one never hit,
  // cleared or deleted still prints 0. print() and clear() act when userspace reads their
  // events, after BEGIN has finished (as in bpftrace).
  const SCALAR_COUNTS =
    'BEGIN { @ = count(); @c = count(); clear(@c); @d = count(); delete(@d); @e = count(); print(@e); clear(@e); @e = count(); @e = count(); exit(); } ' +
    'tracepoint:syscalls:sys_enter_reboot { @never = count(); }';

  it('scalar count() maps print 0 when never hit, cleared or deleted', () => {
    expect(tsbpf(['-q', '-e', SCALAR_COUNTS]).stdout).toBe('@e: 3\n\n\n@: 1\n@c: 0\n@d: 0\n@e: 0\n@never: 0\n');
  });

  it.skipIf(!hasCommand('bpftrace'))('prints scalar count() maps exactly as the installed bpftrace does', () => {
    expect(tsbpf(['-q', '-e', SCALAR_COUNTS]).stdout).toBe(bpftraceStdout(SCALAR_COUNTS));
  });

  // print(@m, top, div) on every kind of map; clear() keeps the exit print short.
  const PRINT_VIEWS =
    'BEGIN { @x[1] = 2; @x[2] = 3; @x[3] = 9; print(@x, 2); print(@x, 0, 3); @h = hist(5); @h = hist(100); @h = hist(100); print(@h, 0, 2); ' +
    '@a = avg(10); @a = avg(20); print(@a, 0, 3); @k[1] = hist(3); @k[2] = hist(3); @k[2] = hist(4); print(@k, 1); ' +
    '@l = lhist(5, 0, 100, 10); @l = lhist(15, 0, 100, 10); print(@l, 0, 2); @c[1] = count(); @c[2] = count(); @c[2] = count(); print(@c, 1, 2); ' +
    '@z = 7; print(@z, 0, 2); clear(@x); clear(@h); clear(@a); clear(@k); clear(@l); clear(@c); exit(); }';

  it('print(@m, top, div): the largest `top` entries, values divided by `div`', () => {
    const r = tsbpf(['-q', '-e', PRINT_VIEWS]);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 6)).toEqual(['@x[2]: 3', '@x[3]: 9', '@x[1]: 0', '@x[2]: 1', '@x[3]: 3', '@h: ']);
    expect(r.stdout).toContain('\n@a: 5\n\n@k[2]: \n');
    expect(r.stdout).toContain('\n@c[2]: 1\n@z: 3\n');
  });

  it.skipIf(!hasCommand('bpftrace'))('print(@m, top, div) prints exactly as the installed bpftrace does, as text and as JSON', () => {
    expect(tsbpf(['-q', '-e', PRINT_VIEWS]).stdout).toBe(bpftraceStdout(PRINT_VIEWS));
    const json = execFileSync('bpftrace', ['-f', 'json', '-e', PRINT_VIEWS], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(tsbpf(['-f', 'json', '-e', PRINT_VIEWS]).stdout).toBe(json);
  });

  it('print(@m) prints now, clear(@m) empties, and the exit print follows bpftrace', () => {
    const r = tsbpf(['-e', 'BEGIN { @x[1]=3; @y=2; @e=avg(3); print(@x); print(@y); print(@e); printf("after\\n"); clear(@x); exit(); }']);
    expect(r.stdout).toBe('@x[1]: 3\n@y: 2\n@e: 3\n\nafter\n\n\n@e: 3\n\n\n@y: 2\n');
  });

  it('delete() as a value says whether the element was there (bpftrace 0.24+)', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { @m[1] = 2; $a = delete(@m, 1); $b = delete(@m[1]); @c = count(); printf("%d %d %d\\n", $a, $b, delete(@c)); if (delete(@m, 5)) { printf("no\\n"); } exit(); }']);
    expect(r.stdout).toBe('1 0 1\n\n\n@c: 0\n\n');
  });

  it('let @m = lruhash(N) declares an LRU map of N entries; percpulruhash holds aggregations', () => {
    const r = tsbpf(['-q', '-e', 'let @a = lruhash(2); let @c = percpulruhash(8);\nBEGIN { @a[1] = 1; @a[2] = 2; @a[3] = 3; @c[1] = count(); exit(); }']);
    // The least recently used @a[1] was evicted by the third insert.
    expect(r.stdout).toBe('\n\n@a[2]: 2\n@a[3]: 3\n@c[1]: 1\n');
    const d = tsbpf(['-d', '-e', 'let @a = lruhash(2); let @c = percpulruhash(8); BEGIN { @a[1] = 1; @c[1] = count(); }']);
    expect(d.stdout).toContain('; map 0: @a lru_hash key 8 value 8 entries 2\n; map 1: @c lru_percpu_hash key 8 value 8 entries 8\n');
  });

  // cat(fmt, args...): the file at the formatted path; one that cannot be opened is an error line.
  const CAT = 'BEGIN { cat("/proc/sys/kernel/ostype"); cat("/nonexistent%d", 5); cat("/proc/sys/kernel/%s", "ostype"); exit(); }';

  it('cat() prints a file, as text and as JSON', () => {
    const r = tsbpf(['-q', '-e', CAT]);
    expect(r).toEqual({ code: 0, signal: null, stdout: 'Linux\nLinux\n\n\n', stderr: "ERROR: failed to open file '/nonexistent5': No such file or directory\n" });
    expect(tsbpf(['-q', '-f', 'json', '-e', CAT]).stdout).toBe('{"type": "cat", "data": "Linux\\n"}\n{"type": "cat", "data": "Linux\\n"}\n\n\n');
  });

  it.skipIf(!hasCommand('bpftrace'))('cat() prints what the installed bpftrace prints', () => {
    expect(tsbpf(['-q', '-e', CAT]).stdout).toBe(bpftraceStdout(CAT));
  });

  it('return; ends this run of the probe', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { @a = 1; if (pid > 0) { return; } @b = 2; } interval:ms:50 { @c = 3; return; @d = 4; exit(); } interval:ms:300 { exit(); }']);
    // @b and @d are never written: empty maps print an empty line.
    expect(r.stdout).toBe('\n\n@a: 1\n\n@c: 3\n\n');
  });

  it('END runs after exit() and before the maps', () => {
    const r = tsbpf(['-e', 'BEGIN { @x[1]=-3; @x[2]=-5; @x[3]=7; printf("hi\\n"); exit(); } END { printf("end\\n"); }']);
    expect(r).toEqual({ code: 0, signal: null, stdout: 'hi\nend\n\n\n@x[2]: -5\n@x[1]: -3\n@x[3]: 7\n', stderr: 'Attaching 2 probes...\n' });
  });

  it('an interval probe ends the run by itself', () => {
    const t0 = Date.now();
    const r = tsbpf(['-e', 'interval:ms:100 { @n = count(); exit(); }']);
    expect(r).toEqual({ code: 0, signal: null, stdout: '\n\n@n: 1\n', stderr: 'Attaching 1 probe...\n' });
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('-d prints the generated code and loads nothing', () => {
    const r = tsbpf(['-d', '-e', 'BEGIN { printf("hi\\n"); exit(); }']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).not.toContain('hi\n\n\n');
    expect(r.stdout.length).toBeGreaterThan(20);
  });
});

/** bpftrace's stdout for a script, without its `Attaching N probes...` first line (0.17 prints it there). */
function bpftraceStdout(script: string): string {
  const out = execFileSync('bpftrace', ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.slice(out.indexOf('\n') + 1);
}
