// Every construct the code generator emits must pass the real kernel verifier: a corpus of
// scripts, compiled through the real front end against the live kernel (or, for kprobe
// programs, a fake kernel with kprobes, since this one has none), each program loaded.
// BEGIN programs are also run once (BPF_PROG_TEST_RUN) and the maps they write are checked.
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, test } from 'vitest';
import { generate } from '../../codegen/gen/index.ts';
import { encodeProgram } from '../../codegen/encode.ts';
import type { BpfObject } from '../../codegen/object.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import type { KernelEnvironment } from '../../lang/env.ts';
import { SourceFile } from '../../lang/source.ts';
import { closeFd, LoadError, mapCreate, progTestRun } from '../../runtime/bpf-syscall.ts';
import { loadWithFieldRelocations } from '../../runtime/field-relocations.ts';
import { readMapEntries } from '../../runtime/maps.ts';
import { mapLookup } from '../../runtime/bpf-syscall.ts';
import { Symbolizer } from '../../runtime/symbolizer.ts';
import { stackMapName } from '../../codegen/object.ts';
import { possibleCpuCount } from '../../runtime/cpus.ts';
import type { MapEntry, Stack } from '../../runtime/events.ts';
import { LiveKernelEnvironment } from '../../runtime/kernel-env.ts';
import { fakeEnv } from '../support/fake-env.ts';
import { kernelAvailable } from '../support/kernel.ts';

interface Case {
  readonly script: string;
  readonly positionals?: readonly string[];
  /** Compile against a fake kernel that has kprobes (programs still load on this kernel). */
  readonly kprobes?: boolean;
  /** Needs relocated struct member loads (ppid): not compiled in helpers-only mode. */
  readonly relocatedOnly?: true;
}

/** Where cgroup v2 is mounted (cgroupid() needs a cgroup v2 directory). */
const CGROUP2 = readFileSync('/proc/mounts', 'utf8').split('\n').find((l) => l.split(' ')[2] === 'cgroup2')?.split(' ')[1] ?? '/sys/fs/cgroup';

