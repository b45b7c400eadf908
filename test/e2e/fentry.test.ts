// fentry/fexit end to end on the live kernel. On a kernel without tracing programs (this
// project's build VM) they are a clear error, except syscalls, which fall back to the syscall
// tracepoints with a notice. Real fentry/fexit runs are in test/vm/kprobe.mjs (a second kernel),
// and here too when the host kernel has them.
import { describe, expect, it } from 'vitest';
import { Btf } from '../../runtime/btf.ts';
import { canRunTracingPrograms } from '../../runtime/fentry-support.ts';
import { kernelAvailable } from '../support/kernel.ts';
import { getppidChild, startTsbpf, tsbpf } from './cli.ts';

const fentryHere = kernelAvailable && canRunTracingPrograms(Btf.readVmlinux());


describe.skipIf(!kernelAvailable || fentryHere)('fentry/fexit on a kernel that cannot run them (live kernel)', () => {
  it('fentry on an ordinary function is a clear error at the attach point', () => {
    expect(tsbpf(['-e', 'fentry:vfs_read { @ = count(); }'])).toEqual({
      code: 1,
      signal: null,
      stdout: '',
      stderr:
        'stdin:1:1-16: ERROR: fentry:vfs_read: this kernel cannot run fentry/fexit programs (BPF_PROG_TYPE_TRACING), so kernel functions cannot be probed this way\n' +
        'fentry:vfs_read { @ = count(); }\n' +
        '~~~~~~~~~~~~~~~\n' +
        "HINT: this kernel has no kprobes either; use a tracepoint instead (list them with: tsbpf -l 'tracepoint:*')\n",
    });
  });

  it('fentry:sys_NAME falls back to sys_enter_NAME with a notice and counts exactly', async () => {
    const w = getppidChild(100);
    const run = await startTsbpf(['-e', 'fentry:sys_getppid /pid == $1/ { @n = count(); }', String(w.pid)]);
    w.go();
    expect(await w.exited).toBe(0);
    run.child.kill('SIGINT');
    expect(await run.done).toEqual({
      code: 0,
      signal: null,
      stdout: '\n\n@n: 100\n',
      stderr:
        'fentry:sys_getppid: this kernel cannot run fentry/fexit programs (BPF_PROG_TYPE_TRACING); attaching to tracepoint:syscalls:sys_enter_getppid instead\n' +
        'Attaching 1 probe...\n',
    });
  });

  it('fexit:__x64_sys_NAME falls back to sys_exit_NAME and reads retval', async () => {
    const w = getppidChild(10);
    const run = await startTsbpf(['-e', 'kretfunc:__x64_sys_getppid /pid == $1/ { @ret = max(retval); }', String(w.pid)]);
    w.go();
    expect(await w.exited).toBe(0);
    run.child.kill('SIGINT');
    expect(await run.done).toEqual({
      code: 0,
      signal: null,
      // getppid() in the child returns this test process's pid.
      stdout: `\n\n@ret: ${process.pid}\n`,
      stderr:
        'fexit:__x64_sys_getppid: this kernel cannot run fentry/fexit programs (BPF_PROG_TYPE_TRACING); attaching to tracepoint:syscalls:sys_exit_getppid instead\n' +
        'Attaching 1 probe...\n',
    });
  });
});

describe.skipIf(!kernelAvailable || !fentryHere)('fentry/fexit on a kernel that runs them (live kernel)', () => {
  it('fexit:__x64_sys_getppid sees every call of the child and its retval', async () => {
    const w = getppidChild(10);
    const run = await startTsbpf(['-e', 'fexit:__x64_sys_getppid /pid == $1/ { @ret = max(retval); @n = count(); }', String(w.pid)]);
    w.go();
    expect(await w.exited).toBe(0);
    run.child.kill('SIGINT');
    expect(await run.done).toEqual({ code: 0, signal: null, stdout: `\n\n@n: 10\n@ret: ${process.pid}\n`, stderr: 'Attaching 1 probe...\n' });
  });
});
