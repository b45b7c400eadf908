import { describe, expect, it } from 'vitest';
import type { MapSpec } from '../../codegen/object.ts';
import type { MapInfo } from '../../lang/checked.ts';
import { s32, stringType, u64, type Type } from '../../lang/types.ts';
import { mapCreate, mapUpdate } from '../../runtime/bpf-syscall.ts';
import { possibleCpuCount } from '../../runtime/cpus.ts';
import { closeFd } from '../../runtime/libc.ts';
import { clearMapEntries, decodeMapEntry, lookupValueSize, readMapEntries } from '../../runtime/maps.ts';
import { kernelAvailable } from '../support/kernel.ts';
import { spanAt } from './programs.ts';
import { parseCpuList } from '../../runtime/cpus.ts';

function userMap(kind: MapSpec['kind'], keys: readonly { offset: number; type: Type }[], keySize: number, value: Type, valueSize: number): MapSpec {
  const info: MapInfo = { name: '@m', keys: keys.map((k) => k.type), value, span: spanAt(1) };
  return { name: '@m', role: 'user', kind, keySize, valueSize, maxEntries: 64, user: { info, keyLayout: keys } };
}

/** `copies` per-CPU values of 8-byte-aligned `words`-long u64 arrays. */
function perCpu(...copies: bigint[][]): Buffer {
  const stride = copies[0]!.length * 8;
  const b = Buffer.alloc(stride * copies.length);
  copies.forEach((words, c) => words.forEach((w, i) => b.writeBigInt64LE(BigInt.asIntN(64, w), c * stride + i * 8)));
  return b;
}

describe('parseCpuList', () => {
  it('parses ranges and singles', () => {
    expect(parseCpuList('0-3,5,7-8\n')).toEqual([0, 1, 2, 3, 5, 7, 8]);
    expect(parseCpuList('0\n')).toEqual([0]);
    expect(() => parseCpuList('a-b')).toThrow('unexpected CPU list: a-b');
  });
});

describe('decodeMapEntry', () => {
  it('decodes int and string keys and a plain int value', () => {
    const spec = userMap('hash', [{ offset: 0, type: s32 }, { offset: 4, type: stringType(8) }], 12, s32, 4);
    const key = Buffer.alloc(12);
    key.writeInt32LE(-5, 0);
    key.write('bash\0xyz', 4, 'latin1');
    const value = Buffer.alloc(4);
    value.writeInt32LE(-42);
    expect(decodeMapEntry(spec, key, value, 1)).toEqual({ keys: [-5n, 'bash'], value: -42n });
  });

  it('decodes a string that fills its buffer without a NUL', () => {
    const spec = userMap('hash', [{ offset: 0, type: u64 }], 8, stringType(4), 4);
    expect(decodeMapEntry(spec, Buffer.alloc(8), Buffer.from('abcd'), 1)).toEqual({ keys: [0n], value: 'abcd' });
  });

  it('folds per-CPU count and signed sum', () => {
    const count = userMap('percpu_hash', [], 4, { kind: 'agg', fn: 'count', signed: false }, 8);
    expect(decodeMapEntry(count, Buffer.alloc(4), perCpu([3n], [4n]), 2).value).toBe(7n);
    const sum = userMap('percpu_hash', [], 4, { kind: 'agg', fn: 'sum', signed: true }, 8);
    expect(decodeMapEntry(sum, Buffer.alloc(4), perCpu([-10n], [4n], [1n]), 3).value).toBe(-5n);
  });

  it('folds min/max only over CPUs whose set flag is on', () => {
    const min = userMap('percpu_hash', [], 4, { kind: 'agg', fn: 'min', signed: true }, 16);
    expect(decodeMapEntry(min, Buffer.alloc(4), perCpu([0n, 0n], [5n, 1n], [-2n, 1n]), 3).value).toBe(-2n);
    expect(decodeMapEntry(min, Buffer.alloc(4), perCpu([0n, 0n], [5n, 1n]), 2).value).toBe(5n);
    const max = userMap('percpu_hash', [], 4, { kind: 'agg', fn: 'max', signed: false }, 16);
    expect(decodeMapEntry(max, Buffer.alloc(4), perCpu([100n, 0n], [5n, 1n], [7n, 1n]), 3).value).toBe(7n);
  });

  it('folds avg into sum and count totals', () => {
    const avg = userMap('percpu_hash', [], 4, { kind: 'agg', fn: 'avg', signed: false }, 16);
    expect(decodeMapEntry(avg, Buffer.alloc(4), perCpu([10n, 2n], [20n, 3n]), 2).value).toEqual({ sum: 30n, count: 5n });
  });

  it('sizes per-CPU lookups with 8-byte-aligned copies', () => {
    expect(lookupValueSize(userMap('percpu_hash', [], 4, s32, 4), 3)).toBe(24);
    expect(lookupValueSize(userMap('hash', [], 4, s32, 4), 3)).toBe(4);
  });
});

describe.skipIf(!kernelAvailable)('maps on the live kernel', () => {
  it('reads per-CPU counts written from userspace and clears them', () => {
    const cpus = possibleCpuCount();
    const spec = userMap('percpu_hash', [{ offset: 0, type: u64 }], 8, { kind: 'agg', fn: 'count', signed: false }, 8);
    const fd = mapCreate({ kind: 'percpu_hash', keySize: 8, valueSize: 8, maxEntries: 64, name: '@m' });
    try {
      for (const k of [1n, 2n]) {
        const key = Buffer.alloc(8);
        key.writeBigUInt64LE(k);
        const v = Buffer.alloc(8 * cpus);
        for (let c = 0; c < cpus; c++) v.writeBigUInt64LE(k * 10n + BigInt(c), c * 8);
        mapUpdate(fd, key, v);
      }
      const cpuSum = BigInt((cpus * (cpus - 1)) / 2);
      const entries = readMapEntries(fd, spec, cpus).sort((a, b) => Number((a.keys[0] as bigint) - (b.keys[0] as bigint)));
      expect(entries).toEqual([
        { keys: [1n], value: 10n * BigInt(cpus) + cpuSum },
        { keys: [2n], value: 20n * BigInt(cpus) + cpuSum },
      ]);
      clearMapEntries(fd, spec, cpus);
      expect(readMapEntries(fd, spec, cpus)).toEqual([]);
    } finally {
      closeFd(fd);
    }
  });

  it('clears an array map by zeroing it', () => {
    const spec = userMap('array', [], 4, u64, 8);
    const fd = mapCreate({ kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: '@m' });
    try {
      const v = Buffer.alloc(8);
      v.writeBigUInt64LE(9n);
      mapUpdate(fd, Buffer.alloc(4), v);
      expect(readMapEntries(fd, spec, 1)).toEqual([{ keys: [], value: 9n }]);
      clearMapEntries(fd, spec, 1);
      expect(readMapEntries(fd, spec, 1)).toEqual([{ keys: [], value: 0n }]);
    } finally {
      closeFd(fd);
    }
  });
});
