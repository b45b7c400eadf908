// uprobes and uretprobes on the live kernel, driven by -c: a small C program built here calls
// functions with known arguments a known number of times; tsbpf runs it and prints exact counts.
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { liveIds, objectsTagged, startTsbpf, tsbpf, uniqueTag } from './cli.ts';

const hasGcc = spawnSync('sh', ['-c', 'command -v gcc']).status === 0;

// add(i, 100) is called i+1 times for each i < n, so its counts by arg0 are all different
// (bpftrace prints map entries sorted by value); square(i) returns i*i once per i.
const C_SOURCE = `
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
__attribute__((noinline)) long add(long a, long b) { __asm__ volatile(""); return a + b; }
__attribute__((noinline)) int square(int x) { __asm__ volatile(""); return x * x; }
__attribute__((noinline)) int greet(const char *who) { __asm__ volatile(""); return who[0] == 'w' ? -5 : 0; }
int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 3;
  // A third argument: wait for a line on stdin first (a process to trace with -p).
  if (argc > 3) { char line[8]; if (!fgets(line, sizeof line, stdin)) return 1; }
  long t = 0;
  for (int i = 0; i < n; i++) {
    for (int j = 0; j <= i; j++) t += add(i, 100);
    t += square(i);
  }
  for (int i = 0; i < 7; i++) t += getpid() > 0;
  // On the stack: a string in a .rodata page nothing touched yet is not readable from BPF
  // (probe_read_user cannot fault pages in), with bpftrace as with tsbpf.
  char who[16];
  snprintf(who, sizeof who, "%s", argc > 2 ? argv[2] : "world");
  t += greet(who);
  printf("total %ld pid %d\\n", t, (int)getpid());
  return 0;
}
`;

function probeEvents(): string {
  const f = '/sys/kernel/tracing/uprobe_events';
  return existsSync(f) ? readFileSync(f, 'utf8') : '';
}

