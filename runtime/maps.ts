// Reading and clearing a script's @maps from userspace, and decoding their bytes into MapEntry
// values (runtime/events.ts) according to the map's types. Per-CPU values arrive as one copy per
// possible CPU, each padded to 8 bytes; aggregations are folded here so printers never see CPUs.
import type { MapSpec } from '../codegen/object.ts';
import { HIST_BUCKETS, linearBuckets, type AggType, type IntType, type Type } from '../lang/types.ts';
import { mapDelete, mapGetNextKey, mapLookup, mapUpdate } from './bpf-syscall.ts';
import type { MapEntry, MapValue, Scalar } from './events.ts';
import { decodeSymbolic, type ValueSymbols } from './symbolizer.ts';
import { formatInet, formatTimestamp } from './formatted.ts';

export interface RawEntry {
  readonly key: Buffer;
  readonly value: Buffer;
}

function isPerCpu(spec: MapSpec): boolean {
  return spec.kind === 'percpu_hash' || spec.kind === 'percpu_array' || spec.kind === 'lru_percpu_hash';
}

/** Bytes one lookup returns: valueSize, or one 8-byte-aligned copy per possible CPU. */
export function lookupValueSize(spec: MapSpec, possibleCpus: number): number {
  return isPerCpu(spec) ? roundUp8(spec.valueSize) * possibleCpus : spec.valueSize;
}

function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

/** Every key of a map (walked with BPF_MAP_GET_NEXT_KEY). */
export function readKeys(fd: number, keySize: number): Buffer[] {
  const keys: Buffer[] = [];
  let prev: Buffer | null = null;
  for (;;) {
    const next = Buffer.alloc(keySize);
    if (!mapGetNextKey(fd, prev, next)) return keys;
    keys.push(next);
    prev = next;
  }
}

/** Every (key, value) of a map, in the kernel's iteration order. A key deleted between the
 *  walk and the lookup is skipped. */
export function readRawEntries(fd: number, keySize: number, valueBytes: number): RawEntry[] {
  const out: RawEntry[] = [];
  for (const key of readKeys(fd, keySize)) {
    const value = Buffer.alloc(valueBytes);
    if (mapLookup(fd, key, value)) out.push({ key, value });
  }
  return out;
}

/** All entries of user map `spec` (held in `fd`), decoded; hist/lhist rows grouped by key. */
export function readMapEntries(fd: number, spec: MapSpec, possibleCpus: number, symbols?: ValueSymbols): MapEntry[] {
  return decodeMapEntries(spec, readRawEntries(fd, spec.keySize, lookupValueSize(spec, possibleCpus)), possibleCpus, symbols);
}

/** Decodes raw entries of a user map; a hist/lhist map's (key, bucket) rows become one
 *  Histogram per user key, in the order each key first appears. */
export function decodeMapEntries(spec: MapSpec, raw: readonly RawEntry[], possibleCpus: number, symbols?: ValueSymbols): MapEntry[] {
  const user = spec.user;
  const bucketOffset = user?.bucketOffset;
  if (!user || bucketOffset === undefined || user.info.value.kind !== 'agg') {
    return raw.map((e) => decodeMapEntry(spec, e.key, e.value, possibleCpus, symbols));
  }
  const t = user.info.value;
  const size = t.linear ? linearBuckets(t.linear) : HIST_BUCKETS;
  const groups = new Map<string, { keys: readonly Scalar[]; buckets: bigint[] }>();
  for (const e of raw) {
    const row = decodeMapEntry(spec, e.key, e.value, possibleCpus);
    const id = e.key.subarray(0, bucketOffset).toString('hex');
    let group = groups.get(id);
    if (!group) {
      group = { keys: row.keys, buckets: new Array<bigint>(size).fill(0n) };
      groups.set(id, group);
    }
    const bucket = e.key.readBigUInt64LE(bucketOffset);
    if (bucket < BigInt(size)) group.buckets[Number(bucket)]! += row.value as bigint;
  }
  return [...groups.values()].map((gr) => ({ keys: gr.keys, value: { buckets: gr.buckets } }));
}

/** Empties a map: deletes every key of a hash map, zeroes every element of an array map. */
export function clearMapEntries(fd: number, spec: MapSpec, possibleCpus: number): void {
  const keys = readKeys(fd, spec.keySize);
  if (spec.kind === 'array' || spec.kind === 'percpu_array') {
    const zero = Buffer.alloc(lookupValueSize(spec, possibleCpus));
    for (const key of keys) mapUpdate(fd, key, zero);
  } else {
    for (const key of keys) mapDelete(fd, key);
  }
}

