// Type bookkeeping shared by the checker: how scratch variables, map keys and map values are
// stored, and how types seen at different places merge.
import type { Span } from '../source.ts';
import { intType, typeName, type Type } from '../types.ts';

/** The checker's own "already reported" type: an expression that failed gets this. */
export interface ErrorType {
  readonly kind: 'error';
}
export const errorType: ErrorType = { kind: 'error' };
export type Ty = Type | ErrorType;

export function isError(t: Ty): t is ErrorType {
  return t.kind === 'error';
}

/** How a value is stored in a variable or map slot: integers are always 64-bit. */
export function storageType(t: Type): Type {
  // A BTF-typed pointer keeps its target so that `$p = curtask; $p->pid` resolves.
  return t.kind === 'int' && !t.pointee ? intType(64, t.signed) : t;
}

/**
 * Merges two storage types of the same slot: strings grow to the larger buffer, integers keep
 * the first signedness and grow to the widest, sums/mins/... turn signed if any argument is. Undefined if they clash
 * (lhist()s with different bounds clash).
 */
export function mergeTypes(first: Type, later: Type): Type | undefined {
  if (first.kind === 'int' && later.kind === 'int') {
    // Pointers to different kernel types clash, as in bpftrace; a plain integer fits either.
    if (first.pointee && later.pointee && first.pointee.id !== later.pointee.id) return undefined;
    // A slot grows to the widest integer stored in it (a scratch variable keeps its width
    // otherwise: `$p = $sk->skc_dport; $p = bswap($p)` swaps 16 bits).
    return later.bits > first.bits ? { ...first, bits: later.bits } : first;
  }
  if (first.kind === 'string' && later.kind === 'string') return first.size >= later.size ? first : later;
  // A stack's limit and mode pick its kernel map and its printing: they must agree.
  if ((first.kind === 'stack' || first.kind === 'symbol' || first.kind === 'inet' || first.kind === 'timestamp') && JSON.stringify(first) === JSON.stringify(later)) return first;
  if (first.kind === 'agg' && later.kind === 'agg' && first.fn === later.fn) {
    if (JSON.stringify(first.linear) !== JSON.stringify(later.linear)) return undefined;
    return first.signed || !later.signed ? first : later;
  }
  return undefined;
}

/** `integer`, `string`, ... as bpftrace names type classes in messages. */
export function kindWord(t: Type): string {
  switch (t.kind) {
    case 'int':
      return 'integer';
    case 'string':
      return 'string';
    default:
      return typeName(t);
  }
}

export interface MapState {
  readonly span: Span;
  keys?: readonly Type[];
  value?: Type;
}

/** What one checking pass learnt about slot types; the next pass starts from it. */
export interface Knowledge {
  /** Scratch variables by `probeIndex:name`. */
  readonly vars: ReadonlyMap<string, Type>;
  readonly maps: ReadonlyMap<string, { readonly keys?: readonly Type[]; readonly value?: Type }>;
}

export function sameKnowledge(a: Knowledge, b: Knowledge): boolean {
  const enc = (k: Knowledge): string =>
    JSON.stringify([[...k.vars].sort(), [...k.maps].map(([n, m]) => [n, m.keys ?? null, m.value ?? null]).sort()]);
  return enc(a) === enc(b);
}
