import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Btf, BtfFormatError, BtfKindId, VMLINUX_BTF, type BtfKind } from '../../runtime/btf.ts';

/** Builds raw BTF by hand: strings are interned, types appended in id order (first is id 1). */
class BtfBuilder {
  private readonly strs: string[] = [''];
  private readonly strOff = new Map<string, number>([['', 0]]);
  private strLen = 1;
  private readonly types: Buffer[] = [];

  str(s: string): number {
    let off = this.strOff.get(s);
    if (off === undefined) {
      off = this.strLen;
      this.strOff.set(s, off);
      this.strs.push(s);
      this.strLen += Buffer.byteLength(s) + 1;
    }
    return off;
  }

  /** Appends a type; returns its id. */
  add(name: string, kind: BtfKind, vlen: number, sizeOrType: number, extra: number[] = [], kindFlag = false): number {
    const b = Buffer.alloc(12 + extra.length * 4);
    b.writeUInt32LE(this.str(name), 0);
    b.writeUInt32LE((((kindFlag ? 1 : 0) << 31) | (BtfKindId[kind] << 24) | vlen) >>> 0, 4);
    b.writeUInt32LE(sizeOrType, 8);
    extra.forEach((w, i) => b.writeUInt32LE(w >>> 0, 12 + i * 4));
    this.types.push(b);
    return this.types.length;
  }

  build(): Buffer {
    const types = Buffer.concat(this.types);
    const strings = Buffer.from(this.strs.map((s) => `${s}\0`).join(''), 'utf8');
    const hdr = Buffer.alloc(24);
    hdr.writeUInt16LE(0xeb9f, 0);
    hdr.writeUInt8(1, 2);
    hdr.writeUInt32LE(24, 4);
    hdr.writeUInt32LE(0, 8);
    hdr.writeUInt32LE(types.length, 12);
    hdr.writeUInt32LE(types.length, 16);
    hdr.writeUInt32LE(strings.length, 20);
    return Buffer.concat([hdr, types, strings]);
  }
}

const INT_SIGNED = 1 << 24;
const INT_CHAR = 2 << 24;
const INT_BOOL = 4 << 24;

/** One of every kind, ids in comments. */
function sampleBtf(): Btf {
  const b = new BtfBuilder();
  const int = b.add('int', 'int', 0, 4, [INT_SIGNED | 32]); // 1
  const char = b.add('char', 'int', 0, 1, [INT_SIGNED | INT_CHAR | 8]); // 2
  const constChar = b.add('', 'const', 0, char); // 3
  const constCharPtr = b.add('', 'ptr', 0, constChar); // 4
  const ulong = b.add('long unsigned int', 'int', 0, 8, [64]); // 5
  const sizeT = b.add('size_t', 'typedef', 0, ulong); // 6
  const charArr = b.add('', 'array', 0, 0, [char, int, 16]); // 7
  // struct point { int x; int y : 3 (bitfield at bit 32); char name[16]; } (kind_flag bitfields)
  const point = b.add('point', 'struct', 3, 24, [b.str('x'), int, 0, b.str('y'), int, (3 << 24) | 32, b.str('name'), charArr, 64], true); // 8
  const u = b.add('u', 'union', 2, 8, [b.str('a'), int, 0, b.str('b'), ulong, 0]); // 9
  const color = b.add('color', 'enum', 2, 4, [b.str('RED'), 0, b.str('NEG'), -1], true); // 10
  const big = b.add('big', 'enum64', 1, 8, [b.str('HUGE'), 0x89abcdef, 0x01234567]); // 11
  const fwd = b.add('opaque', 'fwd', 0, 0, [], true); // 12
  const vol = b.add('', 'volatile', 0, int); // 13
  const restr = b.add('', 'restrict', 0, constCharPtr); // 14
  const proto = b.add('', 'func_proto', 3, sizeT, [b.str('p'), b.add('', 'ptr', 0, point), b.str('s'), restr, 0, 0]); // 16 (15 = point *)
  const fn = b.add('do_thing', 'func', 1, proto); // 17
  const v = b.add('counter', 'var', 0, vol, [1]); // 18
  b.add('.data', 'datasec', 1, 8, [v, 0, 4]); // 19
  b.add('double', 'float', 0, 8); // 20
  b.add('tag', 'decl_tag', 0, fn, [0]); // 21
  b.add('user', 'type_tag', 0, int); // 22
  b.add('_Bool', 'int', 0, 1, [INT_BOOL | 8]); // 23
  void u; void color; void big; void fwd;
  return Btf.parse(b.build());
}

