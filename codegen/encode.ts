// Insn <-> bytes, in the kernel's `struct bpf_insn` layout (little endian):
//   u8 code; u8 dst_reg:4, src_reg:4; s16 off; s32 imm
// ld_imm64 takes two slots: the second carries the upper 32 bits of the constant in its imm.
import type { AluOp, AtomicOp, Insn, JmpOp, Size } from './insn.ts';
import { slots } from './insn.ts';

// Instruction classes (low 3 bits of code).
const LD = 0x00, LDX = 0x01, ST = 0x02, STX = 0x03, ALU = 0x04, JMP = 0x05, JMP32 = 0x06, ALU64 = 0x07;
// Size field for loads and stores.
const SIZE_CODE: Record<Size, number> = { 4: 0x00, 2: 0x08, 1: 0x10, 8: 0x18 };
// Mode field.
const IMM = 0x00, MEM = 0x60, ATOMIC = 0xc0;
// Source field: K = immediate, X = register.
const K = 0x00, X = 0x08;
const ALU_CODE: Record<AluOp, number> = {
  add: 0x00, sub: 0x10, mul: 0x20, div: 0x30, or: 0x40, and: 0x50, lsh: 0x60, rsh: 0x70,
  neg: 0x80, mod: 0x90, xor: 0xa0, mov: 0xb0, arsh: 0xc0,
};
const END = 0xd0; // byte swap; source bit: 0 = to little endian, 1 = to big endian
const JMP_CODE: Record<JmpOp, number> = {
  jeq: 0x10, jgt: 0x20, jge: 0x30, jset: 0x40, jne: 0x50, jsgt: 0x60, jsge: 0x70,
  jlt: 0xa0, jle: 0xb0, jslt: 0xc0, jsle: 0xd0,
};
const JA = 0x00, CALL = 0x80, EXIT = 0x90;
const ATOMIC_CODE: Record<AtomicOp, number> = { add: 0x00, or: 0x40, and: 0x50, xor: 0xa0, xchg: 0xe0 | 0x01, cmpxchg: 0xf0 | 0x01 };
const FETCH = 0x01;
const PSEUDO_MAP_FD = 1, PSEUDO_MAP_VALUE = 2;

export const INSN_SIZE = 8;

/** Resolves a symbolic map name to the fd the runtime created for it. */
export type MapResolver = (name: string) => number;

/** Encodes a program. Map references are resolved through `resolveMap` (tests may pass () => 0). */
export function encodeProgram(insns: readonly Insn[], resolveMap: MapResolver): Buffer {
  let n = 0;
  for (const i of insns) n += slots(i);
  const buf = Buffer.alloc(n * INSN_SIZE);
  let at = 0;
  for (const insn of insns) at = encodeInsn(insn, buf, at, resolveMap);
  return buf;
}

function put(buf: Buffer, at: number, code: number, dst: number, src: number, off: number, imm: number): number {
  if (off < -0x8000 || off > 0x7fff) throw new RangeError(`offset ${off} does not fit in 16 bits`);
  buf.writeUInt8(code, at);
  buf.writeUInt8(((src & 0xf) << 4) | (dst & 0xf), at + 1);
  buf.writeInt16LE(off, at + 2);
  buf.writeInt32LE(imm | 0, at + 4);
  return at + INSN_SIZE;
}

function encodeInsn(i: Insn, buf: Buffer, at: number, resolveMap: MapResolver): number {
  switch (i.kind) {
    case 'alu': {
      const cls = i.width === 64 ? ALU64 : ALU;
      // neg has no source operand; the kernel rejects any set src/imm bits as reserved fields.
      if (i.op === 'neg') return put(buf, at, cls | ALU_CODE.neg | K, i.dst, 0, 0, 0);
      if ('reg' in i.src) return put(buf, at, cls | ALU_CODE[i.op] | X, i.dst, i.src.reg, 0, 0);
      return put(buf, at, cls | ALU_CODE[i.op] | K, i.dst, 0, 0, i.src.imm);
    }
    case 'endian':
      return put(buf, at, ALU | END | (i.order === 'be' ? X : K), i.dst, 0, 0, i.bits);
    case 'ld_imm64': {
      const v = BigInt.asUintN(64, i.imm);
      at = put(buf, at, LD | IMM | SIZE_CODE[8], i.dst, 0, 0, Number(v & 0xffffffffn) | 0);
      return put(buf, at, 0, 0, 0, 0, Number(v >> 32n) | 0);
    }
    case 'ld_map_fd':
      at = put(buf, at, LD | IMM | SIZE_CODE[8], i.dst, PSEUDO_MAP_FD, 0, resolveMap(i.map));
      return put(buf, at, 0, 0, 0, 0, 0);
    case 'ld_map_value':
      at = put(buf, at, LD | IMM | SIZE_CODE[8], i.dst, PSEUDO_MAP_VALUE, 0, resolveMap(i.map));
      return put(buf, at, 0, 0, 0, 0, i.offset);
    case 'ldx':
      return put(buf, at, LDX | MEM | SIZE_CODE[i.size], i.dst, i.src, i.off, 0);
    case 'st':
      return put(buf, at, ST | MEM | SIZE_CODE[i.size], i.dst, 0, i.off, i.imm);
    case 'stx':
      return put(buf, at, STX | MEM | SIZE_CODE[i.size], i.dst, i.src, i.off, 0);
    case 'atomic': {
      const fetch = i.op === 'xchg' || i.op === 'cmpxchg' ? 0 : i.fetch ? FETCH : 0;
      return put(buf, at, STX | ATOMIC | SIZE_CODE[i.size], i.dst, i.src, i.off, ATOMIC_CODE[i.op] | fetch);
    }
    case 'jmp': {
      const cls = i.width === 64 ? JMP : JMP32;
      if ('reg' in i.src) return put(buf, at, cls | JMP_CODE[i.op] | X, i.dst, i.src.reg, i.off, 0);
      return put(buf, at, cls | JMP_CODE[i.op] | K, i.dst, 0, i.off, i.src.imm);
    }
    case 'ja':
      return put(buf, at, JMP | JA, 0, 0, i.off, 0);
    case 'call':
      return put(buf, at, JMP | CALL, 0, 0, 0, i.helper);
    case 'exit':
      return put(buf, at, JMP | EXIT, 0, 0, 0, 0);
  }
}

/** Opcode constants, exported for the decoder/disassembler so both directions share one table. */
export const OPCODES = {
  LD, LDX, ST, STX, ALU, JMP, JMP32, ALU64, SIZE_CODE, IMM, MEM, ATOMIC, K, X, ALU_CODE, END, JMP_CODE,
  JA, CALL, EXIT, ATOMIC_CODE, FETCH, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE,
} as const;
