// Map printing in bpftrace 0.17's text format (src/output.cpp), checked against its real output:
//
//   @name[k1, k2]: value      one line per entry, strings unquoted
//   entries joined by "\n", then "\n" after the map (so an empty map prints an empty line);
//   avg and stats maps end with "\n\n" instead; stats: `@s: count N, average A, total T`;
//   hist/lhist maps print per key a `@name[k]: ` line and bucket rows (formatHistogram),
//   keys separated by a blank line and ordered by their total count;
//   entries sorted by value ascending (int, count, sum, min, max, avg, stats' average), or by key when the
//   value is a string; bpftrace leaves ties in hash order, we break them by key so output is
//   stable;
//   a scalar count() map that was never incremented prints `@x: 0` (bpftrace keeps it in an
//   array map, whose one element always exists);
//   at exit: "\n\n", then every user map in name order.
import type { MapSpec } from '../../codegen/object.ts';
import { linearBuckets, type LinearBounds, type Type } from '../../lang/types.ts';
import { isStack, type MapEntry, type MapValue, type PrintView, type Scalar } from '../events.ts';
import { formatStack, KEY_STACK_INDENT, VALUE_STACK_INDENT } from './stacks.ts';

/** The text bpftrace prints for `print(@m[, top[, div]])` (and for each map at exit). */
export function formatMap(name: string, valueType: Type, keyed: boolean, entries: readonly MapEntry[], view?: PrintView): string {
  if (valueType.kind === 'agg' && (valueType.fn === 'hist' || valueType.fn === 'lhist')) {
    return formatHistMap(name, valueType.linear, entries, view);
  }
  const shown = topEntries(printedEntries(valueType, keyed, entries), view);
  const lines = shown.map((e) => `${name}${formatKeys(e.keys)}: ${formatValue(divideValue(e.value, view))}`);
  const isAvg = valueType.kind === 'agg' && (valueType.fn === 'avg' || valueType.fn === 'stats');
  return lines.join('\n') + (isAvg ? '\n\n' : '\n');
}

/** formatMap for a user map of a BPF object. */
export function formatUserMap(spec: MapSpec, entries: readonly MapEntry[], view?: PrintView): string {
  const info = spec.user?.info;
  if (!info) throw new Error(`map ${spec.name} is not a user map`);
  return formatMap(info.name, info.value, info.keys.length > 0, entries, view);
}

/** print(@m, top): the last `top` of the printed order, which are the largest (0: all). */
export function topEntries(sorted: readonly MapEntry[], view: PrintView | undefined): readonly MapEntry[] {
  return view && view.top > 0 && view.top < sorted.length ? sorted.slice(sorted.length - view.top) : sorted;
}

/** print(@m, top, div): an integer value (an avg's average) divided by `div`, truncated toward
 *  zero as bpftrace's int64 division; stats, strings and stacks are printed as they are. */
export function divideValue(v: MapValue, view: PrintView | undefined): MapValue {
  if (!view || view.div <= 1) return v;
  const div = BigInt(view.div);
  if (typeof v === 'bigint') return v / div;
  if (typeof v === 'object' && 'sum' in v) return average(v) / div;
  return v;
}

/** A bucket count as print(@m, top, div) shows it. */
export function divideCount(count: bigint, view: PrintView | undefined): bigint {
  return view && view.div > 1 ? count / BigInt(view.div) : count;
}

/** What bpftrace prints when a run ends: two newlines, then every user map by name. */
export function formatExitMaps(maps: readonly { spec: MapSpec; entries: readonly MapEntry[] }[]): string {
  return '\n\n' + sortByMapName(maps).map((m) => formatUserMap(m.spec, m.entries)).join('');
}

/** Maps in the order bpftrace prints them at exit: by name. */
export function sortByMapName<M extends { readonly spec: MapSpec }>(maps: readonly M[]): M[] {
  return [...maps].sort((a, b) => compareStrings(a.spec.user?.info.name ?? a.spec.name, b.spec.user?.info.name ?? b.spec.name));
}

/**
 * The entries of a map in the order bpftrace prints them (hist/lhist keys by total count, others
 * by value); a scalar count() never incremented is one entry of 0 (bpftrace's array map).
 */
export function printedEntries(valueType: Type, keyed: boolean, entries: readonly MapEntry[]): MapEntry[] {
  if (valueType.kind === 'agg' && (valueType.fn === 'hist' || valueType.fn === 'lhist')) return sortHistEntries(entries);
  let list = entries;
  if (!keyed && list.length === 0 && valueType.kind === 'agg' && valueType.fn === 'count') {
    list = [{ keys: [], value: 0n }];
  }
  return sortEntries(list, valueType);
}

export function formatKeys(keys: readonly Scalar[]): string {
  return keys.length === 0 ? '' : `[${keys.map((k) => scalarText(k, KEY_STACK_INDENT)).join(', ')}]`;
}

/** A key or value as text; stacks are multi-line (see output/stacks.ts). */
export function scalarText(s: Scalar, stackIndent: number): string {
  return isStack(s) ? formatStack(s, stackIndent) : s.toString();
}

export function formatValue(v: MapValue): string {
  if (typeof v === 'bigint' || typeof v === 'string') return v.toString();
  if (isStack(v)) return formatStack(v, VALUE_STACK_INDENT);
  if ('buckets' in v) return formatHistogram(v.buckets, undefined);
  if ('total' in v) return `count ${v.count}, average ${average(v)}, total ${v.total}`;
  return average(v).toString();
}

