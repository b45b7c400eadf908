// A reader for raw BTF (the kernel's type information, /sys/kernel/btf/vmlinux): header, type
// section and string section, every kind. Parsing only records where each type starts; types,
// strings and the name index are decoded on demand, so start-up pays for what a script uses.
// Layouts from include/uapi/linux/btf.h and Documentation/bpf/btf.rst.
import { readFileSync } from 'node:fs';

export const BTF_MAGIC = 0xeb9f;
export const VMLINUX_BTF = '/sys/kernel/btf/vmlinux';

/** BTF_KIND_* numbers, in kernel order. */
export const BtfKindId = {
  int: 1, ptr: 2, array: 3, struct: 4, union: 5, enum: 6, fwd: 7, typedef: 8, volatile: 9, const: 10,
  restrict: 11, func: 12, func_proto: 13, var: 14, datasec: 15, float: 16, decl_tag: 17, type_tag: 18, enum64: 19,
} as const;
export type BtfKind = keyof typeof BtfKindId;
const KIND_NAMES: readonly (BtfKind | undefined)[] = [undefined, ...(Object.keys(BtfKindId) as BtfKind[])];

export interface BtfMember {
  readonly name: string;
  readonly type: number;
  /** Offset from the start of the struct, in bits. */
  readonly bitOffset: number;
  /** Width of a bitfield in bits; 0 for an ordinary member. */
  readonly bitfieldSize: number;
}

export interface BtfEnumValue {
  readonly name: string;
  readonly value: bigint;
}

export interface BtfParam {
  /** Empty for an unnamed parameter; the variadic `...` is a param with name '' and type 0. */
  readonly name: string;
  readonly type: number;
}

interface Base {
  readonly id: number;
  readonly name: string;
}

/** One decoded BTF type. `type` fields are type ids (0 is void). */
export type BtfType =
  | (Base & { readonly kind: 'void' })
  | (Base & {
      readonly kind: 'int';
      readonly size: number;
      readonly signed: boolean;
      readonly char: boolean;
      readonly bool: boolean;
      readonly bits: number;
      readonly bitOffset: number;
    })
  | (Base & { readonly kind: 'ptr' | 'typedef' | 'volatile' | 'const' | 'restrict' | 'type_tag'; readonly type: number })
  | (Base & { readonly kind: 'array'; readonly type: number; readonly indexType: number; readonly nelems: number })
  | (Base & { readonly kind: 'struct' | 'union'; readonly size: number; readonly members: readonly BtfMember[] })
  | (Base & { readonly kind: 'enum' | 'enum64'; readonly size: number; readonly signed: boolean; readonly values: readonly BtfEnumValue[] })
  | (Base & { readonly kind: 'fwd'; readonly union: boolean })
  | (Base & { readonly kind: 'func'; readonly type: number; readonly linkage: number })
  | (Base & { readonly kind: 'func_proto'; readonly returnType: number; readonly params: readonly BtfParam[] })
  | (Base & { readonly kind: 'var'; readonly type: number; readonly linkage: number })
  | (Base & { readonly kind: 'datasec'; readonly size: number; readonly vars: readonly { type: number; offset: number; size: number }[] })
  | (Base & { readonly kind: 'float'; readonly size: number })
  | (Base & { readonly kind: 'decl_tag'; readonly type: number; readonly componentIdx: number });

/** A type as a value: typedefs, qualifiers and type tags looked through. */
export type ValueShape =
  | { readonly kind: 'void' }
  /** Integers, `bool`, `char` and enums. */
  | { readonly kind: 'int'; readonly size: number; readonly signed: boolean }
  | { readonly kind: 'pointer'; readonly size: 8; readonly target: number }
  | { readonly kind: 'struct' | 'union' | 'array' | 'float' | 'fwd' | 'func_proto'; readonly size: number };

export interface TypedValue {
  /** The type as C would write it (`const char *`, `struct open_how *`, `long int`, `size_t`). */
  readonly cType: string;
  readonly shape: ValueShape;
  /** The type id as declared (before looking through typedefs). */
  readonly type: number;
}

export interface FuncSignature {
  readonly name: string;
  /** The FUNC's type id: what BPF_PROG_LOAD's attach_btf_id takes. */
  readonly id: number;
  readonly params: readonly (TypedValue & { readonly name: string })[];
  readonly returns: TypedValue;
  readonly variadic: boolean;
}

