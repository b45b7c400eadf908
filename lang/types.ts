// The type system of checked programs. Semantic analysis assigns one of these to every
// expression, scratch variable and map key/value; codegen lays values out from them and the
// runtime decodes bytes with them.

export type IntBits = 8 | 16 | 32 | 64;

export interface IntType {
  readonly kind: 'int';
  readonly bits: IntBits;
  readonly signed: boolean;
  /** Set on a kernel pointer typed from BTF (64-bit unsigned): what it points to, so that
   *  `p->field` can be resolved. Arithmetic and comparisons treat it as the plain u64 it is. */
  readonly pointee?: Pointee;
}

/** The target of a BTF-typed pointer: its BTF type id (0 for void) and C name (`struct sock`). */
export interface Pointee {
  readonly id: number;
  readonly cType: string;
  /** The pointer holds a user-space address (a syscall tracepoint's `struct timespec *`). */
  readonly user?: boolean;
}

/** A NUL-terminated string stored in a fixed buffer of `size` bytes (NUL included). */
export interface StringType {
  readonly kind: 'string';
  readonly size: number;
}

/** What statements and calls like printf() evaluate to. */
export interface VoidType {
  readonly kind: 'void';
}

export type AggFn = 'count' | 'sum' | 'min' | 'max' | 'avg' | 'hist' | 'lhist' | 'stats';

/** lhist()'s compile-time bounds: min >= 0, max > min, step >= 1, (max - min) / step <= 1000. */
export interface LinearBounds {
  readonly min: number;
  readonly max: number;
  readonly step: number;
}

/**
 * The value of a map that is written only by an aggregation call (`@x = count()`). Stored
 * per-CPU; the runtime folds CPUs together when printing. `signed` follows sum/min/max/avg's
 * argument (count is unsigned).
 */
export interface AggType {
  readonly kind: 'agg';
  readonly fn: AggFn;
  readonly signed: boolean;
  /** lhist only. */
  readonly linear?: LinearBounds;
}

/** Buckets of a log2 hist(): (..., 0), [0], [1], then [2^k, 2^(k+1)) for k = 1..62. */
export const HIST_BUCKETS = 65;

/**
 * Buckets of an lhist(): the underflow bucket 0, (max - min) / step linear buckets, and the
 * overflow bucket. As in bpftrace, a value v with min <= v <= max goes to 1 + (v - min) / step,
 * which is the overflow bucket for v = max when step divides the range.
 */
export function linearBuckets(b: LinearBounds): number {
  return Math.floor((b.max - b.min) / b.step) + 2;
}

/** How a stack prints: bpftrace's `name+off` lines, or perf's `\tADDR name+off`. */
export type StackMode = 'bpftrace' | 'perf';

/** Most frames a stack may ask for (bpftrace's limit); the kernel's perf_event_max_stack may be lower. */
export const MAX_STACK_LIMIT = 1024;
/** Frames of a bare `kstack`/`ustack`, as in bpftrace. */
export const DEFAULT_STACK_LIMIT = 127;

/**
 * kstack/ustack: a u64 holding the stack id from bpf_get_stackid (int32, negative when the kernel
 * had no stack) and, for ustack, the pid in the upper 32 bits so userspace can symbolize frames.
 */
export interface StackType {
  readonly kind: 'stack';
  readonly user: boolean;
  readonly limit: number;
  readonly mode: StackMode;
}

/** ksym()/usym(): an address printed as the symbol containing it. usym also stores the pid
 *  (u64 address, then u64 pid), since user addresses mean something only in their process. */
export interface SymbolType {
  readonly kind: 'symbol';
  readonly user: boolean;
}

/** ntop(): an IPv4/IPv6 address printed as text (`127.0.0.1`, `::1`). Stored as the address
 *  family (u64: AF_INET 2, AF_INET6 10) then 16 address bytes in network order (IPv4 uses the
 *  first 4); any other family prints as an empty string. */
export interface InetType {
  readonly kind: 'inet';
}

/** Bytes of an ntop() value: the u64 family, then room for an IPv6 address. */
export const INET_SIZE = 24;

/** strftime(fmt, ns): a u64 nanoseconds-since-boot timestamp printed through `format` in
 *  userspace (so the format is part of the type). */
export interface TimestampType {
  readonly kind: 'timestamp';
  readonly format: string;
}

export type Type = IntType | StringType | VoidType | AggType | StackType | SymbolType | InetType | TimestampType;

export const u8: IntType = { kind: 'int', bits: 8, signed: false };
export const u16: IntType = { kind: 'int', bits: 16, signed: false };
export const u32: IntType = { kind: 'int', bits: 32, signed: false };
export const u64: IntType = { kind: 'int', bits: 64, signed: false };
export const s8: IntType = { kind: 'int', bits: 8, signed: true };
export const s16: IntType = { kind: 'int', bits: 16, signed: true };
export const s32: IntType = { kind: 'int', bits: 32, signed: true };
export const s64: IntType = { kind: 'int', bits: 64, signed: true };
export const voidType: VoidType = { kind: 'void' };

export function intType(bits: IntBits, signed: boolean): IntType {
  return { kind: 'int', bits, signed };
}

export function stringType(size: number): StringType {
  return { kind: 'string', size };
}

/** How bpftrace names types in messages: `int64`, `uint32`, `string[16]`, `count`, `none`. */
export function typeName(t: Type): string {
  switch (t.kind) {
    case 'int':
      if (t.pointee) return `${t.pointee.cType} *`;
      return `${t.signed ? '' : 'u'}int${t.bits}`;
    case 'string':
      return `string[${t.size}]`;
    case 'void':
      return 'none';
    case 'agg':
      return t.fn;
    case 'stack':
      return t.user ? 'ustack' : 'kstack';
    case 'symbol':
      return t.user ? 'usym' : 'ksym';
    case 'inet':
      return 'inet';
    case 'timestamp':
      return 'timestamp';
  }
}

/** Size in bytes of a value of this type as stored in a map key/value or event record. */
export function sizeOf(t: Type): number {
  switch (t.kind) {
    case 'int':
      return t.bits / 8;
    case 'string':
      return t.size;
    case 'void':
      return 0;
    case 'agg':
      // Per CPU: count and sum keep one 64-bit word; avg keeps (sum, count); min and max keep
      // (value, set) so a CPU that never saw the map does not contribute a 0; stats keeps
      // (total, count) like avg; hist/lhist keep one count per (key, bucket) entry.
      return t.fn === 'count' || t.fn === 'sum' || t.fn === 'hist' || t.fn === 'lhist' ? 8 : 16;
    case 'stack':
      return 8;
    case 'symbol':
      return t.user ? 16 : 8;
    case 'inet':
      return INET_SIZE;
    case 'timestamp':
      return 8;
  }
}

export function typesEqual(a: Type, b: Type): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}
