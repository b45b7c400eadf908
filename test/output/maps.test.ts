// Map printing. Every expected string here is bpftrace 0.17's real output for the script in the
// test name (run on this machine, `| cat -A` checked), minus the `Attaching` line. Where bpftrace
// leaves ties in hash order we assert our documented tie-break (by key).
import { describe, expect, it } from 'vitest';
import type { MapSpec } from '../../codegen/object.ts';
import type { MapInfo } from '../../lang/checked.ts';
import { s64, stringType, type AggFn, type Type } from '../../lang/types.ts';
import type { MapEntry } from '../../runtime/events.ts';
import { formatExitMaps, formatMap } from '../../runtime/output/maps.ts';

const agg = (fn: AggFn, signed = true): Type => ({ kind: 'agg', fn, signed: fn === 'count' ? false : signed });
const e = (keys: (bigint | string)[], value: MapEntry['value']): MapEntry => ({ keys, value });

function spec(name: string, value: Type, keys: Type[]): MapSpec {
  const span = { file: 'stdin', line: 1, column: 1, offset: 0, endLine: 1, endColumn: 2, endOffset: 1 };
  const info: MapInfo = { name, keys, value, span };
  return { name, role: 'user', kind: 'hash', keySize: 8, valueSize: 8, maxEntries: 4096, user: { info, keyLayout: [] } };
}

describe('formatExitMaps (bpftrace 0.17 goldens)', () => {
  it('BEGIN { @a = 1; @b[1,"x"] = 2; @c = count(); @d["z"]=sum(5); @d["a"]=sum(3); @e=avg(7); @e=avg(2); @f=min(-3); @g = max(5); exit(); }', () => {
    const out = formatExitMaps([
      { spec: spec('@g', agg('max'), []), entries: [e([], 5n)] },
      { spec: spec('@a', s64, []), entries: [e([], 1n)] },
      { spec: spec('@b', s64, [s64, stringType(64)]), entries: [e([1n, 'x'], 2n)] },
      { spec: spec('@c', agg('count'), []), entries: [e([], 1n)] },
      { spec: spec('@d', agg('sum'), [stringType(64)]), entries: [e(['z'], 5n), e(['a'], 3n)] },
      { spec: spec('@e', agg('avg'), []), entries: [e([], { sum: 9n, count: 2n })] },
      { spec: spec('@f', agg('min'), []), entries: [e([], -3n)] },
    ]);
    expect(out).toBe('\n\n@a: 1\n@b[1, x]: 2\n@c: 1\n@d[a]: 3\n@d[z]: 5\n@e: 4\n\n@f: -3\n@g: 5\n');
  });

  it('BEGIN { exit(); } prints two newlines', () => {
    expect(formatExitMaps([])).toBe('\n\n');
  });

  it('BEGIN { @z=1; @a=2; @m[1]=1; exit(); } orders maps by name', () => {
    const out = formatExitMaps([
      { spec: spec('@z', s64, []), entries: [e([], 1n)] },
      { spec: spec('@a', s64, []), entries: [e([], 2n)] },
      { spec: spec('@m', s64, [s64]), entries: [e([1n], 1n)] },
    ]);
    expect(out).toBe('\n\n@a: 2\n@m[1]: 1\n@z: 1\n');
  });

  it('BEGIN { @=1; @x["a"]="hello"; @x["b"]="abc"; exit(); }: the anonymous map first, string values by key', () => {
    const out = formatExitMaps([
      { spec: spec('@x', stringType(64), [stringType(64)]), entries: [e(['b'], 'abc'), e(['a'], 'hello')] },
      { spec: spec('@', s64, []), entries: [e([], 1n)] },
    ]);
    expect(out).toBe('\n\n@: 1\n@x[a]: hello\n@x[b]: abc\n');
  });

  it('never-written maps: BEGIN { @a = 1; exit(); } tracepoint:... { @n = 5; @m[1] = 2; @o = count(); @p = avg(5); }', () => {
    const out = formatExitMaps([
      { spec: spec('@a', s64, []), entries: [e([], 1n)] },
      { spec: spec('@m', s64, [s64]), entries: [] },
      { spec: spec('@n', s64, []), entries: [] },
      { spec: spec('@o', agg('count'), []), entries: [] },
      { spec: spec('@p', agg('avg'), []), entries: [] },
    ]);
    expect(out).toBe('\n\n@a: 1\n\n\n@o: 0\n\n\n');
  });
});