export interface StructField extends TypedValue {
  readonly name: string;
  readonly bitOffset: number;
  /** bitOffset / 8, rounded down. */
  readonly offset: number;
  readonly bitfieldSize: number;
}

export interface StructLayout {
  readonly name: string;
  readonly id: number;
  readonly kind: 'struct' | 'union';
  readonly size: number;
  readonly members: readonly StructField[];
}

export class BtfFormatError extends Error {
  constructor(message: string) {
    super(`invalid BTF: ${message}`);
    this.name = 'BtfFormatError';
  }
}

const HEADER_MIN = 24;
const TYPE_HEADER = 12;
/** Bytes after the common header, per kind, as (fixed, per vlen entry). */
function extraBytes(kind: number, vlen: number): number {
  switch (kind) {
    case BtfKindId.int:
    case BtfKindId.var:
    case BtfKindId.decl_tag:
      return 4;
    case BtfKindId.array:
      return 12;
    case BtfKindId.struct:
    case BtfKindId.union:
    case BtfKindId.datasec:
    case BtfKindId.enum64:
      return 12 * vlen;
    case BtfKindId.enum:
    case BtfKindId.func_proto:
      return 8 * vlen;
    case BtfKindId.ptr:
    case BtfKindId.fwd:
    case BtfKindId.typedef:
    case BtfKindId.volatile:
    case BtfKindId.const:
    case BtfKindId.restrict:
    case BtfKindId.func:
    case BtfKindId.float:
    case BtfKindId.type_tag:
      return 0;
    default:
      throw new BtfFormatError(`unknown kind ${kind}`);
  }
}

/** Name lookups answered by a linear scan before the name index is built. */
const SCAN_LOOKUPS = 8;

/** At most this many typedef/qualifier hops: BTF loops would otherwise hang us. */
const MAX_CHAIN = 64;

export class Btf {
  /** Byte offset in `view` of type id i+1. */
  private readonly offsets: Uint32Array;
  private readonly view: DataView;
  private readonly typesStart: number;
  private readonly strStart: number;
  private readonly strEnd: number;
  private readonly decoded = new Map<number, BtfType>();
  private byName: Map<number, number[]> | undefined;
  private lookups = 0;

  private constructor(private readonly bytes: Uint8Array) {
    if (bytes.length < HEADER_MIN) throw new BtfFormatError('shorter than its header');
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const v = this.view;
    if (v.getUint16(0, true) !== BTF_MAGIC) throw new BtfFormatError('bad magic (big-endian BTF is not supported)');
    const hdrLen = v.getUint32(4, true);
    const typeOff = v.getUint32(8, true);
    const typeLen = v.getUint32(12, true);
    const strOff = v.getUint32(16, true);
    const strLen = v.getUint32(20, true);
    this.typesStart = hdrLen + typeOff;
    const typesEnd = this.typesStart + typeLen;
    this.strStart = hdrLen + strOff;
    this.strEnd = this.strStart + strLen;
    if (hdrLen < HEADER_MIN || typesEnd > bytes.length || this.strEnd > bytes.length) {
      throw new BtfFormatError('section out of bounds');
    }
    // One pass over the type section: record where every type starts.
    let offsets = new Uint32Array(Math.max(16, typeLen >> 4));
    let n = 0;
    for (let at = this.typesStart; at < typesEnd; ) {
      if (at + TYPE_HEADER > typesEnd) throw new BtfFormatError(`truncated type ${n + 1}`);
      if (n === offsets.length) {
        const grown = new Uint32Array(offsets.length * 2);
        grown.set(offsets);
        offsets = grown;
      }
      offsets[n++] = at;
      const info = v.getUint32(at + 4, true);
      at += TYPE_HEADER + extraBytes((info >>> 24) & 0x1f, info & 0xffff);
      if (at > typesEnd) throw new BtfFormatError(`truncated type ${n}`);
    }
    this.offsets = offsets.subarray(0, n);
  }

  /** Parses raw BTF bytes (only the section boundaries and type positions are read now). */
  static parse(bytes: Uint8Array): Btf {
    return new Btf(bytes);
  }

  /** The running kernel's BTF, or undefined if the kernel exposes none. */
  static readVmlinux(path = VMLINUX_BTF): Btf | undefined {
    let bytes: Buffer;
    try {
      bytes = readFileSync(path);
    } catch {
      return undefined;
    }
    return Btf.parse(bytes);
  }

