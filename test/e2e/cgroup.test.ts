// cgroup, cgroupid(), ppid and the other small builtins on the live kernel.
import { existsSync, mkdirSync, readFileSync, rmdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { tsbpf, uniqueTag } from './cli.ts';

/** Where cgroup v2 is mounted, if it is. */
function cgroup2Mount(): string | undefined {
  const line = readFileSync('/proc/mounts', 'utf8').split('\n').find((l) => l.split(' ')[2] === 'cgroup2');
  return line?.split(' ')[1];
}

describe.skipIf(!kernelAvailable)('cgroup builtins (live kernel)', () => {
  it.skipIf(!cgroup2Mount())('cgroup is the id cgroupid() finds for the directory a process was moved into', () => {
    const cg = join(cgroup2Mount()!, `tsbpf-${uniqueTag()}`);
    mkdirSync(cg);
    try {
      const child = `/bin/sh -c "echo \\$\\$ > ${cg}/cgroup.procs; exec /bin/kill -0 1"`;
      const r = tsbpf(['-q', '-c', child, '-e', `tracepoint:syscalls:sys_enter_kill /cgroup == cgroupid("${cg}")/ { @[args->pid, args->sig] = count(); }`]);
      expect(r).toEqual({ code: 0, signal: null, stdout: '\n\n@[1, 0]: 1\n', stderr: '' });
    } finally {
      rmdirSync(cg);
    }
  });

  it('cgroupid() of a directory that is not cgroup v2 is an error naming it', () => {
    const r = tsbpf(['-e', 'BEGIN { @ = cgroupid("/tmp"); }']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: Failed to get `cgroupid` for path: "/tmp": not a cgroup v2 directory');
  });

  it('rand, jiffies and numaid have values', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { printf("%d %d %d\\n", rand == rand, jiffies > 0, numaid >= 0); exit(); }']);
    expect(r.stdout).toMatch(/^[01] 1 1\n\n\n$/);
  });
});

describe.skipIf(!kernelAvailable)('ppid (live kernel)', () => {
  it('is the parent of the current process: for BEGIN, whoever started tsbpf; pcomm is its comm', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { printf("%d %s\\n", ppid, pcomm); exit(); }']);
    const comm = readFileSync('/proc/self/comm', 'utf8').trim();
    expect(r.stdout).toBe(`${process.pid} ${comm}\n\n\n`);
  });
});

describe.skipIf(!kernelAvailable || !existsSync('/usr/include/x86_64-linux-gnu/sys/socket.h'))('#include of a system header (live kernel)', () => {
  it('brings in its constants (AF_INET from <sys/socket.h>), and a kernel-internal header is ignored', () => {
    const r = tsbpf(['-q', '-e', '#include <sys/socket.h>\n#include <net/sock.h>\nBEGIN { printf("%d %d\\n", AF_INET, AF_INET6); exit(); }']);
    expect(r.stdout).toBe('2 10\n\n\n');
  });
});