describe('formatMap with print(@m, top, div) (bpftrace 0.17 goldens)', () => {
  const x = [e([1n], 2n), e([2n], 3n), e([3n], 9n)];
  it('@x[1]=2; @x[2]=3; @x[3]=9; print(@x, 2): the two largest, still ascending', () => {
    expect(formatMap('@x', s64, true, x, { top: 2, div: 0 })).toBe('@x[2]: 3\n@x[3]: 9\n');
  });

  it('print(@x, 0, 3): every entry, divided and truncated', () => {
    expect(formatMap('@x', s64, true, x, { top: 0, div: 3 })).toBe('@x[1]: 0\n@x[2]: 1\n@x[3]: 3\n');
    expect(formatMap('@x', s64, true, x, { top: 5, div: 1 })).toBe('@x[1]: 2\n@x[2]: 3\n@x[3]: 9\n');
  });

  it('@a = avg(10); @a = avg(20); print(@a, 0, 3): the average divided', () => {
    expect(formatMap('@a', agg('avg'), false, [e([], { sum: 30n, count: 2n })], { top: 0, div: 3 })).toBe('@a: 5\n\n');
  });

  it('@s = stats(10); print(@s, 0, 3): stats are not divided', () => {
    expect(formatMap('@s', agg('stats'), false, [e([], { total: 10n, count: 1n })], { top: 0, div: 3 })).toBe('@s: count 1, average 10, total 10\n\n');
  });

  it('@h = hist(5); @h = hist(100) x2; print(@h, 0, 2): counts divided, bars from the counts as they were', () => {
    const h = { kind: 'agg', fn: 'hist', signed: true } as const;
    expect(formatMap('@h', h, false, [e([], { buckets: Array.from({ length: 66 }, (_, i) => (i === 4 ? 1n : i === 8 ? 2n : 0n)) })], { top: 0, div: 2 })).toBe(
      [
        '@h: ',
        '[4, 8)                 0 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |',
        '[8, 16)                0 |                                                    |',
        '[16, 32)               0 |                                                    |',
        '[32, 64)               0 |                                                    |',
        '[64, 128)              1 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|',
        '',
        '',
      ].join('\n'),
    );
  });

  it('lhist counts are never divided (bpftrace 0.17), and top keeps the keys with the largest totals', () => {
    const l = { kind: 'agg', fn: 'lhist', signed: true, linear: { min: 0, max: 100, step: 10 } } as const;
    const rows = (a: bigint, b: bigint) => ({ buckets: Array.from({ length: 12 }, (_, i) => (i === 1 ? a : i === 2 ? b : 0n)) });
    expect(formatMap('@l', l, true, [e([1n], rows(1n, 0n)), e([2n], rows(1n, 2n))], { top: 1, div: 2 })).toBe(
      ['@l[2]: ', '[0, 10)                1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |', '[10, 20)               2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|', '', ''].join('\n'),
    );
  });
});

describe('formatMap', () => {
  it('BEGIN { @x[1]=-3; @x[2]=-5; @x[3]=7; } sorts signed values ascending', () => {
    expect(formatMap('@x', s64, true, [e([1n], -3n), e([2n], -5n), e([3n], 7n)])).toBe('@x[2]: -5\n@x[1]: -3\n@x[3]: 7\n');
  });

  it('@x[3]=avg(4); @x[1]=avg(4); @x[2]=avg(1); @x[4]=avg(-3): avg sorted by average, blank line after', () => {
    const out = formatMap('@x', agg('avg'), true, [
      e([3n], { sum: 4n, count: 1n }),
      e([1n], { sum: 4n, count: 1n }),
      e([2n], { sum: 1n, count: 1n }),
      e([4n], { sum: -3n, count: 1n }),
    ]);
    expect(out).toBe('@x[4]: -3\n@x[2]: 1\n@x[1]: 4\n@x[3]: 4\n\n');
  });

  it('avg truncates toward zero like C', () => {
    expect(formatMap('@', agg('avg'), false, [e([], { sum: -7n, count: 2n })])).toBe('@: -3\n\n');
  });

  it('@x[3,"a"]=count(); @x[1,"b"]=count(); @x[1,"a"]=count(): ties broken by key', () => {
    const out = formatMap('@x', agg('count'), true, [e([3n, 'a'], 1n), e([1n, 'b'], 1n), e([1n, 'a'], 1n)]);
    expect(out).toBe('@x[1, a]: 1\n@x[1, b]: 1\n@x[3, a]: 1\n');
  });

  it('print() of an empty keyed map prints an empty line; of an empty avg map two', () => {
    expect(formatMap('@y', s64, true, [])).toBe('\n');
    expect(formatMap('@z', agg('avg'), false, [])).toBe('\n\n');
  });

  it('a cleared scalar count() prints 0, a cleared scalar sum() nothing', () => {
    expect(formatMap('@c', agg('count'), false, [])).toBe('@c: 0\n');
    expect(formatMap('@o', agg('sum'), false, [])).toBe('\n');
  });

  it('@k[comm] = 1; @u[1,2] = 3 key formatting', () => {
    expect(formatMap('@k', s64, true, [e(['bpftrace'], 1n)])).toBe('@k[bpftrace]: 1\n');
    expect(formatMap('@u', s64, true, [e([1n, 2n], 3n)])).toBe('@u[1, 2]: 3\n');
  });
});