  /** Number of types, not counting void (ids run 1..count). */
  get count(): number {
    return this.offsets.length;
  }

  /** The string at `off` in the string section. */
  str(off: number): string {
    const start = this.strStart + off;
    if (off < 0 || start >= this.strEnd) throw new BtfFormatError(`string offset ${off} out of range`);
    let end = start;
    while (end < this.strEnd && this.bytes[end] !== 0) end++;
    return Buffer.from(this.bytes.buffer, this.bytes.byteOffset + start, end - start).toString('utf8');
  }

  /** The kind of type `id` without decoding it. */
  kindOf(id: number): BtfKind | 'void' {
    if (id === 0) return 'void';
    const kind = KIND_NAMES[(this.view.getUint32(this.at(id) + 4, true) >>> 24) & 0x1f];
    if (!kind) throw new BtfFormatError(`type ${id} has an unknown kind`);
    return kind;
  }

  /** Type `id`, decoded (and cached). */
  type(id: number): BtfType {
    let t = this.decoded.get(id);
    if (!t) {
      t = this.decode(id);
      this.decoded.set(id, t);
    }
    return t;
  }

  /** Ids of the types named `name` of `kind` (FUNC, STRUCT, UNION, TYPEDEF, ... any named kind). */
  findByName(name: string, kind: BtfKind): number[] {
    if (name === '') return [];
    const offs = this.stringOffsets(name);
    if (offs.length === 0) return [];
    // A few lookups (a script's fentry probes) scan the type table, ~1 ms each; after that an
    // index by name offset (~25 ms to build on vmlinux) pays off.
    let ids: number[];
    if (++this.lookups <= SCAN_LOOKUPS) {
      ids = [];
      for (const off of offs) {
        for (let i = 0; i < this.offsets.length; i++) if (this.view.getUint32(this.offsets[i]!, true) === off) ids.push(i + 1);
      }
      ids.sort((x, y) => x - y);
    } else {
      const index = this.nameIndex();
      ids = offs.flatMap((off) => index.get(off) ?? []).sort((x, y) => x - y);
    }
    return ids.filter((id) => this.kindOf(id) === kind);
  }

  /** The id of FUNC `name`, or undefined. */
  findFunc(name: string): number | undefined {
    return this.findByName(name, 'func')[0];
  }

  /** The id of `struct name` (or `union name` with kind 'union'), or undefined. */
  findStruct(name: string, kind: 'struct' | 'union' = 'struct'): number | undefined {
    return this.findByName(name, kind)[0];
  }

  /** The parameters and return type of kernel function `name`, or undefined if BTF has no such FUNC. */
  funcSignature(name: string): FuncSignature | undefined {
    const id = this.findFunc(name);
    if (id === undefined) return undefined;
    const fn = this.type(id);
    if (fn.kind !== 'func') return undefined;
    const proto = this.type(fn.type);
    if (proto.kind !== 'func_proto') throw new BtfFormatError(`FUNC ${name} does not point at a FUNC_PROTO`);
    const variadic = proto.params.length > 0 && proto.params[proto.params.length - 1]!.type === 0;
    const params = (variadic ? proto.params.slice(0, -1) : proto.params).map((p) => ({ name: p.name, ...this.typedValue(p.type) }));
    return { name, id, params, returns: this.typedValue(proto.returnType), variadic };
  }

  /** The members of `struct name` (or a struct/union id) with their offsets and types. */
  structLayout(nameOrId: string | number, kind: 'struct' | 'union' = 'struct'): StructLayout | undefined {
    const id = typeof nameOrId === 'number' ? nameOrId : this.findStruct(nameOrId, kind);
    if (id === undefined) return undefined;
    const t = this.type(id);
    if (t.kind !== 'struct' && t.kind !== 'union') return undefined;
    return {
      name: t.name,
      id,
      kind: t.kind,
      size: t.size,
      members: t.members.map((m) => ({
        name: m.name,
        bitOffset: m.bitOffset,
        offset: Math.floor(m.bitOffset / 8),
        bitfieldSize: m.bitfieldSize,
        ...this.typedValue(m.type),
      })),
    };
  }

