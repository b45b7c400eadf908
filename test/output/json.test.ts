// -f json against bpftrace 0.17: every expected line below is bpftrace's real output for the
// script in the test name (run on this machine with `-f json`, `| cat -A` checked).
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BpfObject, MapSpec, PrintfLayout } from '../../codegen/object.ts';
import { HIST_BUCKETS, linearBuckets, s64, stringType, type AggFn, type LinearBounds, type Type } from '../../lang/types.ts';
import type { MapEntry, MapValue, Scalar } from '../../runtime/events.ts';
import { formatJsonMap, jsonCounter, jsonEscape, jsonMessage } from '../../runtime/output/json.ts';
import { JsonSink } from '../../runtime/output/json-sink.ts';
import { OutputWriter } from '../../runtime/output/writer.ts';

const agg = (fn: AggFn, linear?: LinearBounds): Type => ({ kind: 'agg', fn, signed: fn !== 'count', ...(linear ? { linear } : {}) });
const e = (keys: Scalar[], value: MapValue): MapEntry => ({ keys, value });
/** A histogram with `counts[i]` in bucket i. */
const buckets = (n: number, counts: Record<number, bigint>): { buckets: bigint[] } => ({ buckets: Array.from({ length: n }, (_, i) => counts[i] ?? 0n) });
const hist = (counts: Record<number, bigint>) => buckets(HIST_BUCKETS, counts);

describe('jsonEscape (bpftrace json_escape, byte-wise)', () => {
  it('BEGIN { printf("a\\"b\\\\c\\td\\n%s\\x01\\n", "é") }', () => {
    expect(jsonMessage('printf', 'a"b\\c\td\né\x01\n')).toBe('{"type": "printf", "data": "a\\"b\\\\c\\td\\n\\uffffffc3\\uffffffa9\\u0001\\n"}\n');
  });
  it('BEGIN { printf("x\\r\\x1f\\x7f\\n") }: DEL stays as it is', () => {
    expect(jsonMessage('printf', 'x\r\x1f\x7f\n')).toBe('{"type": "printf", "data": "x\\r\\u001f\x7f\\n"}\n');
  });
  it('leaves plain text alone', () => {
    expect(jsonEscape('hello world 123 {}[]')).toBe('hello world 123 {}[]');
  });
});

describe('messages', () => {
  it('time(), attached_probes and lost_events', () => {
    expect(jsonMessage('time', '17:00:36\n')).toBe('{"type": "time", "data": "17:00:36\\n"}\n');
    expect(jsonCounter('attached_probes', 'probes', 1)).toBe('{"type": "attached_probes", "data": {"probes": 1}}\n');
    expect(jsonCounter('lost_events', 'events', 12n)).toBe('{"type": "lost_events", "data": {"events": 12}}\n');
  });
});

describe('formatJsonMap with print(@m, top, div) (bpftrace 0.17 goldens)', () => {
  it('print(@x, 2, 2) of @x[1]=2, @x[2]=3, @x[3]=9', () => {
    expect(formatJsonMap('@x', s64, true, [e([1n], 2n), e([2n], 3n), e([3n], 9n)], { top: 2, div: 2 })).toBe('{"type": "map", "data": {"@x": {"2": 1, "3": 4}}}\n');
  });

  it('print(@h, 0, 2) divides hist counts over the undivided range; print(@l, 0, 2) leaves lhist alone', () => {
    expect(formatJsonMap('@h', agg('hist'), false, [e([], hist({ 4: 1n, 8: 2n }))], { top: 0, div: 2 })).toBe(
      '{"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 0}, {"min": 8, "max": 15, "count": 0}, {"min": 16, "max": 31, "count": 0}, {"min": 32, "max": 63, "count": 0}, {"min": 64, "max": 127, "count": 1}]}}\n',
    );
    const l = { min: 0, max: 100, step: 10 };
    expect(formatJsonMap('@l', agg('lhist', l), false, [e([], buckets(linearBuckets(l), { 1: 1n, 2: 2n }))], { top: 0, div: 2 })).toBe(
      '{"type": "hist", "data": {"@l": [{"min": 0, "max": 9, "count": 1}, {"min": 10, "max": 19, "count": 2}]}}\n',
    );
  });

  it('print(@a, 0, 3) of avg(10), avg(20)', () => {
    expect(formatJsonMap('@a', agg('avg'), false, [e([], { sum: 30n, count: 2n })], { top: 0, div: 3 })).toBe('{"type": "stats", "data": {"@a": 5}}\n');
  });
});

