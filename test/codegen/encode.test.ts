// Encoder bytes checked against opcode values from the kernel's instruction-set documentation
// (Documentation/bpf/standardization/instruction-set.rst), written out by hand here so a wrong
// entry in encode.ts's tables cannot also make the expectation wrong.
import { describe, expect, it } from 'vitest';
import { encodeProgram } from '../../codegen/encode.ts';
import type { AluOp, Insn, JmpOp, Operand } from '../../codegen/insn.ts';
import { Reg } from '../../codegen/insn.ts';
import { alu, atomic, call, exit, imm, ldImm64, ldMapFd, ldMapValue, ldx, mov, neg, reg, st, stx } from '../../codegen/ops.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Assembler } from '../../codegen/asm.ts';
import { closeFd, progLoad, progTestRun } from '../../runtime/bpf-syscall.ts';
import { kernelAvailable } from '../support/kernel.ts';

const noMaps = (): number => 0;
/** Hex bytes, one 8-byte slot per space-separated group. */
function hex(insns: Insn[], resolve: (name: string) => number = noMaps): string {
  const buf = encodeProgram(insns, resolve);
  const groups: string[] = [];
  for (let i = 0; i < buf.length; i += 8) groups.push(buf.subarray(i, i + 8).toString('hex'));
  return groups.join(' ');
}

describe('encodeProgram: basic instructions', () => {
  it('r0 = 0; exit', () => {
    expect(hex([mov(Reg.R0, imm(0)), exit()])).toBe('b700000000000000 9500000000000000');
  });
  it('packs dst in the low nibble and src in the high nibble', () => {
    expect(hex([mov(Reg.R1, reg(Reg.R10))])).toBe('bfa1000000000000');
    expect(hex([mov(Reg.R1, reg(Reg.R2), 32)])).toBe('bc21000000000000');
  });
  it('writes immediates as little-endian s32', () => {
    expect(hex([alu('add', Reg.R1, imm(-8))])).toBe('07010000f8ffffff');
    expect(hex([mov(Reg.R3, imm(0x12345678))])).toBe('b703000078563412');
    expect(hex([mov(Reg.R3, imm(0xffffffff))])).toBe('b7030000ffffffff');
  });
  it('call puts the helper number in imm', () => {
    expect(hex([call(Helper.map_lookup_elem)])).toBe('8500000001000000');
    expect(hex([call(Helper.ringbuf_output)])).toBe('8500000082000000');
  });
  it('neg encodes no source operand (kernel rejects reserved fields)', () => {
    expect(hex([neg(Reg.R1)])).toBe('8701000000000000');
    expect(hex([neg(Reg.R2, 32)])).toBe('8402000000000000');
    expect(hex([{ kind: 'alu', op: 'neg', width: 64, dst: Reg.R1, src: { reg: Reg.R3 } }])).toBe('8701000000000000');
  });
});

describe('encodeProgram: ALU opcodes', () => {
  // op nibble, from the ALU operation table.
  const ops: [AluOp, number][] = [
    ['add', 0x0], ['sub', 0x1], ['mul', 0x2], ['div', 0x3], ['or', 0x4], ['and', 0x5], ['lsh', 0x6],
    ['rsh', 0x7], ['mod', 0x9], ['xor', 0xa], ['mov', 0xb], ['arsh', 0xc],
  ];
  it.each(ops)('%s: 64/32-bit, K/X', (op, nib) => {
    const code = (n: number): string => n.toString(16).padStart(2, '0');
    expect(hex([alu(op, Reg.R4, imm(3))])).toBe(`${code((nib << 4) | 0x07)}04000003000000`);
    expect(hex([alu(op, Reg.R4, imm(3), 32)])).toBe(`${code((nib << 4) | 0x04)}04000003000000`);
    expect(hex([alu(op, Reg.R4, reg(Reg.R5))])).toBe(`${code((nib << 4) | 0x0f)}54000000000000`);
    expect(hex([alu(op, Reg.R4, reg(Reg.R5), 32)])).toBe(`${code((nib << 4) | 0x0c)}54000000000000`);
  });
});

describe('encodeProgram: byte swap', () => {
  it('to little endian is 0xd4, to big endian 0xdc, width in imm', () => {
    expect(hex([{ kind: 'endian', order: 'le', bits: 16, dst: Reg.R1 }])).toBe('d401000010000000');
    expect(hex([{ kind: 'endian', order: 'be', bits: 32, dst: Reg.R1 }])).toBe('dc01000020000000');
    expect(hex([{ kind: 'endian', order: 'be', bits: 64, dst: Reg.R7 }])).toBe('dc07000040000000');
  });
});