  /** Follows typedefs, const/volatile/restrict and type tags to the underlying type id. */
  resolve(id: number): number {
    let cur = id;
    for (let hops = 0; hops < MAX_CHAIN; hops++) {
      const t = this.type(cur);
      if (t.kind !== 'typedef' && t.kind !== 'const' && t.kind !== 'volatile' && t.kind !== 'restrict' && t.kind !== 'type_tag') return cur;
      cur = t.type;
    }
    throw new BtfFormatError(`type ${id}: typedef/qualifier chain too long`);
  }

  /** What a value of type `id` is: its size, signedness, pointer-ness. */
  shape(id: number): ValueShape {
    const t = this.type(this.resolve(id));
    switch (t.kind) {
      case 'void':
        return { kind: 'void' };
      case 'int':
        return { kind: 'int', size: t.size, signed: t.signed };
      case 'enum':
      case 'enum64':
        return { kind: 'int', size: t.size, signed: t.signed };
      case 'ptr':
        return { kind: 'pointer', size: 8, target: t.type };
      case 'struct':
      case 'union':
      case 'float':
        return { kind: t.kind, size: t.size };
      case 'array':
        return { kind: 'array', size: t.nelems * this.sizeOf(t.type) };
      case 'fwd':
        return { kind: 'fwd', size: 0 };
      case 'func_proto':
        return { kind: 'func_proto', size: 0 };
      default:
        throw new BtfFormatError(`type ${id} (${t.kind}) is not a value type`);
    }
  }

  /** Size in bytes of a value of type `id`. */
  sizeOf(id: number): number {
    const s = this.shape(id);
    return s.kind === 'void' ? 0 : s.size;
  }

  /** How C writes type `id`, e.g. `const char *`, `struct file *`, `unsigned int`. */
  cType(id: number): string {
    return this.declarator(id, '').trim();
  }

  private typedValue(id: number): TypedValue {
    return { cType: this.cType(id), shape: this.shape(id), type: id };
  }

  /** C declaration text of type `id` around `inner` (the part to the right of the base type). */
  private declarator(id: number, inner: string, depth = 0): string {
    if (depth > MAX_CHAIN) return `? ${inner}`;
    const t = this.type(id);
    const named = (prefix: string) => `${prefix}${t.name || '(anon)'}${inner && !inner.startsWith('[') ? ` ${inner}` : inner}`;
    switch (t.kind) {
      case 'void':
        return named('').replace('(anon)', 'void');
      case 'int':
      case 'float':
      case 'typedef':
        return named('');
      case 'struct':
      case 'union':
        return named(`${t.kind} `);
      case 'enum':
      case 'enum64':
        return named('enum ');
      case 'fwd':
        return named(t.union ? 'union ' : 'struct ');
      case 'ptr': {
        const target = this.type(t.type);
        const needsParens = target.kind === 'array' || target.kind === 'func_proto';
        return this.declarator(t.type, needsParens ? `(*${inner})` : `*${inner}`, depth + 1);
      }
      case 'const':
      case 'volatile':
      case 'restrict': {
        // `const char` but `char *const`: a qualifier binds to what is on its left.
        if (this.type(t.type).kind === 'ptr') return this.declarator(t.type, `${t.kind}${inner ? ` ${inner}` : ''}`, depth + 1);
        return `${t.kind} ${this.declarator(t.type, inner, depth + 1)}`;
      }
      case 'type_tag':
        return this.declarator(t.type, inner, depth + 1);
      case 'array':
        return this.declarator(t.type, `${inner}[${t.nelems}]`, depth + 1);
      case 'func_proto': {
        const params = t.params.map((p) => (p.type === 0 ? '...' : this.cType(p.type))).join(', ');
        return this.declarator(t.returnType, `${inner}(${params || 'void'})`, depth + 1);
      }
      case 'func':
      case 'var':
      case 'datasec':
      case 'decl_tag':
        return named(`${t.kind} `);
    }
  }

  private at(id: number): number {
    const off = this.offsets[id - 1];
    if (!Number.isInteger(id) || id < 1 || off === undefined) throw new BtfFormatError(`no type with id ${id}`);
    return off;
  }

  /** Type ids by name offset, for every named type. Keyed by offset rather than by string so
   *  that building it decodes no strings: a lookup finds the name's offsets first. */
  private nameIndex(): Map<number, number[]> {
    if (this.byName) return this.byName;
    const index = new Map<number, number[]>();
    const v = this.view;
    for (let i = 0; i < this.offsets.length; i++) {
      const nameOff = v.getUint32(this.offsets[i]!, true);
      if (nameOff === 0) continue;
      const ids = index.get(nameOff);
      if (ids) ids.push(i + 1);
      else index.set(nameOff, [i + 1]);
    }
    this.byName = index;
    return index;
  }