describe('formatJsonMap (bpftrace 0.17 goldens)', () => {
  it('@a = count(); @b[1] = sum(5); @b[2] = sum(3); @c["x", 2] = max(3); @f[comm] = min(-2)', () => {
    expect(formatJsonMap('@a', agg('count'), false, [e([], 1n)])).toBe('{"type": "map", "data": {"@a": 1}}\n');
    expect(formatJsonMap('@b', agg('sum'), true, [e([1n], 5n), e([2n], 3n)])).toBe('{"type": "map", "data": {"@b": {"2": 3, "1": 5}}}\n');
    expect(formatJsonMap('@c', agg('max'), true, [e(['x', 2n], 3n)])).toBe('{"type": "map", "data": {"@c": {"x,2": 3}}}\n');
    expect(formatJsonMap('@f', agg('min'), true, [e(['bpftrace'], -2n)])).toBe('{"type": "map", "data": {"@f": {"bpftrace": -2}}}\n');
  });

  it('@d = avg(4); @e = stats(7)', () => {
    expect(formatJsonMap('@d', agg('avg'), false, [e([], { sum: 4n, count: 1n })])).toBe('{"type": "stats", "data": {"@d": 4}}\n');
    expect(formatJsonMap('@e', agg('stats'), false, [e([], { count: 1n, total: 7n })])).toBe(
      '{"type": "stats", "data": {"@e": {"count": 1, "average": 7, "total": 7}}}\n',
    );
  });

  it('@k[1, "a"] = avg(10); @k[2, "b\\\\"] = avg(3); @st["q"] = stats(5); @st["r"] = stats(-1)', () => {
    expect(formatJsonMap('@k', agg('avg'), true, [e([1n, 'a'], { sum: 10n, count: 1n }), e([2n, 'b\\'], { sum: 3n, count: 1n })])).toBe(
      '{"type": "stats", "data": {"@k": {"2,b\\\\": 3, "1,a": 10}}}\n',
    );
    expect(formatJsonMap('@st', agg('stats'), true, [e(['q'], { count: 1n, total: 5n }), e(['r'], { count: 1n, total: -1n })])).toBe(
      '{"type": "stats", "data": {"@st": {"r": {"count": 1, "average": -1, "total": -1}, "q": {"count": 1, "average": 5, "total": 5}}}}\n',
    );
  });

  it('@s["a"] = "str\\"q"; @z = 1', () => {
    expect(formatJsonMap('@s', stringType(64), true, [e(['a'], 'str"q')])).toBe('{"type": "map", "data": {"@s": {"a": "str\\"q"}}}\n');
    expect(formatJsonMap('@z', s64, false, [e([], 1n)])).toBe('{"type": "map", "data": {"@z": 1}}\n');
  });

  it('if (0) { @x = count(); @y = sum(1); @h = hist(1); @a = avg(1) }: only the count prints', () => {
    expect(formatJsonMap('@x', agg('count'), false, [])).toBe('{"type": "map", "data": {"@x": 0}}\n');
    expect(formatJsonMap('@y', agg('sum'), false, [])).toBe('');
    expect(formatJsonMap('@h', agg('hist'), false, [])).toBe('');
    expect(formatJsonMap('@a', agg('avg'), false, [])).toBe('');
  });

  it('@h = hist(5); @hk["b"] = hist(0); @hk["b"] = hist(-1); @hk["c"] = hist(100)', () => {
    expect(formatJsonMap('@h', agg('hist'), false, [e([], hist({ 4: 1n }))])).toBe('{"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}]}}\n');
    expect(formatJsonMap('@hk', agg('hist'), true, [e(['b'], hist({ 0: 1n, 1: 1n })), e(['c'], hist({ 8: 1n }))])).toBe(
      '{"type": "hist", "data": {"@hk": {"c": [{"min": 64, "max": 127, "count": 1}], "b": [{"max": -1, "count": 1}, {"min": 0, "max": 0, "count": 1}]}}}\n',
    );
  });

  it('@h2[2] = hist(1 << 30); @h2[3] = hist(1 << 31): bpftrace\'s 32-bit bounds', () => {
    expect(formatJsonMap('@h2', agg('hist'), true, [e([2n], hist({ 32: 1n })), e([3n], hist({ 33: 1n }))])).toBe(
      '{"type": "hist", "data": {"@h2": {"2": [{"min": 1073741824, "max": 2147483647, "count": 1}], "3": [{"min": -2147483648, "max": 0, "count": 1}]}}}\n',
    );
  });

  it('past bpftrace\'s last bucket, exact bounds', () => {
    expect(formatJsonMap('@h', agg('hist'), false, [e([], hist({ 36: 2n }))])).toBe(
      '{"type": "hist", "data": {"@h": [{"min": 17179869184, "max": 34359738367, "count": 2}]}}\n',
    );
  });

  it('@l = lhist(5, 0, 100, 10); @l2 = lhist(-5, 0, 100, 10); @l2 = lhist(500, 0, 100, 10)', () => {
    const b = { min: 0, max: 100, step: 10 };
    const n = linearBuckets(b);
    expect(formatJsonMap('@l', agg('lhist', b), false, [e([], buckets(n, { 1: 1n }))])).toBe(
      '{"type": "hist", "data": {"@l": [{"min": 0, "max": 9, "count": 1}]}}\n',
    );
    expect(formatJsonMap('@l2', agg('lhist', b), false, [e([], buckets(n, { 0: 1n, [n - 1]: 1n }))])).toBe(
      '{"type": "hist", "data": {"@l2": [{"max": -1, "count": 1}, {"min": 0, "max": 9, "count": 0}, {"min": 10, "max": 19, "count": 0}, {"min": 20, "max": 29, "count": 0}, {"min": 30, "max": 39, "count": 0}, {"min": 40, "max": 49, "count": 0}, {"min": 50, "max": 59, "count": 0}, {"min": 60, "max": 69, "count": 0}, {"min": 70, "max": 79, "count": 0}, {"min": 80, "max": 89, "count": 0}, {"min": 90, "max": 99, "count": 0}, {"min": 100, "count": 1}]}}\n',
    );
  });
});

