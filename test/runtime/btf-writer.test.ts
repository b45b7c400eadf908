// The BTF we hand the kernel, read back with our own BTF reader.
import { describe, expect, it } from 'vitest';
import { Btf } from '../../runtime/btf.ts';
import { BtfWriter } from '../../runtime/btf-writer.ts';

describe('BtfWriter', () => {
  it('writes types that runtime/btf.ts reads back as written', () => {
    const w = new BtfWriter();
    const int = w.int('int', 4, true);
    const char = w.int('char', 1, true);
    const u64 = w.int('unsigned long', 8, false);
    const comm = w.array(char, int, 16);
    const task = w.struct('task_struct', 24, [
      { name: 'comm', type: comm, byteOffset: 0 },
      { name: 'start', type: u64, byteOffset: 16 },
    ]);
    const proto = w.funcProto(int, [{ name: 'ctx', type: w.ptr(0) }]);
    const fn = w.func('probe', proto);
    const btf = Btf.parse(w.finish());

    expect(btf.count).toBe(fn);
    expect(btf.type(int)).toMatchObject({ kind: 'int', name: 'int', size: 4 });
    expect(btf.shape(u64)).toEqual({ kind: 'int', size: 8, signed: false });
    expect(btf.shape(char)).toEqual({ kind: 'int', size: 1, signed: true });
    expect(btf.cType(comm)).toBe('char[16]');
    const layout = btf.structLayout('task_struct')!;
    expect(layout.id).toBe(task);
    expect(layout.size).toBe(24);
    expect(layout.members.map((m) => [m.name, m.offset, m.cType])).toEqual([
      ['comm', 0, 'char[16]'],
      ['start', 16, 'unsigned long'],
    ]);
    expect(btf.funcSignature('probe')).toMatchObject({ id: fn, params: [{ name: 'ctx', cType: 'void *' }], returns: { cType: 'int' } });
  });

  it('stores each string once', () => {
    const w = new BtfWriter();
    expect(w.str('comm')).toBe(w.str('comm'));
    expect(w.str('')).toBe(0);
    const a = w.str('a');
    expect(w.str('b')).toBe(a + 2);
  });
});