const CORPUS: readonly Case[] = [
  { script: 'BEGIN { printf("hello\\n"); exit(); }' },
  // join() unrolls 16 element reads into a reserved 16 KiB record; in branches, with a separator,
  // and on an address that is no array at all (the reads fail and the list is empty).
  { script: 'tracepoint:syscalls:sys_enter_execve { join(args->argv); join(args.envp, ","); }' },
  { script: 'tracepoint:syscalls:sys_enter_execve { if (pid > 1) { join(args->argv, "--"); } else { $a = args->argv; join($a); } printf("%d\\n", TCP_ESTABLISHED); }' },
  { script: 'BEGIN { join(0); join((uint64)curtask->mm, " "); exit(); }' },
  { script: 'tracepoint:raw_syscalls:sys_enter { @ = count(); }' },
  // printf reserves its record in the ring and fills it in place: every shape of argument, in
  // branches and followed by exit(), must leave no path with the record unsubmitted.
  { script: 'tracepoint:syscalls:sys_enter_getppid { printf("%d %s\\n", pid, comm); }' },
  { script: 'tracepoint:syscalls:sys_enter_openat { printf("%d %u %d %s %s %s %s %d\\n", pid, tid, -5, comm, "lit", str(args.filename), str(args.filename, 8), args.flags); }' },
  { script: 'tracepoint:syscalls:sys_enter_openat { @x = 4; @p = args.filename; $s = comm; printf("%s %s %s %d %s\\n", str(@p), str(args.filename, @x), $s, @x, args.flags > 0 ? "a" : "b"); }' },
  { script: 'BEGIN { if (pid > 1) { printf("%d %s\\n", nsecs, comm); } else { printf("%s %d\\n", "no", cpu); } printf("%d %d %d %d\\n", uid, gid, elapsed, (int8)pid); exit(); }' },
  { script: 'tracepoint:syscalls:sys_enter_openat { $a = 1; $b = 2; $c = 3; @m[$a, $b] = 5; printf("%s %d %d %s\\n", str(args.filename), $a + $b * $c, @m[$a, $b], kstack(3)); if (pid == 7) { exit(); } printf("%d\\n", 1); }' },
  { script: 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }' },
  { script: 'tracepoint:syscalls:sys_enter_openat { printf("%s %d %s\\n", comm, pid, str(args.filename)); }' },
  { script: 'tracepoint:syscalls:sys_enter_openat /pid > 100 && comm != "bash"/ { @[comm, pid] = count(); }' },
  { script: 'tracepoint:syscalls:sys_exit_read /args.ret > 0/ { @bytes[comm] = sum(args.ret); @mn = min(args.ret); @mx = max(args.ret); @av = avg(args.ret); }' },
  { script: 'tracepoint:sched:sched_switch { @[args.prev_comm] = count(); printf("%s -> %s %d\\n", args.prev_comm, args.next_comm, args.next_pid); }' },
  { script: 'tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; } tracepoint:syscalls:sys_exit_read /@start[tid]/ { @lat = avg(nsecs - @start[tid]); delete(@start[tid]); }' },
  { script: 'BEGIN { $x = 1; $x += 5; $x *= 3; $x -= 1; $x /= 2; $x %= 7; $x <<= 2; $x >>= 1; $x &= 0xff; $x |= 0x100; $x ^= 3; @r = $x; }' },
  { script: 'BEGIN { $a = -5; $b = 3; @s = $a / $b; @t = $a >> 1; @u = $a < $b ? 1 : 0; @v = !$a; @w = ~$b; @y = -$b; }' },
  { script: 'BEGIN { $i = 0; $i++; ++$i; $i--; @c = $i++; @d = --$i; @e++; @e--; ++@e; @f = @e++; }' },
  { script: 'BEGIN { if (pid > 1) { printf("a\\n"); } else if (pid == 1) { printf("b\\n"); } else { printf("c\\n"); } }' },
  { script: 'BEGIN { @s = "hello"; @t["k"] = comm; $s = comm; if ($s == @s) { printf("%s\\n", $s); } @eq = $s == @t["k"]; }' },
  { script: 'BEGIN { printf("%d %u %x %s %s\\n", elapsed, uid, gid, probe, $1); }', positionals: ['abc'] },
  { script: 'BEGIN { printf("%d %d %d %d\\n", cpu, tid, nsecs, $#); }' },
  { script: 'interval:ms:100 { @ticks++; if (@ticks > 5) { exit(); } }' },
  { script: 'profile:hz:99 { @[cpu] = count(); }' },
  // e[i]: context array elements, user pointers to pointers, struct array members, BTF pointers.
  { script: 'tracepoint:raw_syscalls:sys_enter { @[args.args[0], args->args[5]] = count(); }' },
  { script: 'tracepoint:syscalls:sys_enter_execve { printf("%s %s %d\\n", str(args->argv[0]), str(args.argv[1]), args.filename[0]); }' },
  { script: 'BEGIN { @a = curtask->mm->saved_auxv[3]; @f = curtask->files->fdt->fd[2]->f_flags; $m = curtask->mm; @b = $m->saved_auxv[0] + 1; }' },
  { script: 'tracepoint:sock:inet_sock_set_state { @[ntop(args->saddr), ntop(args->daddr_v6), ntop(args->family, args->saddr_v6)] = count(); printf("%s\\n", ntop(args->daddr)); }' },
  { script: 'BEGIN { @a = ntop(curtask->comm); $s = (struct sock *)0; @b = ntop(10, $s->__sk_common.skc_v6_daddr.in6_u.u6_addr8); }' },
  { script: `tracepoint:syscalls:sys_enter_kill /cgroup != cgroupid("${CGROUP2}")/ { @[rand % 4, numaid, jiffies > 0] = count(); }` },
  { script: 'BEGIN { $k = kaddr("get_avenrun"); @a = *$k + *($k + 8); @b = *curtask->files->fdt->fd; @c = (*curtask->files->fdt->fd)->f_flags; }' },
  { script: 'tracepoint:syscalls:sys_enter_kill { @[ppid, comm, pcomm] = count(); if (pcomm == "bash") { printf("%s %s\\n", pcomm, comm); } } BEGIN { printf("%d\\n", ppid); }', relocatedOnly: true },
  { script: 'let @l = lruhash(16); let @p = percpulruhash(4); tracepoint:syscalls:sys_enter_kill { @l[pid] = nsecs; @p[comm] = count(); @s[cpu] = sum(1); }' },
  { script: 'tracepoint:syscalls:sys_enter_kill { cat("/proc/%d/status", pid); cat("/proc/loadavg"); }' },
  { script: 'tracepoint:syscalls:sys_enter_kill { @h[pid] = hist(args->sig); @l[comm] = lhist(args->sig, 0, 1000, 1); delete(@h, pid); if (delete(@l[comm])) { @gone = count(); } }' },
  { script: 'software:faults:100 { @[comm, kstack(3)] = count(); } hardware:cycles { @c = count(); }' },
  { script: 'BEGIN { @x[1] = 2; } END { print(@x); clear(@x); }' },
  { script: 'tracepoint:syscalls:sys_enter_execve { printf("%s\\n", str(args.filename, 32)); }' },
  { script: 'kprobe:sys_openat { printf("%d\\n", arg1); @[str(arg1)] = count(); }' },
  { script: 'kretprobe:sys_read { @ret = sum(retval); @neg = min(retval); }' },
  { script: 'kprobe:vfs_read { @[arg0, arg2] = count(); $p = arg1; printf("%d\\n", $p); }', kprobes: true },
  { script: 'kretprobe:vfs_read { @r = max(retval); @s[comm, retval] = count(); }', kprobes: true },
  { script: 'BEGIN { @a = 1; @b = @a + @a * 2 + (@a << 3); @c = (@a > 0 || @b < 3) && !(@a == 2); exit(3); }' },
  { script: 'tracepoint:syscalls:sys_enter_openat { $f = str(args.filename); if ($f == "/etc/passwd") { printf("%s %d\\n", $f, args.flags); } @[$f] = count(); }' },
  { script: 'BEGIN { $x = 0x123456789; @big = $x + 0xffffffffff; @m[1, "a", 2] = 3; }' },
  { script: 'tracepoint:syscalls:sys_enter_openat { @x = str(args.filename); } tracepoint:syscalls:sys_exit_openat { printf("%s %d\\n", @x, args.ret); }' },
  { script: 'BEGIN { @x = pid > 0 ? comm : "none"; @y = @x == "none" ? 1 : 2; }' },
  { script: 'BEGIN { exit(); @x = 1; } END { if (0) { @y = 1; } @z = 0 ? 1 : 2; @w = (0 && 0) + (1 << 64); }' },
  { script: 'BEGIN { @p = str($1); @q = $2 + 1; }', positionals: ['/tmp/x', '41'] },
  { script: 'tracepoint:syscalls:sys_enter_openat { @m[comm] = str(args.filename); printf("%s %s %d %x\\n", @m[comm], pid > 1 ? "big" : "small", -1, 255); delete(@m, comm); @n[1, 2] = 3; delete(@n[1, 2]); }' },
  { script: 'tracepoint:syscalls:sys_enter_openat, tracepoint:syscalls:sys_enter_open { @[probe, str(args.filename)] = count(); $x = args.flags; if ($x & 1 || $x > 5 && $x % 3 == 0) { @hits++; } else { @hits--; } }' },
  { script: 'tracepoint:syscalls:sys_enter_read { @n[pid] += args.count; @n[pid] -= 1; @q[comm] = str(args.buf, 8); }' },
  { script: 'tracepoint:syscalls:sys_exit_read { @ = hist(args.ret); @c[comm] = hist(args.ret); @l = lhist(args.ret, 0, 1000, 100); @s[pid] = stats(args.ret); }' },
  { script: 'tracepoint:syscalls:sys_enter_read { @start[tid] = nsecs; } tracepoint:syscalls:sys_exit_read /@start[tid]/ { @us[comm, pid] = hist((nsecs - @start[tid]) / 1000); @big = lhist(args.ret, 5000000000, 9000000000, 1000000000); delete(@start[tid]); }' },
  { script: 'BEGIN { @h = hist(5); @l[str($1)] = lhist(-1, 0, 10, 1); @s = stats(3); print(@h); clear(@l); }', positionals: ['x'] },
  { script: 'profile:hz:99 { @[kstack] = count(); @u[ustack(perf, 5), kstack(3)] = count(); }' },
  { script: 'tracepoint:syscalls:sys_enter_getppid { printf("%s %s %s %s\\n", kstack, ustack(2), ksym(args.__syscall_nr), usym(1)); @k[tid] = kstack(2); $s = ustack; @s[$s] = usym(2); $u = usym(3); @v = $u; @w[ksym(4)] = @v; }' },
  { script: 'BEGIN { @[kstack] = count(); $k = kstack(4); @k = $k; } END { printf("%s\\n", ustack); }' },
  { script: 'interval:ms:100 { @[kstack(perf, 8), ustack(8)] = count(); @t = pid > 1 ? kstack : kstack; @s[1] = cpu > 0 ? usym(1) : usym(2); }' },
  { script: 'uprobe:libc:getpid { printf("%s %s\\n", func, usym(arg0)); @[func, ustack] = count(); } uretprobe:libc:getpid { @r[func] = count(); }' },
  { script: 'kprobe:vfs_read { @[func, kstack] = count(); printf("%s\\n", ksym(arg0)); }', kprobes: true },
  // Kernel struct pointers through BTF.
  {
    script:
      'tracepoint:syscalls:sys_enter_getppid { $t = (struct task_struct *)curtask; @[curtask->pid, $t->real_parent->pid, str($t->comm), $t.real_parent.comm] = count(); ' +
      'printf("%d %s %d %d\\n", curtask->mm->map_count, str(curtask->fs->root.dentry->d_name.name), $t.se.on_rq, curtask->mm != 0 && $t->pid > 1); }',
  },
  {
    script:
      'kprobe:vfs_read { $f = (struct file *)arg0; @[str($f->f_path.dentry->d_name.name), $f->f_inode->i_ino, $f->f_path.dentry->d_name.len] = count(); ' +
      'if (((struct task_struct *)curtask)->real_parent->real_parent->pid == 1) { printf("%s\\n", $f->f_path.dentry->d_sb->s_id); } }',
    kprobes: true,
  },
];

