import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DecodeError, decodeProgram } from '../../codegen/decode.ts';
import { formatInsn, formatProgram } from '../../codegen/disasm.ts';
import { encodeProgram } from '../../codegen/encode.ts';
import { Helper } from '../../codegen/helpers.ts';
import type { AluOp, AtomicOp, Insn, JmpOp, Operand, Size } from '../../codegen/insn.ts';
import { Reg } from '../../codegen/insn.ts';
import { alu, atomic, call, exit, imm, ldImm64, ldMapFd, ldMapValue, ldx, mov, neg, reg, st, stx } from '../../codegen/ops.ts';

// Maps named in generated programs; the fd of a map is its index here + 3.
const MAPS = ['@', '@counts', '.events', '.globals', '@x'];
const toFd = (name: string): number => {
  const i = MAPS.indexOf(name);
  if (i < 0) throw new Error(`unknown map ${name}`);
  return i + 3;
};
const toName = (fd: number): string => MAPS[fd - 3] ?? `fd:${fd}`;
const roundTrip = (insns: Insn[]): Insn[] => decodeProgram(encodeProgram(insns, toFd), toName);
const jmp = (op: JmpOp, dst: Reg, src: Operand, off: number, width: 32 | 64 = 64): Insn => ({ kind: 'jmp', op, width, dst, src, off });

/** One instruction of every kind and variant, in the canonical form the decoder produces. */
const EVERY_KIND: Insn[] = [
  mov(Reg.R1, reg(Reg.R10)),
  mov(Reg.R0, imm(-1), 32),
  alu('add', Reg.R1, imm(-8)),
  alu('arsh', Reg.R3, reg(Reg.R4), 32),
  neg(Reg.R5),
  neg(Reg.R5, 32),
  { kind: 'endian', order: 'le', bits: 16, dst: Reg.R1 },
  { kind: 'endian', order: 'be', bits: 64, dst: Reg.R2 },
  ldImm64(Reg.R1, 0xdeadbeefcafebaben),
  ldImm64(Reg.R2, 0n),
  ldMapFd(Reg.R1, '@counts'),
  ldMapValue(Reg.R2, '.globals', 8),
  ldx(1, Reg.R0, Reg.R1, 3),
  ldx(8, Reg.R0, Reg.R10, -512),
  st(2, Reg.R10, -2, 0x7fff),
  st(8, Reg.R10, -8, -1),
  stx(4, Reg.R10, -4, Reg.R9),
  atomic('add', 8, Reg.R0, 0, Reg.R1),
  atomic('add', 4, Reg.R0, 4, Reg.R1, true),
  atomic('or', 8, Reg.R0, 0, Reg.R1, true),
  atomic('and', 8, Reg.R0, 0, Reg.R1),
  atomic('xor', 4, Reg.R0, 0, Reg.R1),
  atomic('xchg', 8, Reg.R0, 0, Reg.R1, true),
  atomic('cmpxchg', 4, Reg.R3, -16, Reg.R2, true),
  jmp('jeq', Reg.R0, imm(0), 2),
  jmp('jsle', Reg.R1, reg(Reg.R2), -3, 32),
  { kind: 'ja', off: 7 },
  call(Helper.map_lookup_elem),
  call(9999),
  exit(),
];

