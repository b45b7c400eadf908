// Tracepoint record fields (`args.filename`): the value type of a field from its tracefs format.
import type { TracepointField } from '../env.ts';
import { intType, stringType, u64, type IntBits, type Type } from '../types.ts';

/** The type a field reads as, or undefined if tsbpf cannot read such a field yet. */
export function fieldType(f: TracepointField): Type | undefined {
  if (f.isCharArray) return stringType(f.size);
  // Pointers are addresses: read them as 64-bit unsigned (str() dereferences them).
  if (f.cType.includes('*') && f.size === 8) return u64;
  if (f.cType.includes('[')) return undefined;
  if (f.size === 1 || f.size === 2 || f.size === 4 || f.size === 8) return intType((f.size * 8) as IntBits, f.signed);
  return undefined;
}
