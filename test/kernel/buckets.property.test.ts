// Property: the hist()/lhist() bucket computed in BPF (codegen/gen/buckets.ts, run in the kernel
// through BPF_PROG_TEST_RUN) is the one the JS reference computes (histBucket, linearBucket), for
// run-time values and for constants folded at compile time, at the edges (0, 1, negatives, powers
// of two ±1, 2^63, UINT64_MAX, the lhist bounds) and for random values and bounds.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { histBucket, linearBucket } from '../../codegen/gen/buckets.ts';
import { generate } from '../../codegen/gen/index.ts';
import type { KernelEnvironment } from '../../lang/env.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { HIST_BUCKETS, linearBuckets, type LinearBounds } from '../../lang/types.ts';
import type { Histogram, MapEntry } from '../../runtime/events.ts';
import { Session } from '../../runtime/session.ts';
import { kernelAvailable } from '../support/kernel.ts';

const noKernel: KernelEnvironment = {
  tracepointFormat: () => undefined,
  listTracepoints: () => [],
  hasKprobes: false,
  kernelSymbolExists: () => undefined,
};

const U64 = (1n << 64n) - 1n;
/** A value as script text: a literal (UINT64 bit pattern for negatives, so `$v` holds it as is). */
const lit = (v: bigint): string => BigInt.asUintN(64, v).toString();

/**
 * Runs hist and lhist over `values` in one BEGIN program: `@h`/`@l` from a scratch variable
 * (computed in BPF), `@hc`/`@lc` from literals (folded at compile time). Returns, per map, the
 * bucket each value landed in (index i of the map's key).
 */
function bucketsInKernel(values: readonly bigint[], b: LinearBounds): Record<'@h' | '@l' | '@hc' | '@lc', number[]> {
  const lh = `${b.min}, ${b.max}, ${b.step}`;
  const body = values
    .map((v, i) => `$v = ${lit(v)}; @h[${i}] = hist($v); @l[${i}] = lhist($v, ${lh}); @hc[${i}] = hist(${lit(v)}); @lc[${i}] = lhist(${lit(v)}, ${lh});`)
    .join(' ');
  const { checked } = analyze(parse(new SourceFile('stdin', `BEGIN { ${body} }`)), noKernel, { positionals: [] });
  const obj = generate(checked);
  const session = Session.open(obj);
  try {
    session.runBegin();
    const read = (name: string, size: number): number[] => {
      const entries: MapEntry[] = session.readMap(obj.maps.findIndex((m) => m.name === name));
      const out = new Array<number>(values.length).fill(-1);
      for (const e of entries) {
        const buckets = (e.value as Histogram).buckets;
        expect(buckets).toHaveLength(size);
        expect(buckets.reduce((x, y) => x + y, 0n)).toBe(1n);
        out[Number(e.keys[0])] = buckets.findIndex((c) => c === 1n);
      }
      return out;
    };
    return { '@h': read('@h', HIST_BUCKETS), '@l': read('@l', linearBuckets(b)), '@hc': read('@hc', HIST_BUCKETS), '@lc': read('@lc', linearBuckets(b)) };
  } finally {
    session.close();
  }
}

function expectReference(values: readonly bigint[], b: LinearBounds): void {
  const got = bucketsInKernel(values, b);
  const hist = values.map((v) => histBucket(v));
  const lhist = values.map((v) => linearBucket(v, b));
  expect({ values, ...got }).toEqual({ values, '@h': hist, '@hc': hist, '@l': lhist, '@lc': lhist });
}

describe('reference bucket functions', () => {
  it('hist: negatives, 0, 1, then powers of two', () => {
    expect([-1n, 0n, 1n, 2n, 3n, 4n, 1023n, 1024n, (1n << 32n) - 1n, 1n << 32n, (1n << 63n) - 1n, 1n << 63n, U64].map(histBucket)).toEqual([
      0, 1, 2, 3, 3, 4, 11, 12, 33, 34, 64, 0, 0,
    ]);
  });

  it('lhist: underflow, steps, max and above in the overflow bucket', () => {
    const b = { min: 0, max: 10, step: 3 };
    expect([-1n, 0n, 2n, 3n, 8n, 9n, 10n, 11n, U64].map((v) => linearBucket(v, b))).toEqual([0, 1, 1, 2, 3, 4, 4, 4, 0]);
    expect(linearBuckets(b)).toBe(5);
  });
});

const edges: bigint[] = [0n, 1n, -1n, 2n, 3n, -2n, 1n << 63n, U64, (1n << 63n) - 1n, -(1n << 62n)];
for (let k = 1n; k < 64n; k += 1n) edges.push((1n << k) - 1n, 1n << k, (1n << k) + 1n);

describe.skipIf(!kernelAvailable)('hist and lhist buckets in the kernel', () => {
  it('match the reference at the edges', () => {
    const b = { min: 100, max: 1000, step: 100 };
    const near = [99n, 100n, 101n, 199n, 200n, 999n, 1000n, 1001n];
    for (let i = 0; i < edges.length; i += 40) expectReference([...edges.slice(i, i + 40), ...near], b);
  });

  it('match the reference for random values and bounds', () => {
    const value = fc.oneof(
      fc.bigInt({ min: -(1n << 63n), max: U64 }),
      fc.bigInt({ min: -5000n, max: 5000n }),
      fc.integer({ min: 0, max: 63 }).chain((k) => fc.bigInt({ min: (1n << BigInt(k)) - 2n, max: (1n << BigInt(k)) + 2n })),
    );
    const bounds = fc
      .record({ min: fc.integer({ min: 0, max: 3000 }), step: fc.integer({ min: 1, max: 500 }), buckets: fc.integer({ min: 1, max: 1000 }) })
      .map(({ min, step, buckets }) => ({ min, step, max: min + step * buckets + (buckets % 3 === 0 ? step - 1 : 0) }));
    fc.assert(
      fc.property(fc.array(value, { minLength: 1, maxLength: 30 }), bounds, (values, b) => expectReference(values, b)),
      { numRuns: 25 },
    );
  });

  it('keep large lhist bounds (beyond 32-bit immediates) exact', () => {
    const b = { min: 5_000_000_000, max: 9_000_000_000, step: 1_000_000_000 };
    expectReference([0n, 4_999_999_999n, 5_000_000_000n, 5_999_999_999n, 6_000_000_000n, 8_999_999_999n, 9_000_000_000n, 9_000_000_001n, U64], b);
  });
});