describe('decodeProgram', () => {
  it('inverts the encoder for every instruction kind', () => {
    expect(roundTrip(EVERY_KIND)).toEqual(EVERY_KIND);
  });

  it('names maps fd:<N> by default', () => {
    const insns = decodeProgram(encodeProgram([ldMapFd(Reg.R1, 'a'), ldMapValue(Reg.R2, 'b', 4)], (n) => (n === 'a' ? 5 : 6)));
    expect(insns).toEqual([ldMapFd(Reg.R1, 'fd:5'), ldMapValue(Reg.R2, 'fd:6', 4)]);
  });

  it('decodes xchg/cmpxchg as fetching whatever the fetch flag said', () => {
    expect(roundTrip([atomic('xchg', 8, Reg.R0, 0, Reg.R1, false)])).toEqual([atomic('xchg', 8, Reg.R0, 0, Reg.R1, true)]);
  });

  it('decodes from a Uint8Array view at a non-zero byte offset', () => {
    const bytes = encodeProgram([mov(Reg.R0, imm(7)), exit()], toFd);
    const padded = new Uint8Array(bytes.length + 3);
    padded.set(bytes, 3);
    expect(decodeProgram(padded.subarray(3))).toEqual([mov(Reg.R0, imm(7)), exit()]);
  });

  const bad = (hex: string): (() => Insn[]) => () => decodeProgram(Buffer.from(hex.replace(/ /g, ''), 'hex'));
  it('rejects malformed input with the slot and opcode', () => {
    expect(bad('b700000000000000 ff00000000000000')).toThrow(new DecodeError(1, 'unknown opcode (opcode 0xff)'));
    expect(bad('9500000000000000 1801000001000000')).toThrow('insn 1: truncated ld_imm64: second slot missing (opcode 0x18)');
    expect(bad('1801000001000000 9500000000000000')).toThrow('insn 1: second slot of ld_imm64 must have only imm set');
    expect(bad('b7000000000000')).toThrow('insn 0: program length 7 is not a multiple of 8');
    expect(bad('bf0b000000000000')).toThrow('insn 0: invalid destination register r11 (opcode 0xbf)');
    expect(bad('b710000000000000')).toThrow('insn 0: reserved field src is 1, expected 0 (opcode 0xb7)');
    expect(bad('8f01000000000000')).toThrow('insn 0: neg with a register source (opcode 0x8f)');
    expect(bad('1831000003000000 0000000000000000')).toThrow('insn 0: unsupported ld_imm64 pseudo source 3 (opcode 0x18)');
    expect(bad('1811000003000000 0000000001000000')).toThrow('insn 1: ld_map_fd second slot imm is 1, expected 0');
    expect(bad('db100000e0000000')).toThrow('insn 0: unknown atomic operation 0xe0 (opcode 0xdb)');
    expect(bad('d310000000000000')).toThrow('insn 0: atomic operation on 1-byte memory (opcode 0xd3)');
    expect(bad('8510000001000000')).toThrow('insn 0: unsupported call kind (src_reg 1) (opcode 0x85)');
    expect(bad('d401000008000000')).toThrow('insn 0: invalid byte swap width 8 (opcode 0xd4)');
    expect(bad('3f12010000000000')).toThrow('insn 0: unsupported ALU variant with offset 1 (opcode 0x3f)');
    expect(bad('0600010000000000')).toThrow('insn 0: unknown opcode (opcode 0x06)');
    expect(bad('2000000000000000')).toThrow('insn 0: unsupported load (only ld_imm64 is valid) (opcode 0x20)');
  });
});

