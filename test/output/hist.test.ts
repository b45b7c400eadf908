// hist(), lhist() and stats() printing against bpftrace 0.17's real output. Each golden script's
// BEGIN body (constant keys and arguments) is evaluated here in JS: buckets from the reference
// bucket functions, then the runtime's grouping (decodeMapEntries) and printer (formatExitMaps).
import { describe, expect, it } from 'vitest';
import { histBucket, linearBucket } from '../../codegen/gen/buckets.ts';
import { userMapSpec } from '../../codegen/gen/maps.ts';
import type { MapSpec } from '../../codegen/object.ts';
import type { Expr } from '../../lang/ast.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { HIST_BUCKETS, type AggType, type Type } from '../../lang/types.ts';
import type { MapEntry } from '../../runtime/events.ts';
import { decodeMapEntries, type RawEntry } from '../../runtime/maps.ts';
import { formatExitMaps, formatHistogram, formatMap } from '../../runtime/output/maps.ts';
import { HIST_GOLDENS } from '../support/hist-goldens.ts';
import { fakeEnv } from '../support/fake-env.ts';

function constant(e: Expr): bigint | string {
  if (e.kind === 'IntLit') return e.value;
  if (e.kind === 'StrLit') return e.value;
  if (e.kind === 'Unary' && e.op === '-' && e.operand.kind === 'IntLit') return -e.operand.value;
  throw new Error(`not a constant: ${e.kind}`);
}

/** One CPU's raw map rows, as the BPF programs would leave them after running `script`'s BEGIN. */
function simulate(script: string): { spec: MapSpec; entries: MapEntry[] }[] {
  const program = parse(new SourceFile('stdin', script));
  const { checked } = analyze(program, fakeEnv(), { positionals: [] });
  const specs = new Map([...checked.maps.values()].map((info) => [info.name, userMapSpec(info)]));
  const rows = new Map<string, Map<string, { key: Buffer; value: Buffer }>>();
  for (const name of specs.keys()) rows.set(name, new Map());
  for (const s of program.probes[0]!.body.stmts) {
    if (s.kind !== 'AssignStmt' || s.target.kind !== 'MapAccess' || s.value.kind !== 'Call') continue;
    const spec = specs.get(s.target.name)!;
    const t = spec.user!.info.value as AggType;
    const key = Buffer.alloc(spec.keySize);
    s.target.keys.forEach((k, i) => {
      const v = constant(k);
      const at = spec.user!.keyLayout[i]!.offset;
      if (typeof v === 'string') key.write(v, at);
      else key.writeBigInt64LE(BigInt.asIntN(64, v), at);
    });
    const arg = BigInt(constant(s.value.args[0]!));
    if (spec.user!.bucketOffset !== undefined) {
      key.writeBigUInt64LE(BigInt(t.linear ? linearBucket(arg, t.linear) : histBucket(arg)), spec.user!.bucketOffset);
    }
    const id = key.toString('hex');
    const row = rows.get(spec.name)!.get(id) ?? { key, value: Buffer.alloc(spec.valueSize) };
    rows.get(spec.name)!.set(id, row);
    if (t.fn === 'stats') {
      row.value.writeBigUInt64LE(BigInt.asUintN(64, row.value.readBigUInt64LE(0) + arg), 0);
      row.value.writeBigUInt64LE(row.value.readBigUInt64LE(8) + 1n, 8);
    } else {
      row.value.writeBigUInt64LE(row.value.readBigUInt64LE(0) + 1n, 0);
    }
  }
  return [...specs.values()].map((spec) => ({ spec, entries: decodeMapEntries(spec, [...rows.get(spec.name)!.values()], 1) }));
}

describe('hist/lhist/stats maps print as bpftrace 0.17 does', () => {
  it.each(HIST_GOLDENS.map((g) => [g.script, g.output]))('%s', (script, output) => {
    expect(formatExitMaps(simulate(script))).toBe(output);
  });
});