describe('Btf on hand-built BTF', () => {
  const btf = sampleBtf();

  it('decodes every kind', () => {
    expect(btf.count).toBe(23);
    expect(btf.type(1)).toEqual({ kind: 'int', id: 1, name: 'int', size: 4, signed: true, char: false, bool: false, bits: 32, bitOffset: 0 });
    expect(btf.type(2)).toMatchObject({ kind: 'int', name: 'char', signed: true, char: true, bits: 8 });
    expect(btf.type(3)).toEqual({ kind: 'const', id: 3, name: '', type: 2 });
    expect(btf.type(4)).toEqual({ kind: 'ptr', id: 4, name: '', type: 3 });
    expect(btf.type(6)).toEqual({ kind: 'typedef', id: 6, name: 'size_t', type: 5 });
    expect(btf.type(7)).toEqual({ kind: 'array', id: 7, name: '', type: 2, indexType: 1, nelems: 16 });
    expect(btf.type(8)).toEqual({
      kind: 'struct', id: 8, name: 'point', size: 24,
      members: [
        { name: 'x', type: 1, bitOffset: 0, bitfieldSize: 0 },
        { name: 'y', type: 1, bitOffset: 32, bitfieldSize: 3 },
        { name: 'name', type: 7, bitOffset: 64, bitfieldSize: 0 },
      ],
    });
    expect(btf.type(9)).toMatchObject({ kind: 'union', name: 'u', size: 8, members: [{ name: 'a', bitOffset: 0 }, { name: 'b', type: 5 }] });
    expect(btf.type(10)).toEqual({ kind: 'enum', id: 10, name: 'color', size: 4, signed: true, values: [{ name: 'RED', value: 0n }, { name: 'NEG', value: -1n }] });
    expect(btf.type(11)).toEqual({ kind: 'enum64', id: 11, name: 'big', size: 8, signed: false, values: [{ name: 'HUGE', value: 0x0123456789abcdefn }] });
    expect(btf.type(12)).toEqual({ kind: 'fwd', id: 12, name: 'opaque', union: true });
    expect(btf.type(13)).toEqual({ kind: 'volatile', id: 13, name: '', type: 1 });
    expect(btf.type(14)).toEqual({ kind: 'restrict', id: 14, name: '', type: 4 });
    expect(btf.type(15)).toEqual({ kind: 'ptr', id: 15, name: '', type: 8 });
    expect(btf.type(16)).toEqual({
      kind: 'func_proto', id: 16, name: '', returnType: 6,
      params: [{ name: 'p', type: 15 }, { name: 's', type: 14 }, { name: '', type: 0 }],
    });
    expect(btf.type(17)).toEqual({ kind: 'func', id: 17, name: 'do_thing', type: 16, linkage: 1 });
    expect(btf.type(18)).toEqual({ kind: 'var', id: 18, name: 'counter', type: 13, linkage: 1 });
    expect(btf.type(19)).toEqual({ kind: 'datasec', id: 19, name: '.data', size: 8, vars: [{ type: 18, offset: 0, size: 4 }] });
    expect(btf.type(20)).toEqual({ kind: 'float', id: 20, name: 'double', size: 8 });
    expect(btf.type(21)).toEqual({ kind: 'decl_tag', id: 21, name: 'tag', type: 17, componentIdx: 0 });
    expect(btf.type(22)).toEqual({ kind: 'type_tag', id: 22, name: 'user', type: 1 });
    expect(btf.type(0)).toEqual({ kind: 'void', id: 0, name: 'void' });
    expect(btf.type(23)).toEqual({ kind: 'int', id: 23, name: '_Bool', size: 1, signed: false, char: false, bool: true, bits: 8, bitOffset: 0 });
  });

  it('describes a function signature, looking through typedefs and qualifiers', () => {
    expect(btf.funcSignature('do_thing')).toEqual({
      name: 'do_thing',
      id: 17,
      params: [
        { name: 'p', cType: 'struct point *', shape: { kind: 'pointer', size: 8, target: 8 }, type: 15 },
        { name: 's', cType: 'const char *restrict', shape: { kind: 'pointer', size: 8, target: 3 }, type: 14 },
      ],
      returns: { cType: 'size_t', shape: { kind: 'int', size: 8, signed: false }, type: 6 },
      variadic: true,
    });
    expect(btf.funcSignature('point')).toBeUndefined();
    expect(btf.funcSignature('nope')).toBeUndefined();
  });

  it('lays out a struct', () => {
    expect(btf.structLayout('point')).toEqual({
      name: 'point', id: 8, kind: 'struct', size: 24,
      members: [
        { name: 'x', bitOffset: 0, offset: 0, bitfieldSize: 0, cType: 'int', shape: { kind: 'int', size: 4, signed: true }, type: 1 },
        { name: 'y', bitOffset: 32, offset: 4, bitfieldSize: 3, cType: 'int', shape: { kind: 'int', size: 4, signed: true }, type: 1 },
        { name: 'name', bitOffset: 64, offset: 8, bitfieldSize: 0, cType: 'char[16]', shape: { kind: 'array', size: 16 }, type: 7 },
      ],
    });
    expect(btf.structLayout('u', 'union')?.members.map((m) => m.name)).toEqual(['a', 'b']);
    expect(btf.structLayout('u')).toBeUndefined();
  });

  it('shapes and names values', () => {
    expect(btf.shape(10)).toEqual({ kind: 'int', size: 4, signed: true });
    expect(btf.shape(11)).toEqual({ kind: 'int', size: 8, signed: false });
    expect(btf.shape(13)).toEqual({ kind: 'int', size: 4, signed: true });
    expect(btf.shape(22)).toEqual({ kind: 'int', size: 4, signed: true });
    expect(btf.shape(12)).toEqual({ kind: 'fwd', size: 0 });
    expect(btf.shape(20)).toEqual({ kind: 'float', size: 8 });
    expect(btf.shape(0)).toEqual({ kind: 'void' });
    expect(btf.cType(4)).toBe('const char *');
    expect(btf.cType(13)).toBe('volatile int');
    expect(btf.cType(10)).toBe('enum color');
    expect(btf.cType(12)).toBe('union opaque');
    expect(btf.cType(16)).toBe('size_t (struct point *, const char *restrict, ...)');
    expect(btf.findByName('size_t', 'typedef')).toEqual([6]);
    expect(btf.findStruct('u', 'union')).toBe(9);
  });

  it('rejects malformed input with a BtfFormatError', () => {
    expect(() => Btf.parse(Buffer.alloc(10))).toThrow('invalid BTF: shorter than its header');
    const blob = new BtfBuilder();
    blob.add('x', 'int', 0, 4, [32]);
    const bytes = blob.build();
    bytes.writeUInt16LE(0x9feb, 0);
    expect(() => Btf.parse(bytes)).toThrow(BtfFormatError);
    const b2 = new BtfBuilder();
    b2.add('x', 'int', 0, 4, [32]);
    const bytes2 = b2.build();
    bytes2.writeUInt32LE((25 << 24) >>> 0, 24 + 4); // kind 25 does not exist
    expect(() => Btf.parse(bytes2)).toThrow('invalid BTF: unknown kind 25');
    expect(() => Btf.parse(b2.build()).type(2)).toThrow('invalid BTF: no type with id 2');
  });
});

