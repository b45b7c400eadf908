// bpftrace 0.17's JSON output (`-f json`, src/output.cpp JsonOutput), one object per line:
//
//   {"type": "printf", "data": "..."}              also "time"; strings escaped by jsonEscape
//   {"type": "map", "data": {"@m": 1}}              scalar map; keyed: {"@m": {"k1,k2": v, ...}}
//   {"type": "stats", "data": {"@a": 4}}            avg; stats: {"count": c, "average": a, "total": t}
//   {"type": "hist", "data": {"@h": [{"min": 4, "max": 7, "count": 1}, ...]}}   hist and lhist
//   {"type": "attached_probes", "data": {"probes": 1}}, {"type": "lost_events", "data": {"events": 3}}
//
// `": "` and `", "` between members, keys joined by "," inside one string, entries in the text
// printer's order (printedEntries), and an empty map prints nothing at all.
import type { MapSpec } from '../../codegen/object.ts';
import { linearBuckets, type LinearBounds, type Type } from '../../lang/types.ts';
import { isStack, type MapEntry, type MapValue, type PrintView } from '../events.ts';
import { average, bucketsOf, divideCount, divideValue, printedEntries, scalarText, topEntries } from './maps.ts';
import { KEY_STACK_INDENT, VALUE_STACK_INDENT } from './stacks.ts';

const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/**
 * bpftrace's json_escape, byte by byte over the UTF-8 text: `"` `\` and \n \r \t escaped, other
 * bytes up to 0x1f as \u00XX, and, because it reads them as a signed char, bytes from 0x80 as
 * \uffffffXX.
 */
export function jsonEscape(text: string): string {
  if (PLAIN.test(text)) return text;
  let out = '';
  for (const b of Buffer.from(text, 'utf8')) {
    if (b === 0x22) out += '\\"';
    else if (b === 0x5c) out += '\\\\';
    else if (b === 0x0a) out += '\\n';
    else if (b === 0x0d) out += '\\r';
    else if (b === 0x09) out += '\\t';
    else if (b <= 0x1f) out += `\\u${b.toString(16).padStart(4, '0')}`;
    else if (b >= 0x80) out += `\\uffffff${b.toString(16)}`;
    else out += String.fromCharCode(b);
  }
  return out;
}

/** A message line: `{"type": "printf", "data": "..."}`. */
export function jsonMessage(type: 'printf' | 'time' | 'join' | 'cat', text: string): string {
  return `{"type": "${type}", "data": "${jsonEscape(text)}"}\n`;
}

/** A counter line: `{"type": "attached_probes", "data": {"probes": 1}}`. */
export function jsonCounter(type: 'attached_probes' | 'lost_events', field: string, n: bigint | number): string {
  return `{"type": "${type}", "data": {"${field}": ${n}}}\n`;
}

/** The line bpftrace prints for `print(@m)` (and each map at exit) with -f json; '' for an empty map. */
export function formatJsonMap(name: string, valueType: Type, keyed: boolean, entries: readonly MapEntry[], view?: PrintView): string {
  const list = topEntries(printedEntries(valueType, keyed, entries), view);
  if (list.length === 0) return '';
  const agg = valueType.kind === 'agg' ? valueType.fn : undefined;
  const type = agg === 'hist' || agg === 'lhist' ? 'hist' : agg === 'avg' || agg === 'stats' ? 'stats' : 'map';
  const linear = valueType.kind === 'agg' ? valueType.linear : undefined;
  const values = list.map((e) => {
    const v = jsonValue(e.value, agg, linear, view);
    return keyed ? `"${jsonEscape(e.keys.map((k) => scalarText(k, KEY_STACK_INDENT)).join(','))}": ${v}` : v;
  });
  const body = keyed ? `{${values.join(', ')}}` : values.join(', ');
  return `{"type": "${type}", "data": {"${jsonEscape(name)}": ${body}}}\n`;
}