/** kernelFields: read kernel struct members with CO-RE relocated loads (what this kernel gets). */
function compile(c: Case, env: KernelEnvironment, kernelFields = true): BpfObject {
  const source = new SourceFile('stdin', c.script);
  const { checked } = analyze(parse(source), env, { positionals: c.positionals ?? [] });
  return generate(checked, { ringBytes: 1 << 16, kernelFields });
}

/** Creates the object's maps and loads its programs; returns map fds by name and program fds. */
function load(obj: BpfObject, fds: number[]): { maps: Map<string, number>; progs: number[] } {
  const maps = new Map<string, number>();
  for (const m of obj.maps) {
    const fd = mapCreate({ kind: m.kind, keySize: m.keySize, valueSize: m.valueSize, maxEntries: m.maxEntries, name: m.name });
    fds.push(fd);
    maps.set(m.name, fd);
  }
  const progs: number[] = [];
  for (const p of obj.programs) {
    const insns = encodeProgram(p.insns, (name) => maps.get(name)!);
    try {
      const fd = loadWithFieldRelocations(p.insns, { progType: p.progType, insns, license: obj.license, name: p.name });
      fds.push(fd);
      progs.push(fd);
    } catch (e) {
      if (e instanceof LoadError) throw new Error(`${p.name} rejected (errno ${e.message}):\n${e.log.split('\n').slice(-30).join('\n')}`);
      throw e;
    }
  }
  return { maps, progs };
}

