// Kernel struct members through BTF: `p->f` and `p.f` on a BTF-typed pointer, `r.f` on an
// embedded struct member, `(struct NAME *)e` casts and `curtask`. The kernel's layouts come from
// KernelTypes (lang/env.ts); what each access reads is recorded as a MemberInfo for codegen.
import type { MemberInfo } from '../checked.ts';
import type { KernelMember, KernelRecord, KernelTypes } from '../env.ts';
import { intType, stringType, u64, type IntBits, type IntType, type Type } from '../types.ts';

/** An embedded struct/union member: not a value, only something to take members of. */
export interface RecordPlace {
  readonly kind: 'record';
  readonly id: number;
  readonly cType: string;
  readonly user?: boolean;
}

/** An array member other than char[N]: not a value, only something to index. */
export interface ArrayPlace {
  readonly kind: 'array';
  readonly cType: string;
  /** The element type: an integer or a BTF-typed pointer. */
  readonly elem: IntType;
  readonly elemSize: 1 | 2 | 4 | 8;
  readonly count: number;
  readonly user?: boolean;
}

export type MemberResult =
  | { readonly ok: true; readonly value: Type | RecordPlace | ArrayPlace; readonly info: MemberInfo }
  | { readonly ok: false; readonly message: string; readonly notes?: readonly string[] };

export const NO_BTF = 'kernel struct types need the kernel\'s BTF (/sys/kernel/btf/vmlinux), which this system does not have';

/** A pointer to BTF type `target`, as a u64 that remembers what it points to. */
export function pointerTo(types: KernelTypes, target: number, user = false): IntType {
  const cType = target === 0 ? 'void' : types.describe(target).cType;
  return { ...u64, pointee: { id: target, cType, ...(user ? { user } : {}) } };
}

/** A tracepoint field declared as a struct pointer (`struct __kernel_timespec * rqtp`) as a
 *  BTF-typed pointer; syscall arguments point to user memory. Undefined if not one. */
export function tracepointPointer(types: KernelTypes | undefined, cType: string, user: boolean): IntType | undefined {
  const m = /^(?:const\s+)?(struct|union)\s+(\w+)\s*\*$/.exec(cType.trim());
  if (!m || !types) return undefined;
  const id = types.recordId(m[1] as 'struct' | 'union', m[2]!);
  return id === undefined ? undefined : pointerTo(types, id, user);
}

/** The type `(struct NAME *)` names, or an error message (with a hint). */
export function castPointerType(types: KernelTypes | undefined, typeName: string): IntType | { message: string; notes?: string[] } {
  const m = /^(struct|union)\s+(\w+)\s*(\*+)$/.exec(typeName);
  if (!m) return { message: `Unknown type in cast: ${typeName}` };
  const [, kind, name, stars] = m as unknown as [string, 'struct' | 'union', string, string];
  if (stars.length > 1) return { message: `Casts to pointers to pointers (${typeName}) are not supported yet` };
  if (!types) return { message: `Cannot resolve type "${kind} ${name}": ${NO_BTF}` };
  const id = types.recordId(kind, name);
  if (id === undefined) {
    return { message: `Cannot resolve unknown type "${kind} ${name}"`, notes: [`HINT: the kernel's BTF has no ${kind} named '${name}'; check the spelling`] };
  }
  return pointerTo(types, id);
}

/** Member `name` of `rec`, looking inside anonymous struct/union members as C does. */
function findMember(types: KernelTypes, rec: KernelRecord, name: string, depth = 0): { member: KernelMember; bitOffset: number } | undefined {
  for (const m of rec.members) {
    if (m.name === name) return { member: m, bitOffset: m.bitOffset };
  }
  if (depth > 8) return undefined;
  for (const m of rec.members) {
    if (m.name !== '') continue;
    const inner = types.record(m.type);
    const found = inner && findMember(types, inner, name, depth + 1);
    if (found) return { member: found.member, bitOffset: m.bitOffset + found.bitOffset };
  }
  return undefined;
}

/** Member `name` of the record with BTF id `recordId` (named `cType` in messages). */
export function resolveMember(
  types: KernelTypes,
  recordId: number,
  cType: string,
  name: string,
  via: 'pointer' | 'record',
  user = false,
): MemberResult {
  const rec = types.record(recordId);
  if (!rec) return { ok: false, message: `Can not access field '${name}' on type '${cType}'` };
  const found = findMember(types, rec, name);
  if (!found) {
    return { ok: false, message: `Struct/union of type '${cType}' does not contain a field named '${name}'` };
  }
  const { member, bitOffset } = found;
  const desc = types.describe(member.type);
  const s = desc.shape;
  const offset = Math.floor(bitOffset / 8);
  const where = user ? { user } : {};
  const cannot = (): MemberResult => ({ ok: false, message: `Field '${name}' of '${cType}' has type '${desc.cType}', which tsbpf can not read yet` });
  if (member.bitfieldSize > 0) {
    if (s.kind !== 'int') return cannot();
    // Read the bytes holding the bitfield (at most 8 from its first byte), then shift and mask.
    const shift = bitOffset % 8;
    const need = Math.ceil((shift + member.bitfieldSize) / 8);
    const size = need <= 1 ? 1 : need <= 2 ? 2 : need <= 4 ? 4 : 8;
    if (shift + member.bitfieldSize > 64) return cannot();
    return {
      ok: true,
      value: intType(64, false),
      info: { via, offset, size, record: false, ...where, bitfield: { shift, bits: member.bitfieldSize } },
    };
  }
  switch (s.kind) {
    case 'int': {
      if (s.size !== 1 && s.size !== 2 && s.size !== 4 && s.size !== 8) return cannot();
      return { ok: true, value: intType((s.size * 8) as IntBits, s.signed), info: { via, offset, size: s.size, record: false, ...where } };
    }
    case 'pointer':
      return { ok: true, value: pointerTo(types, s.target, user), info: { via, offset, size: 8, record: false, ...where } };
    case 'record':
      return { ok: true, value: { kind: 'record', id: s.id, cType: desc.cType, ...where }, info: { via, offset, size: s.size, record: true, ...where } };
    case 'array': {
      const elem = types.describe(s.elem).shape;
      if (s.nelems === 0) return cannot();
      // char[N] (and u8[N]) read as strings, as bpftrace does.
      if (elem.kind === 'int' && elem.size === 1) {
        return { ok: true, value: stringType(s.nelems), info: { via, offset, size: s.nelems, record: false, ...where } };
      }
      // Other arrays can only be indexed: `in6_u.u6_addr32[3]`.
      let elemType: IntType;
      let elemSize: 1 | 2 | 4 | 8;
      if (elem.kind === 'int' && (elem.size === 2 || elem.size === 4 || elem.size === 8)) {
        [elemType, elemSize] = [intType((elem.size * 8) as IntBits, elem.signed), elem.size];
      } else if (elem.kind === 'pointer') {
        [elemType, elemSize] = [pointerTo(types, elem.target, user), 8];
      } else {
        return cannot();
      }
      return {
        ok: true,
        value: { kind: 'array', cType: desc.cType, elem: elemType, elemSize, count: s.nelems, ...where },
        info: { via, offset, size: s.size, record: true, ...where },
      };
    }
    default:
      return cannot();
  }
}