/** Decodes one entry of a user map. `value` holds `possibleCpus` copies for per-CPU maps. */
/** Stacks and symbols come out symbolized with `symbols`, else as their raw u64. */
export function decodeMapEntry(spec: MapSpec, key: Buffer, value: Buffer, possibleCpus: number, symbols?: ValueSymbols): MapEntry {
  const user = spec.user;
  if (!user) throw new Error(`map ${spec.name} is not a user map`);
  const keys = user.keyLayout.map((f) => pointerKey(decodeScalar(key, f.offset, f.type, symbols), f.type));
  const copies = isPerCpu(spec) ? possibleCpus : 1;
  const stride = isPerCpu(spec) ? roundUp8(spec.valueSize) : spec.valueSize;
  const t = user.info.value;
  const v: MapValue = t.kind === 'agg' ? foldAgg(t, value, copies, stride) : pointerValue(decodeScalar(value, 0, t, symbols), t);
  return { keys, value: v };
}

// bpftrace 0.17 prints a kernel pointer used as a map key in hex (`@[0xffff888100068c80]`) and
// one stored as a map value as the int64 it is (`@: -131386930429952`).
function pointerKey(s: Scalar, t: Type): Scalar {
  return t.kind === 'int' && t.pointee && typeof s === 'bigint' ? `0x${s.toString(16)}` : s;
}

function pointerValue(s: Scalar, t: Type): Scalar {
  return t.kind === 'int' && t.pointee && typeof s === 'bigint' ? BigInt.asIntN(64, s) : s;
}

function foldAgg(t: AggType, value: Buffer, copies: number, stride: number): MapValue {
  const word = (cpu: number, at: number, signed: boolean) =>
    signed ? value.readBigInt64LE(cpu * stride + at) : value.readBigUInt64LE(cpu * stride + at);
  const wrap = (n: bigint, signed: boolean) => (signed ? BigInt.asIntN(64, n) : BigInt.asUintN(64, n));
  switch (t.fn) {
    case 'count':
    case 'hist':
    case 'lhist':
    case 'sum': {
      // hist/lhist: the count of one (key, bucket) row; decodeMapEntries groups the rows.
      const signed = t.fn === 'sum' && t.signed;
      let total = 0n;
      for (let c = 0; c < copies; c++) total += word(c, 0, signed);
      return wrap(total, signed);
    }
    case 'min':
    case 'max': {
      // (value, set): a CPU that never ran the aggregation has set = 0 and must not count.
      let best: bigint | undefined;
      for (let c = 0; c < copies; c++) {
        if (word(c, 8, false) === 0n) continue;
        const v = word(c, 0, t.signed);
        if (best === undefined || (t.fn === 'min' ? v < best : v > best)) best = v;
      }
      return best ?? 0n;
    }
    case 'avg': {
      let sum = 0n;
      let count = 0n;
      for (let c = 0; c < copies; c++) {
        sum += word(c, 0, t.signed);
        count += word(c, 8, false);
      }
      return { sum: wrap(sum, t.signed), count: BigInt.asUintN(64, count) };
    }
    case 'stats': {
      // Same (total, count) words as avg; bpftrace prints the total as an int64 whatever the argument.
      let total = 0n;
      let count = 0n;
      for (let c = 0; c < copies; c++) {
        total += word(c, 0, false);
        count += word(c, 8, false);
      }
      return { count: BigInt.asUintN(64, count), total: BigInt.asIntN(64, total) };
    }
  }
}

/** An int (per width and signedness) or a string (up to its NUL) at `offset`. */
export function decodeScalar(buf: Buffer, offset: number, t: Type, symbols?: ValueSymbols): Scalar {
  switch (t.kind) {
    case 'int':
      return decodeInt(buf, offset, t);
    case 'string': {
      const end = Math.min(buf.length, offset + t.size);
      const nul = buf.indexOf(0, offset);
      return buf.toString('utf8', offset, nul < 0 || nul > end ? end : nul);
    }
    case 'agg':
      return decodeInt(buf, offset, { kind: 'int', bits: 64, signed: t.signed });
    case 'void':
      return 0n;
    case 'stack':
    case 'symbol':
      return decodeSymbolic(buf, offset, t, symbols);
    case 'inet':
      return formatInet(buf, offset);
    case 'timestamp':
      return formatTimestamp(t, buf.readBigUInt64LE(offset));
  }
}

function decodeInt(buf: Buffer, offset: number, t: IntType): bigint {
  switch (t.bits) {
    case 8:
      return BigInt(t.signed ? buf.readInt8(offset) : buf.readUInt8(offset));
    case 16:
      return BigInt(t.signed ? buf.readInt16LE(offset) : buf.readUInt16LE(offset));
    case 32:
      return BigInt(t.signed ? buf.readInt32LE(offset) : buf.readUInt32LE(offset));
    case 64:
      return t.signed ? buf.readBigInt64LE(offset) : buf.readBigUInt64LE(offset);
  }
}
