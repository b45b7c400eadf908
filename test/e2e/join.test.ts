// join() on a live exec: the output must be bpftrace 0.17's for the same command (checked by
// hand with `join(args->argv)` while running `/bin/echo hello tsbpf world`).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { startTsbpf } from './cli.ts';

/** Runs tsbpf on the execs of this process's children, then execs `argv`. */
async function traceExec(args: readonly string[], argv: readonly string[]) {
  const run = await startTsbpf([...args, String(process.pid)]);
  const echo = spawnSync(argv[0]!, argv.slice(1), { stdio: 'ignore' });
  expect(echo.status).toBe(0);
  return run.done;
}

const PROBE = 'tracepoint:syscalls:sys_enter_execve /curtask->real_parent->tgid == $1/';

describe.skipIf(!kernelAvailable)('join() (live kernel)', () => {
  it('prints argv space-separated, then with a separator', async () => {
    const r = await traceExec(['-e', `${PROBE} { join(args->argv); join(args.argv, ","); exit(); }`], ['/bin/echo', 'hello', 'tsbpf', 'world']);
    expect(r).toEqual({
      code: 0,
      signal: null,
      // exit() ends the output with two empty lines, as in bpftrace 0.17.
      stdout: '/bin/echo hello tsbpf world\n/bin/echo,hello,tsbpf,world\n\n\n',
      stderr: 'Attaching 1 probe...\n',
    });
  });

  it('stops at 16 elements and at an empty string; keeps 1023 bytes of an element', async () => {
    const long = 'y'.repeat(1100);
    const letters = 'abcdefghijklmnopqrstu'.split('');
    const r = await traceExec(['-e', `${PROBE} { join(args->argv); exit(); }`], ['/bin/echo', ...letters]);
    expect(r.stdout).toBe('/bin/echo a b c d e f g h i j k l m n o\n\n\n');
    const e = await traceExec(['-e', `${PROBE} { join(args->argv, "-"); exit(); }`], ['/bin/echo', 'x', '', 'z']);
    expect(e.stdout).toBe('/bin/echo-x\n\n\n');
    const l = await traceExec(['-e', `${PROBE} { join(args->argv); exit(); }`], ['/bin/echo', long]);
    expect(l.stdout).toBe(`/bin/echo ${'y'.repeat(1023)}\n\n\n`);
  });

  it('is a "join" message in JSON output', async () => {
    const r = await traceExec(['-f', 'json', '-e', `${PROBE} { join(args->argv, "\\t"); exit(); }`], ['/bin/echo', 'q"', 'x']);
    expect(r.stdout).toBe('{"type": "attached_probes", "data": {"probes": 1}}\n{"type": "join", "data": "/bin/echo\\tq\\"\\tx"}\n\n\n');
  });
});
