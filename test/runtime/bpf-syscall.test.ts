import { describe, expect, it } from 'vitest';
import { Assembler } from '../../codegen/asm.ts';
import { encodeProgram } from '../../codegen/encode.ts';
import { Reg } from '../../codegen/insn.ts';
import { Helper } from '../../codegen/helpers.ts';
import { alu, call, exit, imm, ldMapFd, ldx, mov, reg, st, stx } from '../../codegen/ops.ts';
import {
  BPF_NOEXIST,
  kernelObjectName,
  LoadError,
  mapCreate,
  mapDelete,
  mapGetNextKey,
  mapLookup,
  mapUpdate,
  progLoad,
  progTestRun,
} from '../../runtime/bpf-syscall.ts';
import { closeFd, SyscallError } from '../../runtime/libc.ts';
import { readRawEntries } from '../../runtime/maps.ts';
import { kernelAvailable } from '../support/kernel.ts';
import { countingProgram, emitArrayIncrement } from './programs.ts';

const u32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n);
  return b;
};
const u64 = (n: bigint) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64LE(n);
  return b;
};

function assemble(build: (a: Assembler) => void, resolve: (name: string) => number = () => 0): Buffer {
  const a = new Assembler();
  build(a);
  return encodeProgram(a.finish().insns, resolve);
}

describe('kernelObjectName', () => {
  it('keeps 15 chars of [A-Za-z0-9_.] and replaces the rest', () => {
    expect(kernelObjectName('@counts')).toBe('_counts');
    expect(kernelObjectName('tracepoint:syscalls:sys_enter_openat')).toBe('tracepoint_sysc');
    expect(kernelObjectName('.events')).toBe('.events');
  });
});