describe('encodeProgram: 64-bit loads', () => {
  it('ld_imm64 takes two slots, the second holding the upper half', () => {
    expect(hex([ldImm64(Reg.R1, 0x1122334455667788n)])).toBe('1801000088776655 0000000044332211');
  });
  it('ld_imm64 of a negative value stores its two\'s complement', () => {
    expect(hex([ldImm64(Reg.R0, -2n)])).toBe('18000000feffffff 00000000ffffffff');
  });
  it('ld_map_fd sets src_reg = 1 (BPF_PSEUDO_MAP_FD) and the fd in imm', () => {
    const seen: string[] = [];
    const out = hex([ldMapFd(Reg.R1, '@counts')], (name) => (seen.push(name), 7));
    expect(out).toBe('1811000007000000 0000000000000000');
    expect(seen).toEqual(['@counts']);
  });
  it('ld_map_value sets src_reg = 2 (BPF_PSEUDO_MAP_VALUE), offset in the second imm', () => {
    expect(hex([ldMapValue(Reg.R2, '.globals', 16)], () => 9)).toBe('1822000009000000 0000000010000000');
  });
});

describe('encodeProgram: loads and stores', () => {
  it('ldx sizes: u8 0x71, u16 0x69, u32 0x61, u64 0x79', () => {
    expect(hex([ldx(1, Reg.R0, Reg.R1, 2)])).toBe('7110020000000000');
    expect(hex([ldx(2, Reg.R0, Reg.R1, 2)])).toBe('6910020000000000');
    expect(hex([ldx(4, Reg.R0, Reg.R1, 2)])).toBe('6110020000000000');
    expect(hex([ldx(8, Reg.R0, Reg.R1, 0)])).toBe('7910000000000000');
  });
  it('stx sizes: u8 0x73, u16 0x6b, u32 0x63, u64 0x7b; negative offsets', () => {
    expect(hex([stx(1, Reg.R10, -1, Reg.R1)])).toBe('731affff00000000');
    expect(hex([stx(2, Reg.R10, -2, Reg.R1)])).toBe('6b1afeff00000000');
    expect(hex([stx(4, Reg.R10, -4, Reg.R1)])).toBe('631afcff00000000');
    expect(hex([stx(8, Reg.R10, -8, Reg.R1)])).toBe('7b1af8ff00000000');
  });
  it('st sizes: u8 0x72, u16 0x6a, u32 0x62, u64 0x7a', () => {
    expect(hex([st(1, Reg.R10, -1, 0x41)])).toBe('720affff41000000');
    expect(hex([st(2, Reg.R10, -2, -1)])).toBe('6a0afeffffffffff');
    expect(hex([st(4, Reg.R10, -4, 0)])).toBe('620afcff00000000');
    expect(hex([st(8, Reg.R10, -512, 5)])).toBe('7a0a00fe05000000');
  });
  it('rejects offsets outside s16', () => {
    expect(() => hex([ldx(8, Reg.R0, Reg.R1, 0x8000)])).toThrow('offset 32768 does not fit in 16 bits');
    expect(() => hex([{ kind: 'ja', off: -0x8001 }])).toThrow('offset -32769 does not fit in 16 bits');
  });
});

describe('encodeProgram: atomics', () => {
  it('add is 0xdb (u64) / 0xc3 (u32) with imm 0x00, fetch sets imm bit 0', () => {
    expect(hex([atomic('add', 8, Reg.R0, 0, Reg.R1)])).toBe('db10000000000000');
    expect(hex([atomic('add', 4, Reg.R0, 8, Reg.R1)])).toBe('c310080000000000');
    expect(hex([atomic('add', 8, Reg.R0, 0, Reg.R1, true)])).toBe('db10000001000000');
  });
  it('or 0x40, and 0x50, xor 0xa0, each with a fetch variant', () => {
    expect(hex([atomic('or', 8, Reg.R2, -8, Reg.R3)])).toBe('db32f8ff40000000');
    expect(hex([atomic('or', 8, Reg.R2, -8, Reg.R3, true)])).toBe('db32f8ff41000000');
    expect(hex([atomic('and', 8, Reg.R2, 0, Reg.R3)])).toBe('db32000050000000');
    expect(hex([atomic('and', 4, Reg.R2, 0, Reg.R3, true)])).toBe('c332000051000000');
    expect(hex([atomic('xor', 8, Reg.R2, 0, Reg.R3)])).toBe('db320000a0000000');
    expect(hex([atomic('xor', 8, Reg.R2, 0, Reg.R3, true)])).toBe('db320000a1000000');
  });
  it('xchg 0xe1 and cmpxchg 0xf1 always fetch', () => {
    expect(hex([atomic('xchg', 8, Reg.R1, 0, Reg.R2)])).toBe('db210000e1000000');
    expect(hex([atomic('xchg', 8, Reg.R1, 0, Reg.R2, true)])).toBe('db210000e1000000');
    expect(hex([atomic('cmpxchg', 4, Reg.R1, 0, Reg.R2)])).toBe('c3210000f1000000');
  });
});