/** formatJsonMap for a user map of a BPF object. */
export function formatJsonUserMap(spec: MapSpec, entries: readonly MapEntry[], view?: PrintView): string {
  const info = spec.user?.info;
  if (!info) throw new Error(`map ${spec.name} is not a user map`);
  return formatJsonMap(info.name, info.value, info.keys.length > 0, entries, view);
}

function jsonValue(raw: MapValue, agg: string | undefined, linear: LinearBounds | undefined, view: PrintView | undefined): string {
  // hist counts are divided bucket by bucket, over the range of the undivided ones; lhist
  // counts are not divided at all (bpftrace 0.17).
  const v = agg === 'hist' || agg === 'lhist' ? raw : divideValue(raw, view);
  if (typeof v === 'string') return `"${jsonEscape(v)}"`;
  if (typeof v === 'bigint') return v.toString();
  // Stacks are quoted text, as bpftrace quotes every value it prints as text.
  if (isStack(v)) return `"${jsonEscape(scalarText(v, VALUE_STACK_INDENT))}"`;
  if (agg === 'hist' || agg === 'lhist') return linear ? lhistJson(bucketsOf(v), linear) : histJson(bucketsOf(v), view);
  if ('total' in v) return `{"count": ${v.count}, "average": ${average(v)}, "total": ${v.total}}`;
  if ('sum' in v) return average(v).toString();
  throw new Error('a map value of an unexpected shape');
}

/** The non-empty range of buckets, first to last, or undefined when all are empty. */
function nonEmpty(buckets: readonly bigint[]): [number, number] | undefined {
  const first = buckets.findIndex((c) => c !== 0n);
  if (first < 0) return undefined;
  let last = buckets.length - 1;
  while (buckets[last] === 0n) last--;
  return [first, last];
}

/**
 * hist buckets as `{"min": lo, "max": hi, "count": n}`. bpftrace computes the bounds of
 * [2^k, 2^(k+1)) in 32-bit int (so [2G, 4G) reads min -2147483648, max 0); JS's `<<` and `| 0`
 * wrap the same way. Its buckets stop there; ours, which go on to 2^64, get exact bounds.
 */
function histJson(buckets: readonly bigint[], view: PrintView | undefined): string {
  const range = nonEmpty(buckets);
  if (!range) return '[]';
  const rows: string[] = [];
  for (let i = range[0]; i <= range[1]; i++) {
    const count = divideCount(buckets[i]!, view);
    if (i === 0) rows.push(`{"max": -1, "count": ${count}}`);
    else if (i === 1) rows.push(`{"min": 0, "max": 0, "count": ${count}}`);
    else if (i === 2) rows.push(`{"min": 1, "max": 1, "count": ${count}}`);
    else {
      const k = i - 2;
      const [lo, hi] = k <= 31 ? [1 << k, ((1 << (k + 1)) - 1) | 0] : [1n << BigInt(k), (1n << BigInt(k + 1)) - 1n];
      rows.push(`{"min": ${lo}, "max": ${hi}, "count": ${count}}`);
    }
  }
  return `[${rows.join(', ')}]`;
}

/** lhist buckets: `{"max": min-1, ...}` below, [lo, hi] steps, `{"min": max, ...}` above. */
function lhistJson(buckets: readonly bigint[], b: LinearBounds): string {
  const range = nonEmpty(buckets);
  if (!range) return '[]';
  const last = linearBuckets(b) - 1;
  const rows: string[] = [];
  for (let i = range[0]; i <= range[1]; i++) {
    const count = buckets[i]!;
    if (i === 0) rows.push(`{"max": ${b.min - 1}, "count": ${count}}`);
    else if (i === last) rows.push(`{"min": ${b.max}, "count": ${count}}`);
    else rows.push(`{"min": ${(i - 1) * b.step + b.min}, "max": ${i * b.step + b.min - 1}, "count": ${count}}`);
  }
  return `[${rows.join(', ')}]`;
}
