// printf formatting against glibc: printf-glibc.json was produced by printf-glibc.c (gcc, glibc
// snprintf with a 64-bit argument, as bpftrace passes them), so every case is C's own output.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FormatPart } from '../../lang/checked.ts';
import type { PrintfLayout } from '../../codegen/object.ts';
import { s64, stringType, u32, s8, type Type } from '../../lang/types.ts';
import { compilePrintf } from '../../runtime/output/printf.ts';
import { parseFormat } from '../../lang/semantic/format.ts';

/** The format parsed exactly as semantic analysis parses it for the runtime. */
function parts(fmt: string): readonly FormatPart[] {
  const r = parseFormat(fmt);
  if (!r.ok) throw new Error(r.message);
  return r.parts;
}

function record(write: (v: DataView) => void, size: number): DataView {
  const v = new DataView(new ArrayBuffer(size));
  v.setUint32(0, 1, true);
  write(v);
  return v;
}

function layout(fmt: string, types: Type[], offsets: number[], size: number): PrintfLayout {
  return { id: 0, parts: parts(fmt), args: types.map((type, i) => ({ type, offset: offsets[i]! })), size };
}

const golden = JSON.parse(readFileSync(new URL('./printf-glibc.json', import.meta.url), 'utf8')) as [
  string,
  string,
  string,
][];

describe('printf matches glibc', () => {
  it('has a meaningful number of cases', () => {
    expect(golden.length).toBeGreaterThan(700);
  });
  for (const [fmt, arg, expected] of golden) {
    it(`${fmt} of ${arg}`, () => {
      if (arg.startsWith('s:')) {
        const s = arg.slice(2);
        const str = stringType(16);
        const rec = record((v) => s.split('').forEach((ch, i) => v.setUint8(8 + i, ch.charCodeAt(0))), 24);
        expect(compilePrintf(layout(fmt, [str], [8], 24))(rec)).toBe(expected);
      } else {
        const rec = record((v) => v.setBigInt64(8, BigInt(arg), true), 16);
        expect(compilePrintf(layout(fmt, [s64], [8], 16))(rec)).toBe(expected);
      }
    });
  }
});

describe('printf records', () => {
  it('formats several arguments of different types and offsets', () => {
    const v = new DataView(new ArrayBuffer(48));
    v.setBigInt64(8, -7n, true);
    'bash\0xx'.split('').forEach((ch, i) => v.setUint8(16 + i, ch.charCodeAt(0)));
    v.setBigUint64(32, 0xfffffffffn, true);
    const l: PrintfLayout = {
      id: 3,
      parts: [
        { kind: 'text', text: 'pid ' },
        { kind: 'conv', spec: '%d', flags: '', length: '', conversion: 'd', arg: 0 },
        { kind: 'text', text: ' comm [' },
        { kind: 'conv', spec: '%-6s', flags: '-', width: 6, length: '', conversion: 's', arg: 1 },
        { kind: 'text', text: '] ' },
        { kind: 'conv', spec: '%lx', flags: '', length: 'l', conversion: 'x', arg: 2 },
        { kind: 'text', text: '%\n' },
      ],
      args: [
        { offset: 8, type: s64 },
        { offset: 16, type: stringType(16) },
        { offset: 32, type: s64 },
      ],
      size: 48,
    };
    expect(compilePrintf(l)(v)).toBe('pid -7 comm [bash  ] fffffffff%\n');
  });

  it('reads narrow integers per their type', () => {
    const v = new DataView(new ArrayBuffer(24));
    v.setBigInt64(8, -1n, true); // a sign-extended 8-byte slot
    v.setBigUint64(16, 0xffffffffn, true);
    const l: PrintfLayout = {
      id: 0,
      parts: [
        { kind: 'conv', spec: '%d', flags: '', length: '', conversion: 'd', arg: 0 },
        { kind: 'text', text: ' ' },
        { kind: 'conv', spec: '%lu', flags: '', length: 'l', conversion: 'u', arg: 1 },
      ],
      args: [
        { offset: 8, type: s8 },
        { offset: 16, type: u32 },
      ],
      size: 24,
    };
    expect(compilePrintf(l)(v)).toBe('-1 4294967295');
  });

  it('stops a string at its buffer size when there is no NUL', () => {
    const v = new DataView(new ArrayBuffer(16));
    'abcdefgh'.split('').forEach((ch, i) => v.setUint8(8 + i, ch.charCodeAt(0)));
    expect(compilePrintf(layout('<%s>', [stringType(4)], [8], 16))(v)).toBe('<abcd>');
  });

  it('pads UTF-8 strings by bytes, as C does', () => {
    const v = new DataView(new ArrayBuffer(24));
    Buffer.from('é', 'utf8').forEach((b, i) => v.setUint8(8 + i, b));
    expect(compilePrintf(layout('[%4s]', [stringType(16)], [8], 24))(v)).toBe('[  é]');
  });
});