describe.skipIf(!kernelAvailable)('generated programs pass the kernel verifier', () => {
  const fds: number[] = [];
  afterAll(() => fds.forEach(closeFd));
  const live = kernelAvailable ? new LiveKernelEnvironment() : undefined;
  const withKprobes = { ...fakeEnv({ hasKprobes: true, symbols: ['vfs_read'] }), kernelTypes: () => live?.kernelTypes() };

  // Every script both ways: with kernel field relocations (kernels from 5.17) and without.
  test.each(CORPUS.flatMap((c) => [[c.script, 'relocated fields', c, true] as const, ...(c.relocatedOnly ? [] : [[c.script, 'helpers only', c, false] as const])]))('%s (%s)', (_, _mode, c, kernelFields) => {
    const obj = compile(c, c.kprobes ? withKprobes : live!, kernelFields);
    expect(obj.programs.length).toBeGreaterThan(0);
    const { progs } = load(obj, fds);
    expect(progs.length).toBe(obj.programs.length);
  });
});

/** Runs the script's BEGIN program once and returns its user maps' entries (stacks symbolized). */
function runBegin(script: string, positionals: readonly string[] = [], kernelFields = true): Map<string, MapEntry[]> {
  const fds: number[] = [];
  try {
    const obj = compile({ script, positionals }, new LiveKernelEnvironment(), kernelFields);
    const { maps, progs } = load(obj, fds);
    const begin = obj.programs.findIndex((p) => p.attach.resolved.kind === 'begin');
    progTestRun(progs[begin]!);
    const symbols = new Symbolizer((user, limit, id) => {
      const key = Buffer.alloc(4);
      key.writeUInt32LE(id);
      const value = Buffer.alloc(8 * limit);
      if (!mapLookup(maps.get(stackMapName(user, limit))!, key, value)) return undefined;
      return Array.from({ length: limit }, (_, i) => value.readBigUInt64LE(8 * i));
    });
    const out = new Map<string, MapEntry[]>();
    for (const m of obj.maps) if (m.role === 'user') out.set(m.name, readMapEntries(maps.get(m.name)!, m, possibleCpuCount(), symbols));
    return out;
  } finally {
    fds.forEach(closeFd);
  }
}