describe('JsonSink', () => {
  const span = { file: 'stdin', line: 1, column: 1, offset: 0, endLine: 1, endColumn: 2, endOffset: 1 };
  const userMap = (name: string, value: Type): MapSpec => ({
    name,
    role: 'user',
    kind: 'hash',
    keySize: 8,
    valueSize: 8,
    maxEntries: 16,
    user: { info: { name, keys: [s64], value, span }, keyLayout: [{ offset: 0, type: s64 }] },
  });
  const printf: PrintfLayout = { id: 0, parts: [{ kind: 'text', text: 'hi\n' }], args: [], size: 8 };
  const obj: BpfObject = { license: 'GPL', maps: [userMap('@b', agg('count')), userMap('@a', agg('sum')), userMap('@e', agg('sum'))], programs: [], printfs: [printf] };

  it('writes printf, time, print(@m), notices and the exit maps as JSON lines; "\\n\\n" goes to the separator', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-json-'));
    const fd = openSync(join(dir, 'out'), 'w');
    const sepFd = openSync(join(dir, 'stdout'), 'w');
    const out = new OutputWriter(fd);
    const sep = new OutputWriter(sepFd);
    const contents = new Map<number, MapEntry[]>([
      [0, [e([7n], 2n)]],
      [1, [e([1n], 10n)]],
    ]);
    const errors: string[] = [];
    const sink = new JsonSink(obj, out, { readMap: (i) => contents.get(i) ?? [], clearMap: () => {} }, () => {}, {
      now: () => Date.UTC(2026, 10, 25, 17, 0, 36, 500),
      timeZone: 'UTC',
      stderr: (t) => errors.push(t),
    });
    sink.attachedProbes(2);
    sink.printf(printf, new DataView(new ArrayBuffer(8)));
    sink.time('%H:%M:%S\n');
    sink.time('');
    sink.time('%Y'.repeat(16));
    sink.printMap(1);
    sink.lostEvents(3n);
    sink.printExitMaps(sep);
    out.flush();
    sep.flush();
    closeSync(fd);
    closeSync(sepFd);
    expect(readFileSync(join(dir, 'out'), 'utf8')).toBe(
      [
        '{"type": "attached_probes", "data": {"probes": 2}}',
        '{"type": "printf", "data": "hi\\n"}',
        '{"type": "time", "data": "17:00:36\\n"}',
        '{"type": "map", "data": {"@a": {"1": 10}}}',
        '{"type": "lost_events", "data": {"events": 3}}',
        '{"type": "map", "data": {"@a": {"1": 10}}}',
        '{"type": "map", "data": {"@b": {"7": 2}}}',
        '',
      ].join('\n'),
    );
    expect(readFileSync(join(dir, 'stdout'), 'utf8')).toBe('\n\n');
    expect(errors).toEqual(['ERROR: strftime returned 0\n', 'ERROR: strftime returned 0\n']);
  });
});