describe('formatInsn', () => {
  const cases: [Insn, string][] = [
    [mov(Reg.R1, reg(Reg.R10)), 'r1 = r10'],
    [alu('add', Reg.R1, imm(-8)), 'r1 += -8'],
    [mov(Reg.R1, reg(Reg.R2), 32), 'w1 = w2'],
    [mov(Reg.R0, imm(0)), 'r0 = 0'],
    [alu('sub', Reg.R1, reg(Reg.R2)), 'r1 -= r2'],
    [alu('mul', Reg.R1, imm(3), 32), 'w1 *= 3'],
    [alu('div', Reg.R1, reg(Reg.R2)), 'r1 /= r2'],
    [alu('mod', Reg.R1, reg(Reg.R2)), 'r1 %= r2'],
    [alu('or', Reg.R1, imm(1)), 'r1 |= 1'],
    [alu('and', Reg.R1, imm(255)), 'r1 &= 255'],
    [alu('xor', Reg.R1, reg(Reg.R3)), 'r1 ^= r3'],
    [alu('lsh', Reg.R1, imm(32)), 'r1 <<= 32'],
    [alu('rsh', Reg.R1, imm(32)), 'r1 >>= 32'],
    [alu('arsh', Reg.R1, imm(63), 32), 'w1 s>>= 63'],
    [neg(Reg.R4), 'r4 = -r4'],
    [neg(Reg.R4, 32), 'w4 = -w4'],
    [{ kind: 'endian', order: 'be', bits: 16, dst: Reg.R2 }, 'r2 = be16 r2'],
    [{ kind: 'endian', order: 'le', bits: 64, dst: Reg.R2 }, 'r2 = le64 r2'],
    [ldImm64(Reg.R1, 0x1122334455667788n), 'r1 = 0x1122334455667788'],
    [ldImm64(Reg.R1, -1n), 'r1 = 0xffffffffffffffff'],
    [ldMapFd(Reg.R1, '@counts'), 'r1 = map[@counts]'],
    [ldMapValue(Reg.R1, '.globals', 8), 'r1 = map[.globals][0]+8'],
    [ldx(8, Reg.R0, Reg.R1, 0), 'r0 = *(u64 *)(r1 +0)'],
    [ldx(1, Reg.R0, Reg.R1, 5), 'r0 = *(u8 *)(r1 +5)'],
    [st(4, Reg.R10, -4, 0), '*(u32 *)(r10 -4) = 0'],
    [st(2, Reg.R10, -2, -7), '*(u16 *)(r10 -2) = -7'],
    [stx(8, Reg.R10, -8, Reg.R1), '*(u64 *)(r10 -8) = r1'],
    [atomic('add', 8, Reg.R0, 0, Reg.R1), 'lock *(u64 *)(r0 +0) += r1'],
    [atomic('xor', 4, Reg.R0, 8, Reg.R1), 'lock *(u32 *)(r0 +8) ^= r1'],
    [atomic('add', 8, Reg.R0, 0, Reg.R1, true), 'r1 = atomic64_fetch_add((u64 *)(r0 +0), r1)'],
    [atomic('and', 4, Reg.R0, 0, Reg.R1, true), 'r1 = atomic_fetch_and((u32 *)(r0 +0), r1)'],
    [atomic('xchg', 8, Reg.R0, -8, Reg.R1, true), 'r1 = atomic64_xchg((u64 *)(r0 -8), r1)'],
    [atomic('cmpxchg', 8, Reg.R3, 0, Reg.R2, true), 'r0 = atomic64_cmpxchg((u64 *)(r3 +0), r0, r2)'],
    [jmp('jeq', Reg.R0, imm(0), 2), 'if r0 == 0x0 goto +2'],
    [jmp('jne', Reg.R0, imm(255), -4), 'if r0 != 0xff goto -4'],
    [jmp('jsgt', Reg.R1, imm(-1), 0), 'if r1 s> -0x1 goto +0'],
    [jmp('jset', Reg.R1, reg(Reg.R2), 1), 'if r1 & r2 goto +1'],
    [jmp('jlt', Reg.R1, reg(Reg.R2), 1, 32), 'if w1 < w2 goto +1'],
    [jmp('jge', Reg.R1, imm(3), 1), 'if r1 >= 0x3 goto +1'],
    [jmp('jle', Reg.R1, imm(3), 1), 'if r1 <= 0x3 goto +1'],
    [jmp('jgt', Reg.R1, imm(3), 1), 'if r1 > 0x3 goto +1'],
    [jmp('jsge', Reg.R1, imm(3), 1), 'if r1 s>= 0x3 goto +1'],
    [jmp('jslt', Reg.R1, imm(3), 1), 'if r1 s< 0x3 goto +1'],
    [jmp('jsle', Reg.R1, imm(3), 1, 32), 'if w1 s<= 0x3 goto +1'],
    [{ kind: 'ja', off: -3 }, 'goto -3'],
    [call(Helper.map_lookup_elem), 'call bpf_map_lookup_elem#1'],
    [call(Helper.ringbuf_output), 'call bpf_ringbuf_output#130'],
    [call(4242), 'call helper#4242'],
    [exit(), 'exit'],
  ];
  it.each(cases.map(([insn, text]) => ({ insn, text })))('$text', ({ insn, text }) => {
    expect(formatInsn(insn)).toBe(text);
  });
});

