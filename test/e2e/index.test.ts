// e[i] on the live kernel, byte for byte as bpftrace 0.17 where it is installed: a tracepoint
// array field, a tracepoint pointer-to-pointers field (execve's argv), a kernel struct array
// member and a pointer to pointers from BTF.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { hasCommand, tsbpf } from './cli.ts';

const bpftrace = (args: readonly string[]): string => execFileSync('bpftrace', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });

// kill(1, 0): raw_syscalls' args[0] and args[1].
// bpftrace 0.17 knows only `args->`; `args.` is checked separately.
const RAW = 'tracepoint:raw_syscalls:sys_enter /pid == cpid && args->id == 62/ { printf("%d %d %d\\n", args->id, args->args[0], args->args[1]); }';
const ARGV = 'tracepoint:syscalls:sys_enter_execve /pid == cpid/ { printf("%s|%s|%s|%c\\n", str(args->argv[0]), str(args->argv[1]), str(args->argv[2]), args->filename[1]); }';
// The first auxv entry is AT_SYSINFO_EHDR (33); fd 1, the pipe the test reads, is writable.
const BTF = 'BEGIN { printf("%d %d\\n", curtask->mm->saved_auxv[0], (curtask->files->fdt->fd[1]->f_flags & 3) > 0); exit(); }';

describe.skipIf(!kernelAvailable)('indexing (live kernel)', () => {
  it('tracepoint array fields: raw_syscalls args[N]', () => {
    expect(tsbpf(['-q', '-c', '/bin/kill -0 1', '-e', RAW]).stdout).toBe('62 1 0\n\n\n');
  });

  it('args.f[i] is args->f[i]', () => {
    expect(tsbpf(['-q', '-c', '/bin/kill -0 1', '-e', RAW.replaceAll('args->', 'args.')]).stdout).toBe('62 1 0\n\n\n');
  });

  it('tracepoint pointer fields: execve argv[N] and a byte of filename', () => {
    expect(tsbpf(['-q', '-c', '/bin/true a bcd', '-e', ARGV]).stdout).toBe('/bin/true|a|bcd|b\n\n\n');
  });

  it('kernel struct array members and pointers to pointers', () => {
    expect(tsbpf(['-q', '-e', BTF]).stdout).toBe('33 1\n\n\n');
  });

  it.skipIf(!hasCommand('bpftrace'))('prints what the installed bpftrace prints', () => {
    expect(tsbpf(['-q', '-c', '/bin/kill -0 1', '-e', RAW]).stdout).toBe(bpftrace(['-q', '-c', '/bin/kill -0 1', '-e', RAW]));
    expect(tsbpf(['-q', '-c', '/bin/true a bcd', '-e', ARGV]).stdout).toBe(bpftrace(['-q', '-c', '/bin/true a bcd', '-e', ARGV]));
    expect(tsbpf(['-q', '-e', BTF]).stdout).toBe(bpftrace(['-q', '-e', BTF]));
  });
});

// One IPv4 and one IPv6 connection over loopback, made by the -c command itself.
const CONNECT = [
  'import socket',
  "s = socket.socket(); s.bind(('127.0.0.1', 0)); s.listen(); c = socket.create_connection(s.getsockname()); c.close(); s.close()",
  "s = socket.socket(socket.AF_INET6); s.bind(('::1', 0)); s.listen(); c = socket.create_connection(s.getsockname()[:2]); c.close(); s.close()",
].join('\n');
const SOCK = 'tracepoint:sock:inet_sock_set_state /pid == cpid/ { @[args->family, ntop(args->saddr), ntop(args->daddr_v6), ntop(args->family, args->saddr_v6)] = count(); }';

describe.skipIf(!kernelAvailable || !hasCommand('python3'))('ntop() of byte array fields (live kernel)', () => {
  it('formats 4-byte fields as IPv4, 16-byte fields as IPv6, and an explicit family as given', () => {
    const r = tsbpf(['-q', '-c', `${process.env.PYTHON ?? '/usr/bin/python3'} -c "${CONNECT}"`, '-e', SOCK]);
    expect(r.code).toBe(0);
    const keys = [...r.stdout.matchAll(/^@\[(.*)\]: \d+$/gm)].map((m) => m[1]);
    // With family 2, the first 4 bytes of the (IPv4-mapped) IPv6 field, as bpftrace does.
    expect(keys).toContain('2, 127.0.0.1, ::ffff:127.0.0.1, 0.0.0.0');
    expect(keys).toContain('10, 0.0.0.0, ::1, ::1');
  });
});

// kaddr() is resolved from /proc/kallsyms when the script is compiled; `*` reads the u64 there
// (here the first instruction bytes of a function: this kernel lists no data symbols).
const KADDR = 'BEGIN { $k = kaddr("get_avenrun"); printf("%d %d %x\\n", $k > 0, *$k, *($k + 8)); exit(); }';

describe.skipIf(!kernelAvailable)('kaddr() and * (live kernel)', () => {
  it('reads kernel memory at a symbol\'s address', () => {
    const r = tsbpf(['-q', '-e', KADDR]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^1 \d+ [0-9a-f]+\n\n\n$/);
  });

  it('an unknown symbol is an error with a hint', () => {
    const r = tsbpf(['-e', 'BEGIN { @ = *kaddr("no_such_symbol_tsbpf"); }']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('ERROR: Failed to resolve kernel symbol: no_such_symbol_tsbpf');
  });

  it.skipIf(!hasCommand('bpftrace'))('reads what the installed bpftrace reads', () => {
    expect(tsbpf(['-q', '-e', KADDR]).stdout).toBe(bpftrace(['-q', '-e', KADDR]));
  });
});
