// Short constructors for instructions, so codegen reads like assembly:
//   mov(Reg.R1, reg(Reg.R10)), alu('add', Reg.R1, imm(-8)), ldx(8, Reg.R0, Reg.R1, 0), call(Helper.ktime_get_ns)
// Source operands are explicit, `reg(Reg.R2)` or `imm(5)`, because Reg values are small
// integers too and an implicit rule would make `mov(Reg.R1, 2)` ambiguous.
import type { AluOp, AtomicOp, Insn, KernelField, Operand, Size } from './insn.ts';
import type { Reg } from './insn.ts';

/** An immediate operand: a 32-bit constant, sign-extended to 64 bits by the CPU. */
export function imm(value: number): { imm: number } {
  if (!Number.isInteger(value) || value < -0x80000000 || value > 0xffffffff) {
    throw new RangeError(`immediate out of 32-bit range: ${value}`);
  }
  return { imm: value | 0 };
}

/** A register operand. */
export function reg(r: Reg): { reg: Reg } {
  return { reg: r };
}

export function alu(op: AluOp, dst: Reg, src: Operand, width: 32 | 64 = 64): Insn {
  return { kind: 'alu', op, width, dst, src };
}

/** dst = src (register or immediate operand). */
export function mov(dst: Reg, src: Operand, width: 32 | 64 = 64): Insn {
  return { kind: 'alu', op: 'mov', width, dst, src };
}

export function neg(dst: Reg, width: 32 | 64 = 64): Insn {
  return { kind: 'alu', op: 'neg', width, dst, src: { imm: 0 } };
}

export function ldImm64(dst: Reg, value: bigint): Insn {
  return { kind: 'ld_imm64', dst, imm: BigInt.asUintN(64, value) };
}

export function ldMapFd(dst: Reg, map: string): Insn {
  return { kind: 'ld_map_fd', dst, map };
}

export function ldMapValue(dst: Reg, map: string, offset: number): Insn {
  return { kind: 'ld_map_value', dst, map, offset };
}

export function ldx(size: Size, dst: Reg, src: Reg, off: number): Insn {
  return { kind: 'ldx', size, dst, src, off };
}

/** dst = byte `byte` (and on) of kernel struct member `field` of the struct `src` points to;
 *  the kernel supplies the member's offset at load time. */
export function ldxField(size: Size, dst: Reg, src: Reg, field: KernelField, byte = 0): Insn {
  return { kind: 'ldx', size, dst, src, off: byte, field };
}

export function stx(size: Size, dst: Reg, off: number, src: Reg): Insn {
  return { kind: 'stx', size, dst, src, off };
}

export function st(size: Size, dst: Reg, off: number, value: number): Insn {
  return { kind: 'st', size, dst, off, imm: value };
}

export function atomic(op: AtomicOp, size: 4 | 8, dst: Reg, off: number, src: Reg, fetch = false): Insn {
  return { kind: 'atomic', op, size, fetch, dst, src, off };
}

export function call(helper: number): Insn {
  return { kind: 'call', helper };
}

export function exit(): Insn {
  return { kind: 'exit' };
}