const haveVmlinux = existsSync(VMLINUX_BTF);
const haveBpftool = (() => {
  try {
    execFileSync('bpftool', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!haveVmlinux || !haveBpftool)('Btf on this kernel (compared with bpftool)', () => {
  const raw = execFileSync('bpftool', ['btf', 'dump', 'file', VMLINUX_BTF, 'format', 'raw'], { encoding: 'utf8', maxBuffer: 256 << 20 });
  /** bpftool's raw entry of the type `[id] KIND 'name' ...` and its indented member lines. */
  const entry = (kind: string, name: string): { id: number; header: string; lines: string[] } => {
    const m = new RegExp(`^\\[(\\d+)\\] ${kind} '${name}' (.*)$`, 'm').exec(raw);
    if (!m) throw new Error(`bpftool has no ${kind} ${name}`);
    const rest = raw.slice(m.index + m[0].length + 1);
    const lines = rest.split('\n');
    const end = lines.findIndex((l) => !l.startsWith('\t'));
    return { id: Number(m[1]), header: m[2]!, lines: lines.slice(0, end).map((l) => l.trim()) };
  };
  const t0 = performance.now();
  const btf = Btf.readVmlinux()!;
  const parseMs = performance.now() - t0;

  it('parses the whole file fast and counts every type', () => {
    const last = [...raw.matchAll(/^\[(\d+)\]/gm)].at(-1)!;
    expect(btf.count).toBe(Number(last[1]));
    expect(parseMs).toBeLessThan(500);
  });

  it('finds do_sys_openat2 with the id, parameters and return type bpftool reports', () => {
    const fn = entry('FUNC', 'do_sys_openat2');
    const protoId = Number(/type_id=(\d+)/.exec(fn.header)![1]);
    const protoLines = raw.slice(raw.indexOf(`[${protoId}] FUNC_PROTO`)).split('\n');
    const ret = Number(/ret_type_id=(\d+)/.exec(protoLines[0]!)![1]);
    const params = protoLines.slice(1, 4).map((l) => /'(\w+)' type_id=(\d+)/.exec(l)!).map((m) => ({ name: m[1], type: Number(m[2]) }));
    const sig = btf.funcSignature('do_sys_openat2')!;
    expect(sig.id).toBe(fn.id);
    expect(sig.params.map((p) => ({ name: p.name, type: p.type }))).toEqual(params);
    expect(sig.params.map((p) => p.name)).toEqual(['dfd', 'filename', 'how']);
    expect(sig.params.map((p) => p.cType)).toEqual(['int', 'const char *', 'struct open_how *']);
    expect(sig.params[0]!.shape).toEqual({ kind: 'int', size: 4, signed: true });
    expect(sig.params[1]!.shape.kind).toBe('pointer');
    expect(sig.returns.type).toBe(ret);
    // 6.18 declares it `static int`; older kernels `long`: either is a signed integer.
    expect(sig.returns.shape).toMatchObject({ kind: 'int', signed: true });
    expect(sig.variadic).toBe(false);
  });

  it('finds vfs_read: size_t count is unsigned 8 bytes, ssize_t return signed', () => {
    const sig = btf.funcSignature('vfs_read')!;
    expect(sig.id).toBe(entry('FUNC', 'vfs_read').id);
    expect(sig.params.map((p) => [p.name, p.cType])).toEqual([['file', 'struct file *'], ['buf', 'char *'], ['count', 'size_t'], ['pos', 'loff_t *']]);
    expect(sig.params[2]!.shape).toEqual({ kind: 'int', size: 8, signed: false });
    expect(sig.returns).toMatchObject({ cType: 'ssize_t', shape: { kind: 'int', size: 8, signed: true } });
  });

  it('lays out task_struct and open_how as bpftool does', () => {
    for (const name of ['task_struct', 'open_how']) {
      const e = entry('STRUCT', name);
      const layout = btf.structLayout(name)!;
      expect(layout.id).toBe(e.id);
      expect(`size=${layout.size} vlen=${layout.members.length}`).toBe(e.header);
      const members = e.lines.map((l) => {
        const m = /^'(.*)' type_id=(\d+) bits_offset=(\d+)(?: bitfield_size=(\d+))?$/.exec(l)!;
        return { name: m[1] === '(anon)' ? '' : m[1], type: Number(m[2]), bitOffset: Number(m[3]), bitfieldSize: Number(m[4] ?? 0) };
      });
      expect(layout.members.map((m) => ({ name: m.name, type: m.type, bitOffset: m.bitOffset, bitfieldSize: m.bitfieldSize }))).toEqual(members);
    }
    const pid = btf.structLayout('task_struct')!.members.find((m) => m.name === 'pid')!;
    expect(pid.offset * 8).toBe(pid.bitOffset);
    expect(pid).toMatchObject({ cType: 'pid_t', shape: { kind: 'int', size: 4, signed: true } });
    expect(btf.structLayout('task_struct')!.members.find((m) => m.name === 'comm')).toMatchObject({ cType: 'char[16]', shape: { kind: 'array', size: 16 } });
  });

  it('finds the same ids by scanning (first lookups) and through the name index (later ones)', () => {
    const funcs = [...raw.matchAll(/^\[(\d+)\] FUNC '(\w+)'/gm)].filter((_, i) => i % 4000 === 0).slice(0, 14);
    expect(funcs.length).toBe(14);
    const fresh = Btf.readVmlinux()!;
    // A static function name may repeat; both answer the lowest id, as bpftool's first line does.
    expect(funcs.map((m) => fresh.findFunc(m[2]!))).toEqual(funcs.map((m) => entry('FUNC', m[2]!).id));
    expect(fresh.findStruct('task_struct')).toBe(entry('STRUCT', 'task_struct').id);
    expect(fresh.findFunc('no_such_function_tsbpf')).toBeUndefined();
  });

  it('decodes every type of the kernel without error', () => {
    const kinds = new Map<string, number>();
    for (let id = 1; id <= btf.count; id++) {
      const k = btf.type(id).kind;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    }
    for (const kind of ['FUNC', 'STRUCT', 'PTR', 'ENUM', 'TYPEDEF']) {
      const n = raw.match(new RegExp(`^\\[\\d+\\] ${kind} `, 'gm'))!.length;
      expect(kinds.get(kind.toLowerCase())).toBe(n);
    }
  });
});
