// End to end with real probes firing on workloads the tests run themselves, started only after
// tsbpf reported its probes attached (the __BPFTRACE_NOTIFY_PROBES_ATTACHED handshake).
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { spawnSync } from 'node:child_process';
import { BIN, getppidChild, runWorkload, startTsbpf } from './cli.ts';

const GETPPIDS = 1000;
// Node calls getppid(2) once per `process.ppid` read and never at start-up (checked with strace).
const getppidWorkload = () => runWorkload(process.execPath, ['-e', `for (let i = 0; i < ${GETPPIDS}; i++) process.ppid`]);

describe.skipIf(!kernelAvailable)('tsbpf tracing (live kernel)', () => {
  it('the handshake line comes first on stdout, before any event', async () => {
    const run = await startTsbpf(['-e', 'BEGIN { printf("begin\\n"); } interval:ms:50 { printf("tick\\n"); exit(); }']);
    expect(run.stdoutSoFar().startsWith('__BPFTRACE_NOTIFY_PROBES_ATTACHED\n')).toBe(true);
    const r = await run.done;
    expect(r).toEqual({ code: 0, signal: null, stdout: 'begin\ntick\n\n\n', stderr: 'Attaching 2 probes...\n' });
  });

  it('counts a tracepoint exactly, keyed by pid, and SIGINT ends the run printing the map', async () => {
    const run = await startTsbpf(['-e', 'tracepoint:syscalls:sys_enter_getppid { @[pid] = count(); }']);
    const w = getppidWorkload();
    expect(await w.done).toBe(0);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('Attaching 1 probe...\n');
    expect(r.stdout.startsWith('\n\n@[')).toBe(true);
    expect(r.stdout).toContain(`\n@[${w.pid}]: ${GETPPIDS}\n`);
  });

  it('a predicate on $1 keeps only the workload', async () => {
    const w = getppidChild(GETPPIDS);
    const run = await startTsbpf(['-e', 'tracepoint:syscalls:sys_enter_getppid /pid == $1/ { @calls = count(); }', String(w.pid)]);
    w.go();
    expect(await w.exited).toBe(0);
    run.child.kill('SIGTERM');
    const r = await run.done;
    expect(r).toEqual({ code: 0, signal: null, stdout: `\n\n@calls: ${GETPPIDS}\n`, stderr: 'Attaching 1 probe...\n' });
  });

  it('kretprobe:sys_getppid falls back to sys_exit_getppid and reads retval', async () => {
    const w = getppidChild(10);
    const run = await startTsbpf(['-e', 'kretprobe:sys_getppid /pid == $1/ { @ret = max(retval); @n = count(); }', String(w.pid)]);
    w.go();
    expect(await w.exited).toBe(0);
    run.child.kill('SIGINT');
    const r = await run.done;
    // getppid() in the workload returns this test process's pid.
    expect(r).toEqual({
      code: 0,
      signal: null,
      stdout: `\n\n@n: 10\n@ret: ${process.pid}\n`,
      stderr:
        'kretprobe:sys_getppid: this kernel has no kprobes (CONFIG_KPROBES is off); attaching to tracepoint:syscalls:sys_exit_getppid instead\n' +
        'Attaching 1 probe...\n',
    });
  });

  it('tracepoint args and comm: the execve of a workload is seen', async () => {
    const run = await startTsbpf(['-e', 'tracepoint:syscalls:sys_enter_execve /str(args.filename) == "/bin/true"/ { printf("%s -> %s\\n", comm, str(args.filename)); exit(); }']);
    await runWorkload('/bin/sh', ['-c', '/bin/true']).done;
    const r = await run.done;
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('sh -> /bin/true\n\n\n');
  });

  for (const body of ['printf("Hello\\n")', 'printf("Hello")']) {
    it(`the design card: kprobe:sys_execve < ${body} > falls back to the execve tracepoint`, async () => {
      const run = await startTsbpf(['-e', `kprobe:sys_execve < ${body} >`]);
      await runWorkload('/bin/true', []).done;
      // Give the 10 ms reader a moment, then end the run as a user would, with Ctrl-C.
      await new Promise((r) => setTimeout(r, 200));
      run.child.kill('SIGINT');
      const r = await run.done;
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(body.includes('\\n') ? /^(Hello\n)+\n\n$/ : /^(Hello)+\n\n$/);
      expect(r.stderr).toBe(
        'kprobe:sys_execve: this kernel has no kprobes (CONFIG_KPROBES is off); attaching to tracepoint:syscalls:sys_enter_execve instead\n' +
          'Attaching 1 probe...\n',
      );
    });
  }

  it('SIGINT during a quiet run prints nothing but the two newlines', async () => {
    const run = await startTsbpf(['-e', 'tracepoint:syscalls:sys_enter_getppid /pid == 1/ { printf("never\\n"); }']);
    run.child.kill('SIGINT');
    expect(await run.done).toEqual({ code: 0, signal: null, stdout: '\n\n', stderr: 'Attaching 1 probe...\n' });
  });

  it('probes are detached before END runs, so what END clears stays cleared (as in bpftrace)', async () => {
    // raw_syscalls fire constantly (this test's own process makes syscalls): without detaching
    // them first, @n would be counted again between END's clear() and the map printing.
    // bpftrace 0.17 prints exactly this: a cleared scalar count() map still prints 0.
    const run = await startTsbpf(['-e', 'tracepoint:raw_syscalls:sys_enter { @n = count(); @m[cpu] = count(); } END { clear(@n); clear(@m); }']);
    await new Promise((r) => setTimeout(r, 200));
    run.child.kill('SIGINT');
    expect(await run.done).toEqual({ code: 0, signal: null, stdout: '\n\n\n@n: 0\n', stderr: 'Attaching 2 probes...\n' });
  });

  it('stdout closed early (| head) ends the run quietly', () => {
    const script = 'tracepoint:raw_syscalls:sys_enter { printf("line\\n"); }';
    const r = spawnSync('bash', ['-c', `${BIN} -q -e '${script}' | head -n 2; echo "status \${PIPESTATUS[0]}"`], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stdout).toBe('line\nline\nstatus 0\n');
    expect(r.stderr).toBe('');
  });
});