/** bpftrace's avg: int64 total / int64 count, truncated toward zero; 0 when nothing was seen. */
export function average(v: { readonly count: bigint } & ({ readonly sum: bigint } | { readonly total: bigint })): bigint {
  const total = 'sum' in v ? v.sum : v.total;
  return v.count === 0n ? 0n : BigInt.asIntN(64, total) / BigInt.asIntN(64, v.count);
}

/**
 * A hist/lhist map: per key `@name[k]: ` (with its trailing space), a newline and the bucket rows;
 * keys joined by a blank line and ordered by their total count; "\n" after the map.
 */
function formatHistMap(name: string, linear: LinearBounds | undefined, entries: readonly MapEntry[], view?: PrintView): string {
  const blocks = topEntries(sortHistEntries(entries), view).map((e) => `${name}${formatKeys(e.keys)}: \n${formatHistogram(bucketsOf(e.value), linear, view)}`);
  return blocks.join('\n') + '\n';
}

export function sortHistEntries(entries: readonly MapEntry[]): MapEntry[] {
  const total = (e: MapEntry) => bucketsOf(e.value).reduce((a, b) => a + b, 0n);
  return [...entries].sort((a, b) => {
    const ta = total(a);
    const tb = total(b);
    return ta !== tb ? (ta < tb ? -1 : 1) : compareKeys(a.keys, b.keys);
  });
}

export function bucketsOf(v: MapValue): readonly bigint[] {
  if (typeof v === 'object' && 'buckets' in v) return v.buckets;
  throw new Error('a hist()/lhist() map entry without buckets');
}

const BAR_WIDTH = 52;

/**
 * bpftrace 0.17's bucket rows: from the first to the last non-empty bucket, each
 * `label` (left, 16 wide), `count` (right, 8 wide), ` |`, a bar of `@` scaled to the largest
 * count over 52 columns (computed in single-precision float, truncated), `|`.
 */
export function formatHistogram(buckets: readonly bigint[], linear: LinearBounds | undefined, view?: PrintView): string {
  const first = buckets.findIndex((c) => c !== 0n);
  if (first < 0) return '';
  let last = buckets.length - 1;
  while (buckets[last] === 0n) last--;
  const max = buckets.reduce((a, b) => (b > a ? b : a), 0n);
  let out = '';
  for (let i = first; i <= last; i++) {
    const count = buckets[i]!;
    const label = linear ? linearLabel(i, linear) : log2Label(i);
    const width = Math.trunc(Math.fround(Math.fround(Math.fround(Number(count)) / Math.fround(Number(max))) * BAR_WIDTH));
    // print(@m, 0, div) divides the counts shown of a hist(), not its bars, and leaves lhist()
    // counts alone (bpftrace 0.17).
    const shown = linear ? count : divideCount(count, view);
    out += `${label.padEnd(16)}${shown.toString().padStart(8)} |${'@'.repeat(width).padEnd(BAR_WIDTH)}|\n`;
  }
  return out;
}

/** hist bucket i: (..., 0), [0], [1], then [2^(i-2), 2^(i-1)). */
function log2Label(i: number): string {
  if (i === 0) return '(..., 0)';
  if (i === 1) return '[0]';
  if (i === 2) return '[1]';
  return `[${powerLabel(i - 2)}, ${powerLabel(i - 1)})`;
}

/** 2^power with bpftrace's binary suffixes: 512, 1K, 2M, 4G, 8T (and 1024T, ... beyond). */
function powerLabel(power: number): string {
  for (const [suffix, at] of [['T', 40], ['G', 30], ['M', 20], ['K', 10]] as const) {
    if (power >= at) return `${2 ** (power - at)}${suffix}`;
  }
  return `${2 ** power}`;
}

/** lhist bucket i: (..., min), [lo, hi) steps, then [max, ...). */
function linearLabel(i: number, b: LinearBounds): string {
  if (i === 0) return `(..., ${numberLabel(b.min)})`;
  if (i === linearBuckets(b) - 1) return `[${numberLabel(b.max)}, ...)`;
  return `[${numberLabel((i - 1) * b.step + b.min)}, ${numberLabel(i * b.step + b.min)})`;
}

/** A bound as bpftrace prints it: exact multiples of 2^20 as `NM`, of 2^10 as `NK`. */
function numberLabel(n: number): string {
  if (n === 0) return '0';
  if (n % 1048576 === 0) return `${n / 1048576}M`;
  if (n % 1024 === 0) return `${n / 1024}K`;
  return `${n}`;
}

function sortEntries(entries: readonly MapEntry[], valueType: Type): MapEntry[] {
  // Values printed as text (strings, stacks, symbols) are ordered by key.
  const byValue = valueType.kind === 'int' || valueType.kind === 'agg';
  return [...entries].sort((a, b) => {
    if (byValue) {
      const va = numeric(a.value);
      const vb = numeric(b.value);
      if (va !== vb) return va < vb ? -1 : 1;
    }
    return compareKeys(a.keys, b.keys);
  });
}

function numeric(v: MapValue): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'string' || isStack(v)) return 0n;
  if ('buckets' in v) return v.buckets.reduce((a, b) => a + b, 0n);
  return average(v);
}

function compareKeys(a: readonly Scalar[], b: readonly Scalar[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      if (x !== y) return x < y ? -1 : 1;
    } else {
      const c = compareStrings(scalarText(x, 0), scalarText(y, 0));
      if (c !== 0) return c;
    }
  }
  return a.length - b.length;
}

/** Byte order, like C's strcmp on ASCII (not localeCompare). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