  /** Every offset in the string section where exactly `name` is stored. */
  private stringOffsets(name: string): number[] {
    const strings = Buffer.from(this.bytes.buffer, this.bytes.byteOffset + this.strStart, this.strEnd - this.strStart);
    // Strings are NUL-terminated and the section starts with the empty string, so a whole
    // string is always preceded by a NUL.
    const needle = Buffer.from(`\0${name}\0`, 'utf8');
    const found: number[] = [];
    for (let at = strings.indexOf(needle); at >= 0; at = strings.indexOf(needle, at + 1)) found.push(at + 1);
    return found;
  }

  private decode(id: number): BtfType {
    if (id === 0) return { kind: 'void', id: 0, name: 'void' };
    const v = this.view;
    const at = this.at(id);
    const name = this.str(v.getUint32(at, true));
    const info = v.getUint32(at + 4, true);
    const vlen = info & 0xffff;
    const kindFlag = info >>> 31 === 1;
    const sizeOrType = v.getUint32(at + 8, true);
    const kind = this.kindOf(id);
    const x = at + TYPE_HEADER;
    const u32 = (off: number) => v.getUint32(off, true);
    const list = <T>(stride: number, f: (off: number) => T): T[] => Array.from({ length: vlen }, (_, i) => f(x + i * stride));
    switch (kind) {
      case 'int': {
        const enc = u32(x);
        const encoding = (enc >>> 24) & 0x0f;
        return {
          kind, id, name, size: sizeOrType,
          signed: (encoding & 1) !== 0, char: (encoding & 2) !== 0, bool: (encoding & 4) !== 0,
          bitOffset: (enc >>> 16) & 0xff, bits: enc & 0xff,
        };
      }
      case 'ptr':
      case 'typedef':
      case 'volatile':
      case 'const':
      case 'restrict':
      case 'type_tag':
        return { kind, id, name, type: sizeOrType };
      case 'array':
        return { kind, id, name, type: u32(x), indexType: u32(x + 4), nelems: u32(x + 8) };
      case 'struct':
      case 'union':
        return {
          kind, id, name, size: sizeOrType,
          members: list(12, (m) => {
            const off = u32(m + 8);
            return {
              name: this.str(u32(m)),
              type: u32(m + 4),
              // With kind_flag, the offset word is bitfield_size << 24 | bit_offset.
              bitOffset: kindFlag ? off & 0xffffff : off,
              bitfieldSize: kindFlag ? off >>> 24 : 0,
            };
          }),
        };
      case 'enum':
        return {
          kind, id, name, size: sizeOrType, signed: kindFlag,
          values: list(8, (e) => ({
            name: this.str(u32(e)),
            value: kindFlag ? BigInt(v.getInt32(e + 4, true)) : BigInt(u32(e + 4)),
          })),
        };
      case 'enum64':
        return {
          kind, id, name, size: sizeOrType, signed: kindFlag,
          values: list(12, (e) => {
            const raw = (BigInt(u32(e + 8)) << 32n) | BigInt(u32(e + 4));
            return { name: this.str(u32(e)), value: kindFlag ? BigInt.asIntN(64, raw) : raw };
          }),
        };
      case 'fwd':
        return { kind, id, name, union: kindFlag };
      case 'func':
        return { kind, id, name, type: sizeOrType, linkage: vlen };
      case 'func_proto':
        return { kind, id, name, returnType: sizeOrType, params: list(8, (p) => ({ name: this.str(u32(p)), type: u32(p + 4) })) };
      case 'var':
        return { kind, id, name, type: sizeOrType, linkage: u32(x) };
      case 'datasec':
        return { kind, id, name, size: sizeOrType, vars: list(12, (s) => ({ type: u32(s), offset: u32(s + 4), size: u32(s + 8) })) };
      case 'float':
        return { kind, id, name, size: sizeOrType };
      case 'decl_tag':
        return { kind, id, name, type: sizeOrType, componentIdx: v.getInt32(x, true) };
      case 'void':
        throw new BtfFormatError('void has no entry');
    }
  }
}