describe('encodeProgram: jumps', () => {
  const ops: [JmpOp, number][] = [
    ['jeq', 0x1], ['jgt', 0x2], ['jge', 0x3], ['jset', 0x4], ['jne', 0x5], ['jsgt', 0x6], ['jsge', 0x7],
    ['jlt', 0xa], ['jle', 0xb], ['jslt', 0xc], ['jsle', 0xd],
  ];
  const jmp = (op: JmpOp, width: 32 | 64, src: Operand, off: number): Insn => ({
    kind: 'jmp', op, width, dst: Reg.R1, src, off,
  });
  it.each(ops)('%s: JMP (0x05) and JMP32 (0x06) classes, K/X', (op, nib) => {
    const code = (n: number): string => n.toString(16).padStart(2, '0');
    expect(hex([jmp(op, 64, { imm: 5 }, 2)])).toBe(`${code((nib << 4) | 0x05)}01020005000000`);
    expect(hex([jmp(op, 64, { reg: Reg.R2 }, -3)])).toBe(`${code((nib << 4) | 0x0d)}21fdff00000000`);
    expect(hex([jmp(op, 32, { imm: -1 }, 1)])).toBe(`${code((nib << 4) | 0x06)}010100ffffffff`);
    expect(hex([jmp(op, 32, { reg: Reg.R2 }, 0)])).toBe(`${code((nib << 4) | 0x0e)}21000000000000`);
  });
  it('if r0 == 0 goto +2', () => {
    expect(hex([{ kind: 'jmp', op: 'jeq', width: 64, dst: Reg.R0, src: { imm: 0 }, off: 2 }])).toBe('1500020000000000');
  });
  it('ja is 0x05 with the offset in off', () => {
    expect(hex([{ kind: 'ja', off: 3 }])).toBe('0500030000000000');
    expect(hex([{ kind: 'ja', off: -1 }])).toBe('0500ffff00000000');
  });
});

// Cross-check: the kernel verifier accepts our bytes and the JIT computes what we meant.
// Each program leaves its answer in r0; BPF_PROG_TEST_RUN returns its low 32 bits.
describe.skipIf(!kernelAvailable)('encoded programs run in the kernel', () => {
  const run = (insns: Insn[]): number => {
    const fd = progLoad({ progType: 'raw_tracepoint', insns: encodeProgram(insns, noMaps), license: 'GPL', name: 'enc_test' });
    try {
      return progTestRun(fd);
    } finally {
      closeFd(fd);
    }
  };
  const R0 = Reg.R0, R1 = Reg.R1, R2 = Reg.R2;

  it('r0 = 0; exit', () => {
    expect(run([mov(R0, imm(0)), exit()])).toBe(0);
  });
  it('alu with immediates and registers', () => {
    expect(run([mov(R0, imm(42)), mov(R1, imm(8)), alu('add', R0, reg(R1)), alu('mul', R0, imm(3)), alu('sub', R0, imm(1)), exit()])).toBe(149);
  });
  it('ld_imm64 sets both halves; 32-bit mov zero-extends', () => {
    const big = ldImm64(R1, 0x300000007n);
    expect(run([big, mov(R0, reg(R1)), alu('rsh', R0, imm(32)), exit()])).toBe(3);
    expect(run([big, mov(R0, reg(R1), 32), exit()])).toBe(7);
  });
  it('neg, arsh and unsigned division as BPF defines them', () => {
    expect(run([mov(R0, imm(5)), neg(R0), alu('arsh', R0, imm(1)), exit()])).toBe(-3 >>> 0);
    expect(run([mov(R0, imm(-1)), alu('div', R0, imm(2)), alu('rsh', R0, imm(32)), exit()])).toBe(0x7fffffff);
    expect(run([mov(R0, imm(7)), mov(R1, imm(0)), alu('div', R0, reg(R1)), exit()])).toBe(0);
    expect(run([mov(R0, imm(7)), mov(R1, imm(0)), alu('mod', R0, reg(R1)), exit()])).toBe(7);
  });
  it('byte swap', () => {
    expect(run([mov(R0, imm(0x1234)), { kind: 'endian', order: 'be', bits: 16, dst: R0 }, exit()])).toBe(0x3412);
  });
  it('stores, loads and atomics on the stack', () => {
    expect(
      run([
        st(8, Reg.R10, -8, 5),
        mov(R1, imm(3)),
        atomic('add', 8, Reg.R10, -8, R1),
        mov(R2, imm(100)),
        atomic('add', 8, Reg.R10, -8, R2, true), // r2 = 8, memory = 108
        ldx(8, R0, Reg.R10, -8),
        alu('add', R0, reg(R2)),
        stx(1, Reg.R10, -16, R0),
        ldx(1, R0, Reg.R10, -16),
        exit(),
      ]),
    ).toBe(116);
  });
  it('jmp32 compares only the low half; backward ja', () => {
    const a = new Assembler();
    const zero = a.newLabel();
    const done = a.newLabel();
    a.emit(ldImm64(R1, 0x100000000n), mov(R0, imm(1)));
    a.jmp('jeq', R1, imm(0), zero, 32);
    a.emit(mov(R0, imm(2)));
    a.ja(done);
    a.bind(zero);
    a.emit(alu('add', R0, imm(10)));
    a.bind(done);
    a.emit(exit());
    expect(run(a.finish().insns as Insn[])).toBe(11);
  });
});
