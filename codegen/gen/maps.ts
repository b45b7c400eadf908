// Map specs: one user map per MapInfo (sorted by name so indexes are deterministic) plus the
// internal maps the programs use.
import type { CheckedProgram, MapInfo } from '../../lang/checked.ts';
import { sizeOf, type Type } from '../../lang/types.ts';
import { GLOBALS_SIZE, type FieldLayout, type MapSpec } from '../object.ts';
import { roundUp8 } from './stack.ts';
import { stackMapSpecs } from './stacks.ts';

export const EVENTS_MAP = '.events';
export const LOST_MAP = '.lost';
export const GLOBALS_MAP = '.globals';
export const USER_MAP_ENTRIES = 4096;
export const DEFAULT_RING_BYTES = 8 << 20;
/** For scripts whose events come only from BEGIN, END and interval probes. */
export const SMALL_RING_BYTES = 256 << 10;

/** Bytes a key field or plain value of type `t` occupies: ints 8, strings their size rounded to 8. */
export function slotSize(t: Type): number {
  return t.kind === 'int' ? 8 : roundUp8(sizeOf(t));
}

export interface KeyLayout {
  readonly fields: readonly FieldLayout[];
  readonly size: number;
}

/** Keys in order, each 8-byte aligned; a scalar map has no fields and one u64 key 0. */
export function keyLayout(keys: readonly Type[]): KeyLayout {
  const fields: FieldLayout[] = [];
  let at = 0;
  for (const type of keys) {
    fields.push({ offset: at, type });
    at += slotSize(type);
  }
  return { fields, size: Math.max(at, 8) };
}

export function valueSize(info: MapInfo): number {
  return info.value.kind === 'agg' ? sizeOf(info.value) : slotSize(info.value);
}

/** True for hist()/lhist() maps, whose kernel entries are (user key, bucket) rows. */
export function isBucketed(info: MapInfo): boolean {
  return info.value.kind === 'agg' && (info.value.fn === 'hist' || info.value.fn === 'lhist');
}

/** True for a count() map without keys, which lives in a one-element per-CPU array. */
export function isScalarCount(info: MapInfo): boolean {
  return info.keys.length === 0 && info.value.kind === 'agg' && info.value.fn === 'count';
}

export function userMapSpec(info: MapInfo): MapSpec {
  const layout = keyLayout(info.keys);
  if (isScalarCount(info) && !info.decl) {
    // As in bpftrace: the kernel inlines a per-CPU array lookup (no helper call), its element
    // always exists (no insert path; a count never hit prints 0, as bpftrace prints it), and the
    // key is a u32 index, 0.
    return { name: info.name, role: 'user', kind: 'percpu_array', keySize: 4, valueSize: valueSize(info), maxEntries: 1, user: { info, keyLayout: [] } };
  }
  // A bucketed map appends a u64 bucket index to the user key (a scalar map's key is just it).
  const bucketOffset = isBucketed(info) ? (info.keys.length === 0 ? 0 : layout.size) : undefined;
  return {
    name: info.name,
    role: 'user',
    kind: info.value.kind === 'agg' ? (info.decl?.lru ? 'lru_percpu_hash' : 'percpu_hash') : info.decl?.lru ? 'lru_hash' : 'hash',
    keySize: bucketOffset === undefined ? layout.size : bucketOffset + 8,
    valueSize: valueSize(info),
    maxEntries: info.decl?.maxEntries ?? USER_MAP_ENTRIES,
    user: { info, keyLayout: layout.fields, ...(bucketOffset === undefined ? {} : { bucketOffset }) },
  };
}

export function checkRingBytes(bytes: number): number {
  if (!Number.isInteger(bytes) || bytes < 4096 || (bytes & (bytes - 1)) !== 0 || bytes > 1 << 30) {
    throw new RangeError(`ring buffer size must be a power of two between 4096 and 1 GiB, got ${bytes}`);
  }
  return bytes;
}

/** All maps of the object: user maps by name, then `.events`, `.lost` and (if needed) `.globals`. */
export function buildMapSpecs(checked: CheckedProgram, ringBytes: number, needsGlobals: boolean): MapSpec[] {
  const user = [...checked.maps.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map(userMapSpec);
  const internal: MapSpec[] = [
    { name: EVENTS_MAP, role: 'events', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: ringBytes },
    // A plain array updated with an atomic add: the value is reachable without a helper call.
    { name: LOST_MAP, role: 'lost', kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1 },
  ];
  internal.push(...stackMapSpecs(checked));
  if (needsGlobals) {
    internal.push({ name: GLOBALS_MAP, role: 'globals', kind: 'array', keySize: 4, valueSize: GLOBALS_SIZE, maxEntries: 1 });
  }
  return [...user, ...internal];
}
