// What the runtime hands to whoever prints: decoded map entries and the ring buffer's events.
// runtime/session.ts produces them; runtime/output/ turns them into text (or JSON).
import type { PrintfLayout } from '../codegen/object.ts';

/** A decoded integer (signed or unsigned per its type), string (up to its NUL; ksym/usym values
 *  arrive already symbolized as strings) or kstack/ustack. */
export type Scalar = bigint | string | Stack;

/**
 * A kstack/ustack, symbolized: one entry per frame, outermost last. In bpftrace mode a frame is
 * `name+offset` (or `0x...`), indented when printed; in perf mode it is the whole line
 * `\tADDR name+offset`. No frames when the kernel had no stack (printed as an empty string).
 */
export interface Stack {
  readonly frames: readonly string[];
  readonly perf: boolean;
}

export function isStack(v: unknown): v is Stack {
  return typeof v === 'object' && v !== null && 'frames' in v;
}

/**
 * A map value with per-CPU copies already folded:
 * - plain int/string values as they are;
 * - count/sum: the total; min/max: the min/max over CPUs that saw the map;
 * - avg: sum and count, so the printer can divide as bpftrace does;
 * - hist/lhist: a Histogram; stats: count and total.
 */
export type MapValue = Scalar | { readonly sum: bigint; readonly count: bigint } | Histogram | Stats;

/**
 * A hist()/lhist() value of one key: the count of every bucket, index as the kernel computes it
 * (hist: 0 = negative, 1 = [0], 2 = [1], k + 2 = [2^k, 2^(k+1)); lhist: 0 = below min, last =
 * max and above). Always HIST_BUCKETS or linearBuckets(bounds) long (lang/types.ts).
 */
export interface Histogram {
  readonly buckets: readonly bigint[];
}

/** A stats() value: how many values were seen and their int64 total. */
export interface Stats {
  readonly count: bigint;
  readonly total: bigint;
}

export interface MapEntry {
  /** One Scalar per key; empty for a scalar map (`@x`). */
  readonly keys: readonly Scalar[];
  readonly value: MapValue;
}

/** print(@m, top, div): only the `top` largest entries (0: all), values divided by `div` (0 or
 *  1: as they are). */
export interface PrintView {
  readonly top: number;
  readonly div: number;
}

/** Receives ring buffer events, in the order the kernel produced them on each CPU. */
export interface EventSink {
  /** `record` covers the whole record, header included; arguments sit at layout.args[i].offset. */
  printf(layout: PrintfLayout, record: DataView): void;
  /** exit() was called in the kernel. */
  exit(code: number): void;
  /** print(@m[, top[, div]]): print map `mapIndex` (an index into BpfObject.maps) now. */
  printMap(mapIndex: number, view?: PrintView): void;
  /** clear(@m): clear map `mapIndex` now. */
  clearMap(mapIndex: number): void;
  /** time(fmt): print the current time with strftime format `format` now (optional for sinks that ignore it). */
  time?(format: string): void;
  /** join(): the strings read, already joined with the call's separator. */
  join?(text: string): void;
  /** cat(fmt, ...): print the file whose path is the record formatted like a printf. */
  cat?(layout: PrintfLayout, record: DataView): void;
}