describe('formatProgram', () => {
  const prog: Insn[] = [
    ldMapFd(Reg.R1, '@counts'),
    jmp('jeq', Reg.R0, imm(0), 2),
    ldImm64(Reg.R2, 5n),
    { kind: 'ja', off: -6 },
    exit(),
  ];
  it('numbers instructions by slot, ld_imm64 taking two', () => {
    expect(formatProgram(prog)).toBe(
      ['0: r1 = map[@counts]', '2: if r0 == 0x0 goto +2', '3: r2 = 0x5', '5: goto -6', '6: exit'].join('\n'),
    );
  });
  it('shows absolute jump targets on request', () => {
    expect(formatProgram(prog, { absoluteTargets: true }).split('\n')).toEqual([
      '0: r1 = map[@counts]', '2: if r0 == 0x0 goto 5', '3: r2 = 0x5', '5: goto 0', '6: exit',
    ]);
  });
  it('right-aligns slot numbers and appends comments', () => {
    const many: Insn[] = [...Array.from({ length: 10 }, () => mov(Reg.R0, imm(0))), exit()];
    const lines = formatProgram(many, { comments: { 0: 'stdin:1', 10: 'end' } as unknown as string[] }).split('\n');
    expect(lines[0]).toBe(' 0: r0 = 0  ; stdin:1');
    expect(lines[1]).toBe(' 1: r0 = 0');
    expect(lines[10]).toBe('10: exit  ; end');
  });
  it('formats an empty program as empty text', () => {
    expect(formatProgram([])).toBe('');
  });
});

// ---- property: random valid programs round-trip byte-for-byte ----

const regArb = fc.integer({ min: 0, max: 10 }) as fc.Arbitrary<Reg>;
const s16 = fc.integer({ min: -0x8000, max: 0x7fff });
const s32 = fc.integer({ min: -0x80000000, max: 0x7fffffff });
const operandArb: fc.Arbitrary<Operand> = fc.oneof(regArb.map((r) => ({ reg: r })), s32.map((v) => ({ imm: v })));
const widthArb = fc.constantFrom<32 | 64>(32, 64);
const sizeArb = fc.constantFrom<Size>(1, 2, 4, 8);
const aluOps: AluOp[] = ['add', 'sub', 'mul', 'div', 'or', 'and', 'lsh', 'rsh', 'mod', 'xor', 'mov', 'arsh'];
const jmpOps: JmpOp[] = ['jeq', 'jgt', 'jge', 'jset', 'jne', 'jsgt', 'jsge', 'jlt', 'jle', 'jslt', 'jsle'];
const atomicOps: AtomicOp[] = ['add', 'or', 'and', 'xor', 'xchg', 'cmpxchg'];