describe.skipIf(!kernelAvailable || !hasGcc)('uprobe and uretprobe (live kernel)', () => {
  let dir: string;
  let bin: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsbpf-uprobe-'));
    writeFileSync(join(dir, 'prog.c'), C_SOURCE);
    bin = join(dir, 'prog');
    execFileSync('gcc', ['-O1', '-o', bin, join(dir, 'prog.c')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('counts calls by argument and sums return values of the -c command', () => {
    const r = tsbpf(['-e', `uprobe:${bin}:add { @[arg0, arg1] = count(); } uretprobe:${bin}:square { @r = sum(retval); }`, '-c', `${bin} 4`]);
    // total = sum over i<4 of (i+1)(i+100) + i*i, plus 7 (getpid) and -5 (greet).
    expect(r.stderr).toBe('Attaching 2 probes...\n');
    expect(r.stdout.replace(/pid \d+/, 'pid N')).toBe(
      'total 1036 pid N\n\n\n@[0, 100]: 1\n@[1, 100]: 2\n@[2, 100]: 3\n@[3, 100]: 4\n@r: 14\n',
    );
    expect(r.code).toBe(0);
  });

  it('-p PID: uprobes fire for that process only, and the run ends when it exits', async () => {
    const start = () => spawn(bin, ['3', 'world', 'wait'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const traced = start();
    const other = start();
    const exited = (c: ReturnType<typeof start>) => new Promise<void>((r) => c.on('exit', () => r()));
    try {
      const run = await startTsbpf(['-p', String(traced.pid), '-e', `uprobe:${bin}:add { @[pid] = count(); }`]);
      // The other process calls add() while the probe is attached, and must not be counted.
      other.stdin.end('go\n');
      await exited(other);
      traced.stdin.end('go\n');
      const r = await run.done;
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`\n\n@[${traced.pid}]: 6\n`);
    } finally {
      traced.kill('SIGKILL');
      other.kill('SIGKILL');
    }
  });

  it('names probes canonically and makes cpid the pid of the command', () => {
    const r = tsbpf(['-e', `BEGIN { printf("cpid %d\\n", cpid); } u:${bin}:square /pid == cpid/ { @[probe] = count(); }`, '-c', `${bin} 2`]);
    const pid = /pid (\d+)/.exec(r.stdout.split('\n')[1] ?? '')?.[1];
    expect(r.stdout).toBe(`cpid ${pid}\ntotal 305 pid ${pid}\n\n\n@[uprobe:${bin}:square]: 2\n`);
  });

  it('reads strings from user memory and signed return values', () => {
    const r = tsbpf(['-q', '-e', `uprobe:${bin}:greet { printf("%s/%d\\n", str(arg0), pid == cpid); } ur:${bin}:greet { printf("%d\\n", retval); }`, '-c', `${bin} 0`]);
    // The command writes its own stdout, so its line may come before or after the probes' lines.
    const lines = r.stdout.replace(/pid \d+/, 'pid N').split('\n');
    expect(lines.filter((l) => !l.startsWith('total'))).toEqual(['world/1', '-5', '', '', '']);
    expect(lines.filter((l) => l.startsWith('total'))).toEqual(['total 2 pid N']);
  });

  it('probes a library by its bare name', () => {
    const r = tsbpf(['-q', '-e', 'uprobe:libc:getpid /pid == cpid/ { @[probe] = count(); }', '-c', `${bin} 1`]);
    expect(r.stdout.replace(/pid \d+/, 'pid N')).toBe('total 102 pid N\n\n\n@[uprobe:/lib/x86_64-linux-gnu/libc.so.6:getpid]: 8\n');
  });

  it('reports a missing file and a missing symbol at the attach point', () => {
    expect(tsbpf(['-e', 'uprobe:/no/such/bin:f { }'])).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr:
        "stdin:1:1-22: ERROR: cannot probe '/no/such/bin': no such file\nuprobe:/no/such/bin:f { }\n~~~~~~~~~~~~~~~~~~~~~\n" +
        'HINT: give a path to an executable or shared library, or a bare name found in PATH or the ld.so cache (e.g. uprobe:libc:malloc)\n',
    });
    const ap = `uretprobe:${bin}:squares`;
    expect(tsbpf(['-e', `BEGIN { } ${ap} { }`]).stderr).toBe(
      `stdin:1:11-${11 + ap.length}: ERROR: Could not resolve symbol: ${bin}:squares\nBEGIN { } ${ap} { }\n          ${'~'.repeat(ap.length)}\n` +
        'HINT: functions with similar names: square\n',
    );
  });

  it('reports a -c command that does not exist and cpid without -c', () => {
    expect(tsbpf(['-e', 'BEGIN { exit(); }', '-c', 'no-such-command-xyz 1'])).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr: "ERROR: -c: cannot run 'no-such-command-xyz': no such executable in PATH\n",
    });
    expect(tsbpf(['-e', 'BEGIN { @ = cpid; }']).stderr).toBe(
      'stdin:1:13-17: ERROR: cpid cannot be used without child command (-c CMD)\nBEGIN { @ = cpid; }\n            ~~~~\n',
    );
  });

  it('lists the functions of a binary with -l', () => {
    expect(tsbpf(['-l', `uprobe:${bin}:s*`])).toEqual({ code: 0, signal: null, stdout: `uprobe:${bin}:square\n`, stderr: '' });
    expect(tsbpf(['-l', 'ur:libc:getpi*']).stdout).toBe('uretprobe:/lib/x86_64-linux-gnu/libc.so.6:getpid\n');
  });

  it('leaves no program, map or uprobe event behind', async () => {
    const tag = uniqueTag();
    const run = await startTsbpf(['-e', `uprobe:${bin}:add { @${tag} = count(); }`]);
    const during = objectsTagged(tag);
    expect([during.maps.length, during.progs.length]).toEqual([1, 1]);
    // Attached through the uprobe PMU: nothing is written to tracefs.
    expect(probeEvents()).not.toContain(bin);
    execFileSync(bin, ['3']);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stdout).toBe(`\n\n@${tag}: 6\n`);
    const deadline = Date.now() + 3000;
    while ((liveIds('prog', during.progs).length > 0 || liveIds('map', during.maps).length > 0) && Date.now() < deadline) {
      await new Promise((res) => setTimeout(res, 50));
    }
    expect([liveIds('prog', during.progs), liveIds('map', during.maps)]).toEqual([[], []]);
    expect(probeEvents()).not.toContain(bin);
  });
});