describe.skipIf(!kernelAvailable)('bpf(2) maps', () => {
  it('creates, updates, looks up, iterates and deletes hash map entries', () => {
    const fd = mapCreate({ kind: 'hash', keySize: 4, valueSize: 8, maxEntries: 16, name: '@test map' });
    try {
      expect(mapLookup(fd, u32(1), Buffer.alloc(8))).toBe(false);
      for (let k = 1; k <= 3; k++) mapUpdate(fd, u32(k), u64(BigInt(k * 100)));
      const v = Buffer.alloc(8);
      expect(mapLookup(fd, u32(2), v)).toBe(true);
      expect(v.readBigUInt64LE()).toBe(200n);
      expect(() => mapUpdate(fd, u32(2), u64(1n), BPF_NOEXIST)).toThrow('map update failed: EEXIST (already exists)');

      const entries = readRawEntries(fd, 4, 8)
        .map((e) => [e.key.readUInt32LE(), e.value.readBigUInt64LE()] as const)
        .sort((a, b) => a[0] - b[0]);
      expect(entries).toEqual([
        [1, 100n],
        [2, 200n],
        [3, 300n],
      ]);

      expect(mapDelete(fd, u32(2))).toBe(true);
      expect(mapDelete(fd, u32(2))).toBe(false);
      const first = Buffer.alloc(4);
      expect(mapGetNextKey(fd, null, first)).toBe(true);
      const second = Buffer.alloc(4);
      expect(mapGetNextKey(fd, first, second)).toBe(true);
      expect([first.readUInt32LE(), second.readUInt32LE()].sort()).toEqual([1, 3]);
      expect(mapGetNextKey(fd, second, Buffer.alloc(4))).toBe(false);
    } finally {
      closeFd(fd);
    }
  });

  it('reports a bad map as a SyscallError with the errno name', () => {
    let err: unknown;
    try {
      mapCreate({ kind: 'hash', keySize: 0, valueSize: 8, maxEntries: 1 });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(SyscallError);
    expect((err as SyscallError).code).toBe('EINVAL');
    expect((err as SyscallError).message).toBe('creating hash map failed: EINVAL (invalid argument)');
  });
});

describe.skipIf(!kernelAvailable)('bpf(2) programs', () => {
  it('loads a valid program', () => {
    const insns = assemble((a) => a.emit(mov(Reg.R0, imm(0)), exit()));
    const fd = progLoad({ progType: 'raw_tracepoint', insns, license: 'GPL', name: 'ok_prog' });
    expect(fd).toBeGreaterThan(2);
    closeFd(fd);
  });

  it('returns the verifier log for an invalid program', () => {
    // Reads through r2, which was never written.
    const insns = assemble((a) => a.emit(mov(Reg.R0, imm(0)), ldx(8, Reg.R1, Reg.R2, 0), exit()));
    let err: unknown;
    try {
      progLoad({ progType: 'raw_tracepoint', insns, license: 'GPL', name: 'bad_prog' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LoadError);
    const le = err as LoadError;
    expect(le.code).toBe('EACCES');
    expect(le.log).toContain('1: (79) r1 = *(u64 *)(r2 +0)');
    expect(le.log).toContain('R2 !read_ok');
  });

  it('runs a raw_tracepoint program with BPF_PROG_TEST_RUN, which writes a map', () => {
    const map = mapCreate({ kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'counter' });
    try {
      const insns = assemble(
        (a) => {
          emitArrayIncrement(a, 'counter');
          a.emit(mov(Reg.R0, imm(7)), exit());
        },
        () => map,
      );
      const prog = progLoad({ progType: 'raw_tracepoint', insns, license: 'GPL', name: 'test_run' });
      try {
        expect(progTestRun(prog)).toBe(7);
        expect(progTestRun(prog)).toBe(7);
        const v = Buffer.alloc(8);
        expect(mapLookup(map, u32(0), v)).toBe(true);
        expect(v.readBigUInt64LE()).toBe(2n);
      } finally {
        closeFd(prog);
      }
    } finally {
      closeFd(map);
    }
  });

  it('test-runs in the calling process (pid filter passes)', () => {
    const map = mapCreate({ kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'counter' });
    const insns = assemble(countingProgram(process.pid, 'counter'), () => map);
    const prog = progLoad({ progType: 'raw_tracepoint', insns, license: 'GPL', name: 'pid_run' });
    progTestRun(prog);
    const v = Buffer.alloc(8);
    mapLookup(map, u32(0), v);
    closeFd(prog);
    closeFd(map);
    expect(v.readBigUInt64LE()).toBe(1n);
  });
});

describe.skipIf(!kernelAvailable)('clocks', () => {
  it('bpf_ktime_get_ns is the clock of process.hrtime (CLOCK_MONOTONIC)', () => {
    const map = mapCreate({ kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'clock' });
    const insns = assemble(
      (a) => {
        a.emit(call(Helper.ktime_get_ns), mov(Reg.R6, reg(Reg.R0)), st(4, Reg.R10, -4, 0), ldMapFd(Reg.R1, 'clock'));
        a.emit(mov(Reg.R2, reg(Reg.R10)), alu('add', Reg.R2, imm(-4)), call(Helper.map_lookup_elem));
        const none = a.newLabel();
        a.jmp('jeq', Reg.R0, imm(0), none);
        a.emit(stx(8, Reg.R0, 0, Reg.R6));
        a.bind(none);
        a.emit(mov(Reg.R0, imm(0)), exit());
      },
      () => map,
    );
    const prog = progLoad({ progType: 'raw_tracepoint', insns, license: 'GPL', name: 'clock' });
    const t0 = process.hrtime.bigint();
    progTestRun(prog);
    const t1 = process.hrtime.bigint();
    const v = Buffer.alloc(8);
    mapLookup(map, u32(0), v);
    closeFd(prog);
    closeFd(map);
    expect(v.readBigUInt64LE()).toBeGreaterThanOrEqual(t0);
    expect(v.readBigUInt64LE()).toBeLessThanOrEqual(t1);
  });
});
