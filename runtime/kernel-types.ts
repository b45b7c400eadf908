// Struct layouts and type descriptions from the kernel's BTF, as semantic analysis asks for
// them (lang/env.ts KernelTypes) when a script follows kernel struct pointers.
import type { KernelRecord, KernelTypeInfo, KernelTypes, KernelTypeShape } from '../lang/env.ts';
import type { Btf } from './btf.ts';

export class BtfKernelTypes implements KernelTypes {
  /** Every enumerator by name, built on the first lookup (only scripts naming an unknown
   *  identifier pay for the scan). The first enum declaring a name wins. */
  private enumerators: Map<string, bigint> | undefined;

  constructor(private readonly btf: Btf) {}

  enumerator(name: string): bigint | undefined {
    if (!this.enumerators) {
      this.enumerators = new Map();
      for (let id = 1; id <= this.btf.count; id++) {
        const kind = this.btf.kindOf(id);
        if (kind !== 'enum' && kind !== 'enum64') continue;
        const t = this.btf.type(id);
        if (t.kind !== 'enum' && t.kind !== 'enum64') continue;
        for (const v of t.values) if (!this.enumerators.has(v.name)) this.enumerators.set(v.name, v.value);
      }
    }
    return this.enumerators.get(name);
  }

  recordId(kind: 'struct' | 'union', name: string): number | undefined {
    return this.btf.findStruct(name, kind);
  }

  record(id: number): KernelRecord | undefined {
    if (id === 0) return undefined;
    const t = this.btf.type(this.btf.resolve(id));
    if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
    return { kind: t.kind, name: t.name, id: t.id, size: t.size, members: t.members };
  }

  describe(id: number): KernelTypeInfo {
    return { cType: this.btf.cType(id), shape: this.shape(id) };
  }

  private shape(id: number): KernelTypeShape {
    const resolved = this.btf.resolve(id);
    const t = this.btf.type(resolved);
    switch (t.kind) {
      case 'void':
        return { kind: 'void' };
      case 'int':
      case 'enum':
      case 'enum64':
        return { kind: 'int', size: t.size, signed: t.signed };
      case 'ptr':
        return { kind: 'pointer', target: t.type };
      case 'struct':
      case 'union':
        return { kind: 'record', id: resolved, size: t.size };
      case 'array':
        return { kind: 'array', elem: t.type, nelems: t.nelems, size: this.btf.sizeOf(resolved) };
      default:
        return { kind: 'other', size: this.btf.sizeOf(resolved) };
    }
  }
}
