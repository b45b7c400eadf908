// Kernel struct pointers through BTF on a live workload: curtask's pid, its parent's pid and its
// comm must be exactly the workload's.
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { getppidChild, hasCommand, startTsbpf, tsbpf, type Result } from './cli.ts';

const GETPPIDS = 100;

describe.skipIf(!kernelAvailable)('kernel struct pointers (live kernel)', () => {
  it('curtask->pid, curtask->real_parent->pid, str(curtask->comm) and a cast are the workload\'s', async () => {
    const w = getppidChild(GETPPIDS);
    const run = await startTsbpf([
      '-e',
      'tracepoint:syscalls:sys_enter_getppid /pid == $1/ { @[curtask->pid, curtask->real_parent->pid, str(curtask->comm)] = count(); ' +
        '$t = (struct task_struct *)curtask; @tgid = max($t->tgid == pid); @mm = max(curtask->mm->map_count > 0 && $t.mm->mm_users.counter > 0); }',
      String(w.pid),
    ]);
    w.go();
    expect(await w.exited).toBe(0);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r).toEqual({
      code: 0,
      signal: null,
      stdout: `\n\n@[${w.pid}, ${process.pid}, node]: ${GETPPIDS}\n@mm: 1\n@tgid: 1\n`,
      stderr: 'Attaching 1 probe...\n',
    });
  });

  /** Runs `script` with $1 the pid of a `sleep 0.123` started once tsbpf is attached. */
  async function traceSleep(script: string): Promise<Result> {
    const child = spawn('sh', ['-c', 'read x; exec sleep 0.123'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((r) => child.on('close', r));
    const run = await startTsbpf(['-e', script, String(child.pid)]);
    child.stdin!.write('go\n');
    expect(await exited).toBe(0);
    return run.done;
  }

  it('a syscall tracepoint\'s struct pointer argument is followed in user memory (args->rqtp->tv_nsec)', async () => {
    const r = await traceSleep('tracepoint:syscalls:sys_enter_clock_nanosleep /pid == $1/ { printf("%d %d %s\\n", args->rqtp->tv_sec, args.rqtp.tv_nsec, comm); exit(); }');
    expect(r).toEqual({ code: 0, signal: null, stdout: '0 123000000 sleep\n\n\n', stderr: 'Attaching 1 probe...\n' });
  });

  it('a struct pointer argument stored in a map is followed later, in another probe (naptime.bt)', async () => {
    const r = await traceSleep(
      'tracepoint:syscalls:sys_enter_clock_nanosleep /pid == $1/ { @rqtp[tid] = args.rqtp; } ' +
        'tracepoint:syscalls:sys_exit_clock_nanosleep /pid == $1/ { $t = @rqtp[tid]; printf("%d %d %s %s\\n", $t.tv_sec, $t->tv_nsec, comm, pcomm); delete(@rqtp, tid); exit(); }',
    );
    expect(r).toEqual({ code: 0, signal: null, stdout: '0 123000000 sleep node\n\n\n\n', stderr: 'Attaching 2 probes...\n' });
  });

  it('an unknown field is a compile error naming the struct', () => {
    const r = tsbpf(['-e', 'BEGIN { printf("%d\\n", curtask->nope); }']);
    expect(r).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr:
        "stdin:1:24-37: ERROR: Struct/union of type 'struct task_struct' does not contain a field named 'nope'\n" +
        'BEGIN { printf("%d\\n", curtask->nope); }\n' +
        '                       ~~~~~~~~~~~~~\n',
    });
  });
});

describe.skipIf(!kernelAvailable)('kernel pointers in maps (live kernel)', () => {
  // The task and mm addresses differ from run to run and tool to tool.
  const SCRIPT = 'BEGIN { @a = curtask; @b[curtask->mm] = 1; @c[1] = (struct task_struct *)0; printf("%d\\n", @a->pid > 0); exit(); }';
  const mask = (s: string) => s.replace(/0x[0-9a-f]{8,}/g, 'HEX').replace(/-\d{10,}/g, 'NEG');

  it('prints pointer keys in hex and pointer values as int64, as bpftrace 0.17 does', () => {
    expect(mask(tsbpf(['-q', '-e', SCRIPT]).stdout)).toBe('1\n\n\n@a: NEG\n@b[HEX]: 1\n@c[1]: 0\n');
    expect(mask(tsbpf(['-q', '-f', 'json', '-e', SCRIPT]).stdout).split('\n')).toEqual([
      '{"type": "printf", "data": "1\\n"}',
      '',
      '',
      '{"type": "map", "data": {"@a": NEG}}',
      '{"type": "map", "data": {"@b": {"HEX": 1}}}',
      '{"type": "map", "data": {"@c": {"1": 0}}}',
      '',
    ]);
  });

  it.skipIf(!hasCommand('bpftrace'))('the same as the installed bpftrace', () => {
    const theirs = execFileSync('bpftrace', ['-q', '-e', SCRIPT], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    expect(mask(tsbpf(['-q', '-e', SCRIPT]).stdout)).toBe(mask(theirs));
  });
});
