// What `e[i]` reads when `e` is a value or a place other than a tracepoint array field (those
// are resolved per attach point in infer.ts): an element of a kernel struct array member, or
// what a pointer points to, `i` elements further. bpftrace 0.17's rules and messages.
import type { IndexInfo } from '../checked.ts';
import type { KernelTypes } from '../env.ts';
import { intType, typeName, u64, type IntBits, type IntType, type Type } from '../types.ts';
import { pointerTo, type ArrayPlace, type RecordPlace } from './members.ts';

export type IndexResult =
  | { readonly ok: true; readonly type: IntType; readonly info: IndexInfo }
  | { readonly ok: false; readonly message: string };

const NOT_INDEXABLE = (what: string): IndexResult => ({
  ok: false,
  message: `The array index operator [] can only be used on arrays and pointers, found ${what}.`,
});

/**
 * Element `index` of `place`. `pointerCType` is the declared C type of a tracepoint pointer field
 * (`const char *const * argv`), whose pointee tracefs describes only in words.
 */
export function indexedElement(
  place: Type | RecordPlace | ArrayPlace,
  index: bigint,
  kernelTypes: () => KernelTypes | undefined,
  pointerCType?: string,
): IndexResult {
  if (place.kind === 'array') {
    if (index >= BigInt(place.count)) return { ok: false, message: `the index ${index} is out of bounds for array of size ${place.count}` };
    return {
      ok: true,
      type: place.elem,
      info: { kind: 'member', offset: Number(index) * place.elemSize, size: place.elemSize, ...(place.user ? { user: true } : {}) },
    };
  }
  if (place.kind === 'record') return NOT_INDEXABLE(place.cType);
  if (place.kind !== 'int') return NOT_INDEXABLE(typeName(place));
  if (index > 0x7fffffffn) return { ok: false, message: `the index ${index} is too large` };
  const at = (size: 1 | 2 | 4 | 8) => Number(index) * size;
  if (place.pointee) {
    const p = place.pointee;
    if (p.id === 0) return { ok: false, message: 'The array index operator [] cannot be used on a pointer to an unsized type (void *).' };
    const types = kernelTypes();
    const shape = types?.describe(p.id).shape;
    const space = p.user ? 'user' : 'kernel';
    if (types && shape?.kind === 'pointer') return { ok: true, type: pointerTo(types, shape.target, p.user), info: { kind: 'pointer', offset: at(8), size: 8, space } };
    if (shape?.kind === 'int' && (shape.size === 1 || shape.size === 2 || shape.size === 4 || shape.size === 8)) {
      return { ok: true, type: intType((shape.size * 8) as IntBits, shape.signed), info: { kind: 'pointer', offset: at(shape.size), size: shape.size, space } };
    }
    return { ok: false, message: `The array index operator [] can not read elements of type '${p.cType}' yet` };
  }
  const elem = pointerCType === undefined ? undefined : pointeeOf(pointerCType);
  if (!elem) return NOT_INDEXABLE(pointerCType ?? typeName(place));
  return { ok: true, type: elem.type, info: { kind: 'pointer', offset: at(elem.size), size: elem.size, space: 'program' } };
}

/** C integer types by name, as tracepoint formats spell them: [size, signed]. */
const C_INTS: Readonly<Record<string, readonly [1 | 2 | 4 | 8, boolean]>> = {
  char: [1, true], 'signed char': [1, true], 'unsigned char': [1, false], u8: [1, false], __u8: [1, false], s8: [1, true], __s8: [1, true],
  short: [2, true], 'unsigned short': [2, false], u16: [2, false], __u16: [2, false], s16: [2, true], __s16: [2, true], umode_t: [2, false],
  int: [4, true], 'unsigned int': [4, false], unsigned: [4, false], u32: [4, false], __u32: [4, false], s32: [4, true], __s32: [4, true],
  pid_t: [4, true], uid_t: [4, false], gid_t: [4, false], key_serial_t: [4, true],
  long: [8, true], 'long long': [8, true], 'unsigned long': [8, false], 'unsigned long long': [8, false],
  u64: [8, false], __u64: [8, false], s64: [8, true], __s64: [8, true], size_t: [8, false], ssize_t: [8, true], loff_t: [8, true], off_t: [8, true],
};

/** The element type of a C pointer type text: `int *` → int32, `const char *const *` → a pointer (u64). */
export function pointeeOf(cType: string): { readonly type: IntType; readonly size: 1 | 2 | 4 | 8 } | undefined {
  const t = cType.replace(/\b(const|volatile|__user)\b/g, ' ').replace(/\s+/g, ' ').trim();
  const m = /^(.*?)\s*\*\s*\w*$/.exec(t);
  if (!m) return undefined;
  const inner = m[1]!.trim();
  if (inner.endsWith('*')) return { type: u64, size: 8 };
  const int = C_INTS[inner];
  return int ? { type: intType((int[0] * 8) as IntBits, int[1]), size: int[0] } : undefined;
}