function scalar(maps: Map<string, MapEntry[]>, name: string): unknown {
  const e = maps.get(name);
  if (!e || e.length !== 1) return undefined;
  return e[0]!.value;
}

describe.skipIf(!kernelAvailable)('generated BEGIN programs compute bpftrace values', () => {
  test('compound assignments', () => {
    const m = runBegin('BEGIN { $x = 1; $x += 5; $x *= 3; $x -= 1; $x /= 2; $x %= 7; $x <<= 2; $x >>= 1; $x &= 0xff; $x |= 0x100; $x ^= 3; @r = $x; }');
    // 1+5=6, *3=18, -1=17, /2=8, %7=1, <<2=4, >>1=2, &0xff=2, |0x100=0x102, ^3=0x101
    expect(scalar(m, '@r')).toBe(0x101n);
  });

  test('signed arithmetic, unary operators and ternaries', () => {
    const m = runBegin('BEGIN { $a = -5; $b = 3; @t = $a >> 1; @u = $a < $b ? 1 : 0; @v = !$a; @w = ~$b; @y = -$b; }');
    expect([scalar(m, '@t'), scalar(m, '@u'), scalar(m, '@v'), scalar(m, '@w'), scalar(m, '@y')]).toEqual([-3n, 1n, 0n, -4n, -3n]);
  });

  test('increments and decrements, prefix and postfix', () => {
    const m = runBegin('BEGIN { $i = 0; $i++; ++$i; $i--; @c = $i++; @d = --$i; @e++; @e--; ++@e; @f = @e++; @g = ++@e; }');
    expect([scalar(m, '@c'), scalar(m, '@d'), scalar(m, '@e'), scalar(m, '@f'), scalar(m, '@g')]).toEqual([1n, 1n, 3n, 1n, 3n]);
  });

  test('map reads, short-circuit logic and large constants', () => {
    const m = runBegin('BEGIN { @a = 1; @b = @a + @a * 2 + (@a << 3); @c = (@a > 0 || @b < 3) && !(@a == 2); @h[1] = 5; @z = @h[2] + 7; $x = 0x123456789; @big = $x + 0xffffffffff; }');
    expect([scalar(m, '@b'), scalar(m, '@c'), scalar(m, '@z'), scalar(m, '@big')]).toEqual([11n, 1n, 7n, 0x123456789n + 0xffffffffffn]);
  });

  test('strings: literals, comm, comparisons and tuple keys', () => {
    const m = runBegin('BEGIN { @s = "hello"; $c = comm; @same = $c == comm; @diff = $c == "hello"; @k["a", 2] = 5; @t = $c != "x" ? "yes" : "no"; }');
    expect([scalar(m, '@s'), scalar(m, '@same'), scalar(m, '@diff'), scalar(m, '@t')]).toEqual(['hello', 1n, 0n, 'yes']);
    expect(m.get('@k')).toEqual([{ keys: ['a', 2n], value: 5n }]);
  });

  test('comm is this thread\'s name, with kernel field relocations and with the helper', () => {
    const name = readFileSync('/proc/thread-self/comm', 'latin1').replace(/\n$/, '');
    for (const kernelFields of [true, false]) {
      const m = runBegin('BEGIN { @c = comm; @k[comm] = 1; $c = comm; @len = $c == comm; }', [], kernelFields);
      expect([scalar(m, '@c'), m.get('@k'), scalar(m, '@len')]).toEqual([name, [{ keys: [name], value: 1n }], 1n]);
    }
  });

  test('aggregations', () => {
    const m = runBegin('BEGIN { @n = count(); @n = count(); @s = sum(5); @s = sum(-2); @lo = min(4); @lo = min(-3); @hi = max(4); @hi = max(9); @av = avg(10); @av = avg(20); }');
    expect([scalar(m, '@n'), scalar(m, '@s'), scalar(m, '@lo'), scalar(m, '@hi'), scalar(m, '@av')]).toEqual([2n, 3n, -3n, 9n, { sum: 30n, count: 2n }]);
  });

  test('hist, lhist and stats', () => {
    const m = runBegin('BEGIN { $v = 1500; @h = hist($v); @h = hist(-1); @h = hist(1500); @l["k"] = lhist($v, 0, 2000, 500); @s = stats($v); @s = stats(-2); @s = stats(4); }');
    const h = new Array<bigint>(65).fill(0n);
    h[0] = 1n;
    h[12] = 2n;
    expect(scalar(m, '@h')).toEqual({ buckets: h });
    expect(m.get('@l')).toEqual([{ keys: ['k'], value: { buckets: [0n, 0n, 0n, 0n, 1n, 0n] } }]);
    expect(scalar(m, '@s')).toEqual({ count: 3n, total: 1502n });
  });

  test('kernel struct pointers: curtask is this thread, its fields read through BTF, NULL reads 0', () => {
    const m = runBegin(
      'BEGIN { @tgid = curtask->tgid; @ppid = curtask->real_parent->tgid; @same = (struct task_struct *)curtask == curtask; ' +
        '@null = ((struct task_struct *)0)->pid; @nullc = ((struct task_struct *)0)->comm; @mm = curtask->mm->mm_users.counter > 0; }',
    );
    expect([scalar(m, '@tgid'), scalar(m, '@ppid'), scalar(m, '@same'), scalar(m, '@null'), scalar(m, '@nullc'), scalar(m, '@mm')]).toEqual([
      BigInt(process.pid), BigInt(process.ppid), 1n, 0n, '', 1n,
    ]);
  });

  test('nested conditions inside arithmetic keep the left operand', () => {
    const m = runBegin('BEGIN { $a = 5; @r = $a + ($a > 2 ? 10 : 20); @s = (nsecs > 0 ? 1 : 2) + ($a > 9 ? 100 : 200); @t = $a * ($a == 5) - ($a != 5 || $a < 3); @u = pid > 0 ? (pid > 1 ? 7 : 8) : 9; }');
    expect([scalar(m, '@r'), scalar(m, '@s'), scalar(m, '@t'), scalar(m, '@u')]).toEqual([15n, 201n, 5n, 7n]);
  });

  test('deep expressions with helper calls spill past r7-r9', () => {
    const m = runBegin('BEGIN { @a = 1; @r = @a + (@a * 2 + (@a * 3 + (@a * 4 + (@a * 5 + (@a * 6 + @a))))); @q = 100 - (@a - (@a * 10 - (@a * 20 - (@a * 40 - @a)))); }');
    // 1+2+3+4+5+6+1 = 22; 100 - (1 - (10 - (20 - (40 - 1)))) = 100 - (1 - (10 - (-19))) = 128
    expect([scalar(m, '@r'), scalar(m, '@q')]).toEqual([22n, 128n]);
  });

  test('compound assignments on map elements', () => {
    const m = runBegin('BEGIN { @m["k"] += 5; @m["k"] += 3; @m["k"] -= 1; @m["k"] *= nsecs > 0 ? 2 : 3; $x = 10; $x -= @m["k"]; @x = $x; }');
    expect(m.get('@m')).toEqual([{ keys: ['k'], value: 14n }]);
    expect(scalar(m, '@x')).toBe(-4n);
  });

  test('constant conditions wrap to 64 bits', () => {
    const m = runBegin('BEGIN { @a = !~18446744073709551615; @b = ~18446744073709551615 ? 5 : 6; @c = -18446744073709551615 == 1; }');
    expect([scalar(m, '@a'), scalar(m, '@b'), scalar(m, '@c')]).toEqual([1n, 6n, 1n]);
  });

  test('kstack in BEGIN is the BPF_PROG_TEST_RUN path; ksym names a kernel address', () => {
    const m = runBegin('BEGIN { @[kstack(4)] = count(); @k = ksym(0); @u = usym(1); @e[ustack] = count(); }');
    const [entry] = m.get('@')!;
    const frames = (entry!.keys[0] as Stack).frames;
    expect(frames.length).toBe(4);
    expect(frames[0]).toMatch(/^bpf_prog_[0-9a-f]+_BEGIN\+\d+$/);
    expect(frames.slice(1)).toEqual([expect.stringMatching(/^__bpf_prog_test_run_raw_tp\+\d+$/), expect.stringMatching(/^bpf_prog_test_run_raw_tp\+\d+$/), expect.stringMatching(/^__sys_bpf\+\d+$/)]);
    expect([scalar(m, '@k'), scalar(m, '@u')]).toEqual(['0', '0x1']);
    // BEGIN runs in this process (BPF_PROG_TEST_RUN), so its user stack is node's own.
    expect((m.get('@e')![0]!.keys[0] as Stack).frames.length).toBeGreaterThan(0);
  });

  test('constant shift amounts are masked to 6 bits like register ones', () => {
    const m = runBegin('BEGIN { $s = 65; @r = 1 << $s; @c = 1 << 65; @n = 1 << -1; }');
    expect([scalar(m, '@r'), scalar(m, '@c'), scalar(m, '@n')]).toEqual([2n, 2n, -0x8000000000000000n]);
  });

  test('positional parameters are constants', () => {
    const m = runBegin('BEGIN { @p = str($1); @q = $2 + 1; @n = $#; }', ['/tmp/x', '41']);
    expect([scalar(m, '@p'), scalar(m, '@q'), scalar(m, '@n')]).toEqual(['/tmp/x', 42n, 2n]);
  });

  test('division and modulo by zero follow BPF', () => {
    const m = runBegin('BEGIN { $z = 0; @d = 7 / $z; @m = 7 % $z; @dc = 7 / 0; @mc = 7 % 0; }');
    expect([scalar(m, '@d'), scalar(m, '@m'), scalar(m, '@dc'), scalar(m, '@mc')]).toEqual([0n, 7n, 0n, 7n]);
  });
});
