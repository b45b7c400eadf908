// Builds small BTF blobs (the format of /sys/kernel/btf/vmlinux, read by runtime/btf.ts) for
// BPF_BTF_LOAD: the few types a program describes to the kernel, e.g. the struct members its
// CO-RE relocated loads assume (runtime/field-relocations.ts). Only the kinds we emit.
import { BTF_MAGIC, BtfKindId } from './btf.ts';

const BTF_VERSION = 1;
const HEADER_LEN = 24;
/** BTF_INT_SIGNED in an INT's encoding bits. */
const INT_SIGNED = 1;

export type TypeId = number;

export class BtfWriter {
  /** Type records after void (id 0); record i has id i + 1. */
  private readonly records: Buffer[] = [];
  private readonly strings: string[] = [''];
  private readonly stringAt = new Map<string, number>([['', 0]]);
  private stringBytes = 1;

  /** The string table offset of `s`, adding it once. */
  str(s: string): number {
    let at = this.stringAt.get(s);
    if (at === undefined) {
      at = this.stringBytes;
      this.stringAt.set(s, at);
      this.strings.push(s);
      this.stringBytes += Buffer.byteLength(s) + 1;
    }
    return at;
  }

  int(name: string, size: number, signed: boolean): TypeId {
    const extra = Buffer.alloc(4);
    extra.writeUInt32LE(((signed ? INT_SIGNED : 0) << 24) | (size * 8), 0);
    return this.add(name, 'int', 0, size, extra);
  }

  ptr(target: TypeId): TypeId {
    return this.add('', 'ptr', 0, target);
  }

  array(elem: TypeId, index: TypeId, length: number): TypeId {
    const extra = Buffer.alloc(12);
    extra.writeUInt32LE(elem, 0);
    extra.writeUInt32LE(index, 4);
    extra.writeUInt32LE(length, 8);
    return this.add('', 'array', 0, 0, extra);
  }

  struct(name: string, size: number, members: readonly { name: string; type: TypeId; byteOffset: number }[]): TypeId {
    const extra = Buffer.alloc(12 * members.length);
    members.forEach((m, i) => {
      extra.writeUInt32LE(this.str(m.name), 12 * i);
      extra.writeUInt32LE(m.type, 12 * i + 4);
      extra.writeUInt32LE(m.byteOffset * 8, 12 * i + 8);
    });
    return this.add(name, 'struct', members.length, size, extra);
  }

  funcProto(returns: TypeId, params: readonly { name: string; type: TypeId }[]): TypeId {
    const extra = Buffer.alloc(8 * params.length);
    params.forEach((p, i) => {
      extra.writeUInt32LE(this.str(p.name), 8 * i);
      extra.writeUInt32LE(p.type, 8 * i + 4);
    });
    return this.add('', 'func_proto', params.length, returns, extra);
  }

  /** A function with static linkage (vlen 0), as a program's func_info names it. */
  func(name: string, proto: TypeId): TypeId {
    return this.add(name, 'func', 0, proto);
  }

  /** The blob: header, type section, string section. */
  finish(): Buffer {
    const types = Buffer.concat(this.records);
    const strings = Buffer.from(this.strings.map((s) => `${s}\0`).join(''), 'utf8');
    const header = Buffer.alloc(HEADER_LEN);
    header.writeUInt16LE(BTF_MAGIC, 0);
    header.writeUInt8(BTF_VERSION, 2);
    header.writeUInt8(0, 3); // flags
    header.writeUInt32LE(HEADER_LEN, 4);
    header.writeUInt32LE(0, 8); // type_off
    header.writeUInt32LE(types.length, 12);
    header.writeUInt32LE(types.length, 16); // str_off
    header.writeUInt32LE(strings.length, 20);
    return Buffer.concat([header, types, strings]);
  }

  private add(name: string, kind: keyof typeof BtfKindId, vlen: number, sizeOrType: number, extra?: Buffer): TypeId {
    const head = Buffer.alloc(12);
    head.writeUInt32LE(this.str(name), 0);
    head.writeUInt32LE(((BtfKindId[kind] << 24) | vlen) >>> 0, 4);
    head.writeUInt32LE(sizeOrType, 8);
    this.records.push(extra ? Buffer.concat([head, extra]) : head);
    return this.records.length;
  }
}