const insnArb: fc.Arbitrary<Insn> = fc.oneof(
  fc.record({ kind: fc.constant('alu' as const), op: fc.constantFrom(...aluOps), width: widthArb, dst: regArb, src: operandArb }),
  fc.record({ kind: fc.constant('alu' as const), op: fc.constant('neg' as const), width: widthArb, dst: regArb, src: fc.constant({ imm: 0 }) }),
  fc.record({ kind: fc.constant('endian' as const), order: fc.constantFrom<'le' | 'be'>('le', 'be'), bits: fc.constantFrom<16 | 32 | 64>(16, 32, 64), dst: regArb }),
  fc.record({ kind: fc.constant('ld_imm64' as const), dst: regArb, imm: fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }) }),
  fc.record({ kind: fc.constant('ld_map_fd' as const), dst: regArb, map: fc.constantFrom(...MAPS) }),
  fc.record({ kind: fc.constant('ld_map_value' as const), dst: regArb, map: fc.constantFrom(...MAPS), offset: fc.integer({ min: 0, max: 0x7fffffff }) }),
  fc.record({ kind: fc.constant('ldx' as const), size: sizeArb, dst: regArb, src: regArb, off: s16 }),
  fc.record({ kind: fc.constant('st' as const), size: sizeArb, dst: regArb, off: s16, imm: s32 }),
  fc.record({ kind: fc.constant('stx' as const), size: sizeArb, dst: regArb, src: regArb, off: s16 }),
  fc
    .record({ op: fc.constantFrom(...atomicOps), size: fc.constantFrom<4 | 8>(4, 8), fetch: fc.boolean(), dst: regArb, src: regArb, off: s16 })
    .map((a): Insn => ({ kind: 'atomic', ...a, fetch: a.fetch || a.op === 'xchg' || a.op === 'cmpxchg' })),
  fc.record({ kind: fc.constant('jmp' as const), op: fc.constantFrom(...jmpOps), width: widthArb, dst: regArb, src: operandArb, off: s16 }),
  fc.record({ kind: fc.constant('ja' as const), off: s16 }),
  fc.record({ kind: fc.constant('call' as const), helper: fc.integer({ min: 0, max: 0x7fffffff }) }),
  fc.constant<Insn>({ kind: 'exit' }),
);

describe('properties', () => {
  it('decode(encode(p)) == p and encode(decode(bytes)) == bytes for random programs', () => {
    fc.assert(
      fc.property(fc.array(insnArb, { maxLength: 40 }), (insns) => {
        const bytes = encodeProgram(insns, toFd);
        const decoded = decodeProgram(bytes, toName);
        expect(decoded).toEqual(insns);
        expect(encodeProgram(decoded, toFd).equals(bytes)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('formatInsn never throws and formatProgram has one line per instruction', () => {
    fc.assert(
      fc.property(fc.array(insnArb, { maxLength: 20 }), (insns) => {
        for (const i of insns) expect(formatInsn(i)).toMatch(/\S/);
        const text = formatProgram(insns, { absoluteTargets: true });
        expect(text === '' ? 0 : text.split('\n').length).toBe(insns.length);
      }),
      { numRuns: 300 },
    );
  });

  it('random bytes either fail with a DecodeError or re-encode to the same bytes', () => {
    // Bias towards real opcodes so accepted programs are common, not just rejections.
    const opcodes = [0x07, 0x0f, 0x04, 0x0c, 0x87, 0x84, 0xb7, 0xbf, 0xd4, 0xdc, 0x18, 0x79, 0x61, 0x7b, 0x62, 0xdb, 0xc3, 0x15, 0x1d, 0x16, 0x05, 0x85, 0x95];
    const slotArb = fc
      .tuple(
        fc.oneof({ arbitrary: fc.constantFrom(...opcodes), weight: 4 }, { arbitrary: fc.integer({ min: 0, max: 255 }), weight: 1 }),
        fc.oneof({ arbitrary: fc.integer({ min: 0, max: 10 }), weight: 3 }, fc.integer({ min: 0, max: 0xaa }), fc.integer({ min: 0, max: 255 })),
        // off and imm: often zero, as reserved fields are in real code.
        fc.oneof({ arbitrary: fc.constant(new Uint8Array(6)), weight: 2 }, fc.uint8Array({ minLength: 6, maxLength: 6 })),
      )
      .map(([code, regs, rest]) => Uint8Array.from([code, regs, ...rest]));
    let accepted = 0;
    fc.assert(
      fc.property(fc.array(slotArb, { minLength: 1, maxLength: 4 }), (slots) => {
        const bytes = Buffer.concat(slots);
        let insns: Insn[];
        try {
          insns = decodeProgram(bytes);
        } catch (e) {
          expect(e).toBeInstanceOf(DecodeError);
          return;
        }
        accepted++;
        const fd = (name: string): number => Number(name.slice(3));
        expect(encodeProgram(insns, fd).toString('hex')).toBe(bytes.toString('hex'));
      }),
      { numRuns: 2000 },
    );
    expect(accepted).toBeGreaterThan(100);
  });
});
