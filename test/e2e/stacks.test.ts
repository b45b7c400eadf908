// kstack/ustack, ksym/usym and func on the live kernel, through the built CLI. A small C program
// built here makes the getppid syscall with an inline `syscall` instruction from g(), called by
// f(), called by main(), so its user stack is exactly main -> f -> g (frame pointers kept), and
// keeps doing so every 300 ms so that it is alive when the maps are printed. A probe can fire again
// between exit() and detaching (on a loaded machine that takes longer than 300 ms), so each script
// guards itself with @seen to count exactly one hit.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { hasCommand, tsbpf } from './cli.ts';

const hasGcc = spawnSync('sh', ['-c', 'command -v gcc']).status === 0;

const C_SOURCE = `
#include <unistd.h>
__attribute__((noinline)) long g(long x) {
  long r;
  __asm__ volatile("syscall" : "=a"(r) : "a"(110L) : "rcx", "r11", "memory");
  return r + x;
}
__attribute__((noinline)) long f(long x) { return g(x + 1) * 2; }
int main(void) {
  long t = 0;
  for (int i = 0; i < 100; i++) { t += f(i); usleep(300000); }
  return (int)(t & 1);
}
`;

/** The lines between `@name[` and `]: N` of the first stack key printed for `name`. */
function keyFrames(stdout: string, name: string): string[] {
  const at = stdout.indexOf(`${name}[\n`);
  if (at < 0) return [];
  const end = stdout.indexOf('\n]: ', at);
  return stdout.slice(at + name.length + 2, end).split('\n');
}

describe.skipIf(!kernelAvailable || !hasGcc)('stacks and symbols (live kernel)', () => {
  let dir: string;
  let bin: string;
  const running: ChildProcess[] = [];
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsbpf-stacks-'));
    writeFileSync(join(dir, 'stackprog.c'), C_SOURCE);
    bin = join(dir, 'stackprog');
    execFileSync('gcc', ['-O0', '-fno-omit-frame-pointer', '-o', bin, join(dir, 'stackprog.c')]);
  });
  afterAll(() => {
    for (const c of running) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  /** Starts the program; its pid. */
  function start(): number {
    const c = spawn(bin, [], { stdio: 'ignore' });
    running.push(c);
    return c.pid!;
  }

  it('prints the user stack main -> f -> g and the syscall entry kernel stack', () => {
    const script = `tracepoint:syscalls:sys_enter_getppid /pid == cpid && !@seen/ { @seen = 1; printf("%s\\n", ustack(3)); @[ustack(3)] = count(); @k[kstack] = count(); exit(); }`;
    const r = tsbpf(['-q', '-e', script, '-c', bin]);
    expect(r.stderr).toBe('');
    const ustack = ['g\\+\\d+', 'f\\+\\d+', 'main\\+\\d+'];
    expect(r.stdout).toMatch(new RegExp(`^\\n${ustack.map((f) => ` {8}${f}\\n`).join('')}\\n\\n\\n@\\[\\n${ustack.map((f) => ` {4}${f}\\n`).join('')}\\]: 1\\n@k\\[\\n`));
    // The same frames in the printf and in the map key.
    expect(keyFrames(r.stdout, '@').map((l) => l.trim())).toEqual(r.stdout.split('\n').slice(1, 4).map((l) => l.trim()));
    // The kernel stack: known kernel text symbols with offsets, ending in the syscall entry.
    const kernel = keyFrames(r.stdout, '@k');
    const names = new Set(readFileSync('/proc/kallsyms', 'latin1').split('\n').map((l) => l.split(/\s/)[2]));
    for (const frame of kernel) {
      expect(frame).toMatch(/^ {4}[\w.]+\+\d+$/);
      expect(names.has(frame.trim().replace(/\+\d+$/, ''))).toBe(true);
    }
    expect(kernel.map((l) => l.trim().replace(/\+\d+$/, '')).slice(-2)).toEqual(['do_syscall_64', 'entry_SYSCALL_64_after_hwframe']);
  });

  it('prints func, ksym and usym in a uprobe', () => {
    const pid = start();
    const r = tsbpf(['-q', '-e', `uprobe:${bin}:g /pid == ${pid} && !@seen/ { @seen = 1; printf("%s %s %s %s\\n", func, usym(arg0), ksym(0), usym(0x1)); @f[func] = count(); exit(); }`]);
    expect(r.stdout).toMatch(/^g 0x[0-9a-f]+ 0 0x1\n\n\n@f\[g\]: 1\n@seen: 1\n$/);
  });

  it('prints profile kernel stacks in bpftrace\'s frame format', () => {
    const r = tsbpf(['-q', '-e', 'profile:hz:99 { @[kstack(4)] = count(); } interval:ms:300 { exit(); }']);
    const body = r.stdout.replace(/^\n\n/, '');
    // Every entry is `@[]: N` (sampled in user mode) or `@[` + 1-4 frames + `]: N`.
    expect(body).toMatch(/^(@\[\]: \d+\n|@\[\n( {4}([\w.$-]+\+\d+|0x[0-9a-f]+)\n){1,4}\]: \d+\n)+$/);
  });

  it.skipIf(!hasCommand('bpftrace'))('prints stacks byte for byte as the installed bpftrace does', () => {
    const pid = start();
    const script = `tracepoint:syscalls:sys_enter_getppid /pid == ${pid} && !@seen/ { @seen = 1; printf("%s|%s|\\n", ustack, kstack(perf, 3)); @[ustack, kstack] = count(); @p[ustack(perf)] = count(); @v = ustack(2); exit(); }`;
    const theirs = execFileSync('bpftrace', ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const ours = tsbpf(['-q', '-e', script]);
    expect(ours.stdout).toBe(theirs.slice(theirs.indexOf('\n') + 1));
    expect(ours.stdout).toContain('        g+');
  });
});