describe('decodeMapEntries', () => {
  const span = { file: 'stdin', line: 1, column: 1, offset: 0, endLine: 1, endColumn: 2, endOffset: 1 };
  const str16: Type = { kind: 'string', size: 16 };
  const spec = userMapSpec({ name: '@k', keys: [str16], value: { kind: 'agg', fn: 'hist', signed: true }, span });
  const row = (k: string, bucket: number, perCpu: bigint[]): RawEntry => {
    const key = Buffer.alloc(spec.keySize);
    key.write(k, 0);
    key.writeBigUInt64LE(BigInt(bucket), 16);
    const value = Buffer.alloc(8 * perCpu.length);
    perCpu.forEach((c, i) => value.writeBigUInt64LE(c, 8 * i));
    return { key, value };
  };

  it('lays a keyed hist map out as user key then a u64 bucket', () => {
    expect([spec.kind, spec.keySize, spec.valueSize, spec.user!.bucketOffset]).toEqual(['percpu_hash', 24, 8, 16]);
  });

  it('sums CPUs and groups bucket rows under their user key', () => {
    const entries = decodeMapEntries(spec, [row('a', 3, [1n, 2n]), row('b', 0, [0n, 5n]), row('a', 64, [7n, 0n])], 2);
    const a = new Array<bigint>(HIST_BUCKETS).fill(0n);
    a[3] = 3n;
    a[64] = 7n;
    const b = new Array<bigint>(HIST_BUCKETS).fill(0n);
    b[0] = 5n;
    expect(entries).toEqual([
      { keys: ['a'], value: { buckets: a } },
      { keys: ['b'], value: { buckets: b } },
    ]);
  });

  it('folds stats per CPU into count and an int64 total', () => {
    const s = userMapSpec({ name: '@s', keys: [], value: { kind: 'agg', fn: 'stats', signed: false }, span });
    const value = Buffer.alloc(32);
    value.writeBigUInt64LE(2n ** 64n - 1n, 0);
    value.writeBigUInt64LE(1n, 8);
    value.writeBigUInt64LE(0n, 16);
    value.writeBigUInt64LE(0n, 24);
    expect(decodeMapEntries(s, [{ key: Buffer.alloc(8), value }], 2)).toEqual([{ keys: [], value: { count: 1n, total: -1n } }]);
    expect(formatMap('@s', s.user!.info.value, false, [{ keys: [], value: { count: 1n, total: -1n } }])).toBe(
      '@s: count 1, average -1, total -1\n\n',
    );
  });
});

describe('formatHistogram', () => {
  it('labels buckets above 2^32 with the bpftrace 0.17 label function (T suffixes, setw overflow)', () => {
    const b = new Array<bigint>(HIST_BUCKETS).fill(0n);
    b[34] = 1n; // [4G, 8G)
    b[64] = 2n; // [2^62, 2^63)
    const rows = formatHistogram(b, undefined).split('\n');
    expect(rows[0]).toBe('[4G, 8G)               1 |@@@@@@@@@@@@@@@@@@@@@@@@@@                          |');
    expect(rows[8]).toBe('[1T, 2T)               0 |                                                    |');
    expect(rows[30]).toBe('[4194304T, 8388608T)       2 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|');
    expect(rows).toHaveLength(32);
  });

  it('scales bars in single precision and truncates, and an empty histogram prints nothing', () => {
    const b = new Array<bigint>(HIST_BUCKETS).fill(0n);
    b[2] = 1n;
    b[3] = 3n;
    expect(formatHistogram(b, undefined)).toBe(
      '[1]                    1 |@@@@@@@@@@@@@@@@@                                   |\n' +
        '[2, 4)                 3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n',
    );
    expect(formatHistogram(new Array<bigint>(HIST_BUCKETS).fill(0n), undefined)).toBe('');
  });
});
