// Map printing in bpftrace 0.17's text format (src/output.cpp), checked against its real output:
//
//   @name[k1, k2]: value      one line per entry, strings unquoted
//   entries joined by "\n", then "\n" after the map (so an empty map prints an empty line);
//   avg maps end with "\n\n" instead;
//   entries sorted by value ascending (int, count, sum, min, max, avg), or by key when the
//   value is a string; bpftrace leaves ties in hash order, we break them by key so output is
//   stable;
//   a scalar count() map that was never incremented prints `@x: 0` (bpftrace keeps it in an
//   array map, whose one element always exists);
//   at exit: "\n\n", then every user map in name order.
import type { MapSpec } from '../../codegen/object.ts';
import type { Type } from '../../lang/types.ts';
import type { MapEntry, MapValue, Scalar } from '../events.ts';

/** The text bpftrace prints for `print(@m)` (and for each map at exit). */
export function formatMap(name: string, valueType: Type, keyed: boolean, entries: readonly MapEntry[]): string {
  let list = entries;
  if (!keyed && list.length === 0 && valueType.kind === 'agg' && valueType.fn === 'count') {
    list = [{ keys: [], value: 0n }];
  }
  const sorted = sortEntries(list, valueType);
  const lines = sorted.map((e) => `${name}${formatKeys(e.keys)}: ${formatValue(e.value)}`);
  const isAvg = valueType.kind === 'agg' && valueType.fn === 'avg';
  return lines.join('\n') + (isAvg ? '\n\n' : '\n');
}

/** formatMap for a user map of a BPF object. */
export function formatUserMap(spec: MapSpec, entries: readonly MapEntry[]): string {
  const info = spec.user?.info;
  if (!info) throw new Error(`map ${spec.name} is not a user map`);
  return formatMap(info.name, info.value, info.keys.length > 0, entries);
}

/** What bpftrace prints when a run ends: two newlines, then every user map by name. */
export function formatExitMaps(maps: readonly { spec: MapSpec; entries: readonly MapEntry[] }[]): string {
  const byName = [...maps].sort((a, b) => compareStrings(a.spec.user?.info.name ?? a.spec.name, b.spec.user?.info.name ?? b.spec.name));
  return '\n\n' + byName.map((m) => formatUserMap(m.spec, m.entries)).join('');
}

export function formatKeys(keys: readonly Scalar[]): string {
  return keys.length === 0 ? '' : `[${keys.map((k) => k.toString()).join(', ')}]`;
}

export function formatValue(v: MapValue): string {
  if (typeof v === 'bigint' || typeof v === 'string') return v.toString();
  return average(v).toString();
}

/** bpftrace's avg: int64 total / int64 count, truncated toward zero; 0 when nothing was seen. */
function average(v: { sum: bigint; count: bigint }): bigint {
  return v.count === 0n ? 0n : BigInt.asIntN(64, v.sum) / BigInt.asIntN(64, v.count);
}

function sortEntries(entries: readonly MapEntry[], valueType: Type): MapEntry[] {
  const byValue = valueType.kind !== 'string';
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
  if (typeof v === 'string') return 0n;
  return average(v);
}

function compareKeys(a: readonly Scalar[], b: readonly Scalar[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (typeof x === 'bigint' && typeof y === 'bigint') {
      if (x !== y) return x < y ? -1 : 1;
    } else {
      const c = compareStrings(x.toString(), y.toString());
      if (c !== 0) return c;
    }
  }
  return a.length - b.length;
}

/** Byte order, like C's strcmp on ASCII (not localeCompare). */
function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
