import { execSync } from 'node:child_process';
import { readdirSync, readlinkSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Assembler } from '../../codegen/asm.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Reg } from '../../codegen/insn.ts';
import { EventKind, type BpfObject, type MapSpec, type PrintfLayout } from '../../codegen/object.ts';
import { alu, atomic, call, exit, imm, ldImm64, ldMapFd, ldx, mov, reg, st, stx } from '../../codegen/ops.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import type { TracepointFormat } from '../../lang/env.ts';
import { u64 } from '../../lang/types.ts';
import type { EventSink } from '../../runtime/events.ts';
import { libc } from '../../runtime/libc.ts';
import { Session } from '../../runtime/session.ts';
import { locateTracefs, Tracefs } from '../../runtime/tracefs.ts';
import { kernelAvailable } from '../support/kernel.ts';
import { checkedAttach, emitPidFilter, emitRecord, programSpec, spanAt } from './programs.ts';

const countMap: MapSpec = {
  name: '@',
  role: 'user',
  kind: 'percpu_hash',
  keySize: 8,
  valueSize: 8,
  maxEntries: 64,
  user: {
    info: { name: '@', keys: [u64], value: { kind: 'agg', fn: 'count', signed: false }, span: spanAt(1) },
    keyLayout: [{ offset: 0, type: u64 }],
  },
};
const internalMaps: MapSpec[] = [
  { name: '.events', role: 'events', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 1 << 16 },
  { name: '.lost', role: 'lost', kind: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 1 },
  { name: '.globals', role: 'globals', kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
];
const printf0: PrintfLayout = {
  id: 0,
  parts: [{ kind: 'conv', spec: '%lu', flags: '', length: 'l', conversion: 'u', arg: 0 }],
  args: [{ offset: 8, type: u64 }],
  size: 16,
};

/** r7 = *(u64 *)lookup(map, key 0), returning 0 if absent. */
function emitLoadElement0(a: Assembler, map: string): void {
  const ok = a.newLabel('ok');
  a.emit(st(4, Reg.R10, -32, 0), ldMapFd(Reg.R1, map), mov(Reg.R2, reg(Reg.R10)), alu('add', Reg.R2, imm(-32)), call(Helper.map_lookup_elem));
  a.jmp('jne', Reg.R0, imm(0), ok);
  a.emit(mov(Reg.R0, imm(0)), exit());
  a.bind(ok);
}

/** `@[tgid] = count()` for this process on syscalls:sys_enter_getppid. */
function countByTgid(pid: number) {
  return (a: Assembler) => {
    emitPidFilter(a, pid); // r6 = tgid
    const found = a.newLabel('found');
    const out = a.newLabel('out');
    a.emit(stx(8, Reg.R10, -8, Reg.R6), ldMapFd(Reg.R1, '@'), mov(Reg.R2, reg(Reg.R10)), alu('add', Reg.R2, imm(-8)), call(Helper.map_lookup_elem));
    a.jmp('jne', Reg.R0, imm(0), found);
    a.emit(
      st(8, Reg.R10, -16, 1),
      ldMapFd(Reg.R1, '@'),
      mov(Reg.R2, reg(Reg.R10)),
      alu('add', Reg.R2, imm(-8)),
      mov(Reg.R3, reg(Reg.R10)),
      alu('add', Reg.R3, imm(-16)),
      mov(Reg.R4, imm(1)), // BPF_NOEXIST
      call(Helper.map_update_elem),
    );
    a.ja(out);
    a.bind(found);
    a.emit(mov(Reg.R1, imm(1)), atomic('add', 8, Reg.R0, 0, Reg.R1));
    a.bind(out);
    a.emit(mov(Reg.R0, imm(0)), exit());
  };
}

function getppidFormat(): TracepointFormat {
  return new Tracefs(locateTracefs()).format('syscalls', 'sys_enter_getppid')!;
}

function buildObject(uniq: string): BpfObject {
  const begin = programSpec(`${uniq}_b`, 'raw_tracepoint', checkedAttach('BEGIN', { kind: 'begin' }), (a) => {
    // .lost[0] += 2 on this CPU, so lostEvents() has something to sum.
    emitLoadElement0(a, '.lost');
    a.emit(mov(Reg.R1, imm(2)), atomic('add', 8, Reg.R0, 0, Reg.R1));
    emitLoadElement0(a, '.globals');
    a.emit(ldx(8, Reg.R7, Reg.R0, 0));
    emitRecord(a, '.events', EventKind.Printf, 0);
    emitRecord(a, '.events', EventKind.PrintMap, 0);
    emitRecord(a, '.events', EventKind.ClearMap, 0);
    a.emit(mov(Reg.R7, imm(3)));
    emitRecord(a, '.events', EventKind.Exit, 0);
    a.emit(mov(Reg.R0, imm(0)), exit());
  });
  const tp = programSpec(
    `${uniq}_t`,
    'tracepoint',
    checkedAttach('tracepoint:syscalls:sys_enter_getppid', { kind: 'tracepoint', format: getppidFormat() }),
    countByTgid(process.pid),
    1,
  );
  const end = programSpec(`${uniq}_e`, 'raw_tracepoint', checkedAttach('END', { kind: 'end' }), (a) => {
    a.emit(ldImm64(Reg.R7, 7n));
    emitRecord(a, '.events', EventKind.Printf, 0);
    a.emit(mov(Reg.R0, imm(0)), exit());
  }, 2);
  return { license: 'GPL', maps: [countMap, ...internalMaps], programs: [begin, tp, end], printfs: [printf0] };
}

type Seen = ['printf', number, bigint] | ['exit', number] | ['printMap', number] | ['clearMap', number];

function recordingSink(seen: Seen[]): EventSink {
  return {
    printf: (layout, record) => seen.push(['printf', layout.id, record.getBigUint64(layout.args[0]!.offset, true)]),
    exit: (code) => seen.push(['exit', code]),
    printMap: (i) => seen.push(['printMap', i]),
    clearMap: (i) => seen.push(['clearMap', i]),
  };
}

/** Our kernel objects held by this process: `anon_inode:bpf-map`, `anon_inode:bpf-prog`, `anon_inode:[perf_event]`. */
function bpfFds(): string[] {
  const out: string[] = [];
  for (const fd of readdirSync('/proc/self/fd')) {
    try {
      const target = readlinkSync(`/proc/self/fd/${fd}`);
      if (/^anon_inode:(bpf-map|bpf-prog|bpf_link|\[perf_event\])$/.test(target)) out.push(target);
    } catch {
      // the fd used by readdir itself is gone by now
    }
  }
  return out.sort();
}

/** Names of loaded programs (any process) starting with `prefix`, per `bpftool prog show`. */
function programsNamed(prefix: string): string[] {
  const progs = JSON.parse(execSync('bpftool -j prog show').toString()) as { name?: string }[];
  return progs.map((p) => p.name ?? '').filter((n) => n.startsWith(prefix)).sort();
}

/** programsNamed once the kernel has had a moment to release programs whose last fd closed. */
async function programsLeft(prefix: string): Promise<string[]> {
  let names = programsNamed(prefix);
  for (let i = 0; i < 20 && names.length > 0; i++) {
    await new Promise((r) => setTimeout(r, 50));
    names = programsNamed(prefix);
  }
  return names;
}

describe.skipIf(!kernelAvailable)('Session', () => {
  it('runs BEGIN, counts a tracepoint, streams every event kind, reads and clears maps, runs END', () => {
    const before = bpfFds();
    const t0 = process.hrtime.bigint();
    const session = Session.open(buildObject('tsbpf_s1'));
    const t1 = process.hrtime.bigint();
    const seen: Seen[] = [];
    try {
      expect(bpfFds().length).toBe(before.length + 4 + 3);
      session.runBegin();
      expect(session.attachAll()).toBe(1);
      expect(bpfFds().filter((f) => f === 'anon_inode:[perf_event]').length).toBe(1);
      session.start(recordingSink(seen));
      const { getppid } = libc();
      for (let i = 0; i < 250; i++) getppid();
      expect(session.readMap(0)).toEqual([{ keys: [BigInt(process.pid)], value: 250n }]);
      session.clearMap(0);
      expect(session.readMap(0)).toEqual([]);
      session.runEnd();
      session.drain();
      expect(session.lostEvents()).toBe(2n);
    } finally {
      session.close();
    }
    session.close(); // idempotent
    expect(seen.length).toBe(5);
    const start = seen[0]!;
    expect(start[0]).toBe('printf');
    // BEGIN saw the start time the runtime wrote into .globals before loading.
    expect((start as ['printf', number, bigint])[2]).toBeGreaterThanOrEqual(t0);
    expect((start as ['printf', number, bigint])[2]).toBeLessThanOrEqual(t1);
    expect(seen.slice(1)).toEqual([['printMap', 0], ['clearMap', 0], ['exit', 3], ['printf', 0, 7n]]);
    expect(bpfFds()).toEqual(before);
  });

  it('leaves no fd and no program behind after close()', async () => {
    const before = bpfFds();
    const session = Session.open(buildObject('tsbpf_s2'));
    session.attachAll();
    session.start(recordingSink([]));
    expect(programsNamed('tsbpf_s2')).toEqual(['tsbpf_s2_b', 'tsbpf_s2_e', 'tsbpf_s2_t']);
    session.close();
    expect(bpfFds()).toEqual(before);
    expect(await programsLeft('tsbpf_s2')).toEqual([]);
    expect(() => session.readMap(0)).toThrow('session is closed');
  });

  it('turns a map the kernel refuses into a CompileError with a hint, closing the maps already made', () => {
    const before = bpfFds();
    const obj = buildObject('tsbpf_s5');
    // A ring buffer size that is not a page-aligned power of two: the kernel says EINVAL.
    const maps = obj.maps.map((m) => (m.role === 'events' ? { ...m, maxEntries: 12345 } : m));
    let error: unknown;
    try {
      Session.open({ ...obj, maps });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CompileError);
    const d = (error as CompileError).diagnostics[0]!;
    expect(d.message).toBe('creating ringbuf map .events failed: EINVAL (invalid argument)');
    expect(d.notes).toEqual(['HINT: this kernel has no BPF ring buffer (it needs Linux 5.8 or later)']);
    expect(bpfFds()).toEqual(before);
  });

  it('maps a verifier rejection to the span of the failing instruction and closes everything', async () => {
    const before = bpfFds();
    const obj = buildObject('tsbpf_s3');
    const bad = programSpec(
      'tsbpf_s3_bad',
      'tracepoint',
      checkedAttach('tracepoint:syscalls:sys_enter_getppid', { kind: 'tracepoint', format: getppidFormat() }, spanAt(1, 1, 37)),
      (a) => {
        a.withSpan(spanAt(2, 3, 4), () => a.emit(ldImm64(Reg.R3, 5n), mov(Reg.R0, imm(0))));
        // Reads through r2, which was never written: the verifier stops here (slot 3, insn 2).
        a.withSpan(spanAt(3, 5, 9), () => a.emit(ldx(8, Reg.R1, Reg.R2, 0)));
        a.withSpan(spanAt(4, 1, 1), () => a.emit(exit()));
      },
      3,
    );
    let err: unknown;
    try {
      Session.open({ ...obj, programs: [...obj.programs, bad] });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileError);
    const [d, ...rest] = (err as CompileError).diagnostics;
    expect(rest).toEqual([]);
    expect(d!.severity).toBe('error');
    expect(d!.message).toBe('the BPF verifier rejected the program for tracepoint:syscalls:sys_enter_getppid: R2 !read_ok');
    expect(d!.span).toEqual(spanAt(3, 5, 9));
    expect(d!.notes![0]).toBe('verifier log (last lines):');
    expect(d!.notes!.some((n) => n.includes('3: (79) r1 = *(u64 *)(r2 +0)'))).toBe(true);
    expect(bpfFds()).toEqual(before);
    expect(await programsLeft('tsbpf_s3')).toEqual([]);
  });

  it('detaches everything and names the probe when an attach fails', () => {
    const before = bpfFds();
    const obj = buildObject('tsbpf_s4');
    const bogus: TracepointFormat = { category: 'nope', event: 'nope', id: 0x7ffffff0, fields: [] };
    const second = programSpec(
      'tsbpf_s4_x',
      'tracepoint',
      checkedAttach('tracepoint:nope:nope', { kind: 'tracepoint', format: bogus }, spanAt(5, 1, 20)),
      (a) => a.emit(mov(Reg.R0, imm(0)), exit()),
      3,
    );
    const session = Session.open({ ...obj, programs: [...obj.programs, second] });
    let err: unknown;
    try {
      session.attachAll();
    } catch (e) {
      err = e;
    }
    expect(bpfFds().filter((f) => f === 'anon_inode:[perf_event]')).toEqual([]);
    session.close();
    expect(bpfFds()).toEqual(before);
    expect(err).toBeInstanceOf(CompileError);
    const d = (err as CompileError).diagnostics[0]!;
    expect(d.message).toBe(
      'cannot attach tracepoint:nope:nope: perf_event_open (tracepoint 2147483632) failed: EINVAL (invalid argument)',
    );
    expect(d.span).toEqual(spanAt(5, 1, 20));
    expect(d.notes).toEqual(['the kernel has no such probe point; check the name (e.g. with `tsbpf -l`)']);
  });

  it('reports a BEGIN program the kernel cannot test-run at the probe', () => {
    const begin = programSpec('tsbpf_s5_b', 'tracepoint', checkedAttach('BEGIN', { kind: 'begin' }, spanAt(1, 1, 5)), (a) =>
      a.emit(mov(Reg.R0, imm(0)), exit()),
    );
    const session = Session.open({ license: 'GPL', maps: [], programs: [begin], printfs: [] });
    let err: unknown;
    try {
      session.runBegin();
    } catch (e) {
      err = e;
    } finally {
      session.close();
    }
    expect(err).toBeInstanceOf(CompileError);
    expect((err as CompileError).diagnostics).toEqual([
      {
        severity: 'error',
        message: 'cannot run BEGIN: running program (BPF_PROG_TEST_RUN) failed: ENOTSUPP (operation not supported)',
        span: spanAt(1, 1, 5),
      },
    ]);
  });
});
