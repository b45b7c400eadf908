// Bucket indexes of hist() and lhist(), in BPF and (for constant arguments) at compile time.
// The two must agree; test/kernel/buckets.property.test.ts checks the BPF against histBucket/
// linearBucket for many values.
import type { LinearBounds } from '../../lang/types.ts';
import { Reg } from '../insn.ts';
import { alu, imm, mov, reg } from '../ops.ts';
import type { Gen } from './context.ts';

/**
 * bpftrace's log2 bucket of a signed 64-bit value: 0 for negatives, 1 for 0, and 2 + floor(log2 v)
 * above (so [1] is 2, [2, 4) is 3, ... [2^62, 2^63) is 64). bpftrace 0.17 stops its search at 2^32
 * and piles larger values into [2G, 4G); later versions (bpftrace#2822) search all 64 bits, as we do.
 */
export function histBucket(v: bigint): number {
  const n = BigInt.asIntN(64, v);
  if (n < 0n) return 0;
  if (n === 0n) return 1;
  return n.toString(2).length + 1;
}

/** lhist's bucket of a signed 64-bit value: 0 below min, then 1 + (v - min) / step, capped. */
export function linearBucket(v: bigint, b: LinearBounds): number {
  const n = BigInt.asIntN(64, v);
  if (n < BigInt(b.min)) return 0;
  if (n > BigInt(b.max)) return 1 + Math.floor((b.max - b.min) / b.step);
  return 1 + Number((n - BigInt(b.min)) / BigInt(b.step));
}

/**
 * idx = histBucket(v), without loops: a binary search over the bit length, one compare per
 * halving. `v` is clobbered; `t` is scratch. All three registers must be distinct.
 */
export function emitHistBucket(g: Gen, v: Reg, idx: Reg, t: Reg): void {
  const done = g.asm.newLabel('log2_done');
  g.emit(mov(idx, imm(0)));
  g.asm.jmp('jslt', v, imm(0), done);
  g.emit(mov(idx, imm(1)));
  g.asm.jmp('jeq', v, imm(0), done);
  g.emit(mov(idx, imm(2)));
  // 2^32 does not fit an immediate: test the high word instead.
  const low = g.asm.newLabel('log2_32');
  g.emit(mov(t, reg(v)), alu('rsh', t, imm(32)));
  g.asm.jmp('jeq', t, imm(0), low);
  g.emit(mov(v, reg(t)), alu('add', idx, imm(32)));
  g.asm.bind(low);
  for (const s of [16, 8, 4, 2, 1]) {
    const skip = g.asm.newLabel(`log2_${s}`);
    g.asm.jmp('jlt', v, imm(2 ** s), skip);
    g.emit(alu('rsh', v, imm(s)), alu('add', idx, imm(s)));
    g.asm.bind(skip);
  }
  g.asm.bind(done);
}

/**
 * idx = linearBucket(v, b). `v` is clobbered; `t` is scratch for bounds that do not fit an
 * immediate. All three registers must be distinct.
 */
export function emitLinearBucket(g: Gen, b: LinearBounds, v: Reg, idx: Reg, t: Reg): void {
  const done = g.asm.newLabel('lhist_done');
  const operand = (n: number) => {
    if (n <= 0x7fffffff) return imm(n);
    g.movConst(t, BigInt(n));
    return reg(t);
  };
  g.emit(mov(idx, imm(0)));
  g.asm.jmp('jslt', v, operand(b.min), done);
  g.emit(mov(idx, imm(1 + Math.floor((b.max - b.min) / b.step))));
  g.asm.jmp('jsgt', v, operand(b.max), done);
  if (b.min !== 0) g.emit(alu('sub', v, operand(b.min)));
  if (b.step !== 1) g.emit(alu('div', v, operand(b.step)));
  g.emit(mov(idx, reg(v)), alu('add', idx, imm(1)));
  g.asm.bind(done);
}
