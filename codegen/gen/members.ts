// Kernel struct members through BTF (`p->f`, `p.f`, `p->embedded.f`): each pointer hop is one
// bpf_probe_read_kernel of the member into a zeroed stack slot, at the pointer plus the summed
// offsets of the embedded members in between. A NULL or bad pointer reads as 0 (the helper
// fails and the slot stays zero).
import type { Expr, FieldAccess } from '../../lang/ast.ts';
import type { MemberInfo } from '../../lang/checked.ts';
import { Helper } from '../helpers.ts';
import { Reg, type Size } from '../insn.ts';
import { alu, call, imm, ldx, mov, reg, st } from '../ops.ts';
import { fail, type Gen } from './context.ts';
import { evalInt, normalize } from './expr.ts';
import { zeroFrom } from './strings.ts';

/** The member resolution of `e`, or undefined when `e` is a tracepoint/fentry `args.f`. */
export function memberInfo(g: Gen, e: FieldAccess): MemberInfo | undefined {
  return g.checked.memberOf?.(e);
}

/** The pointer expression `e`'s address is based on, and the offset from it. */
function addressOf(g: Gen, e: FieldAccess): { base: Expr; offset: number } {
  const info = memberInfo(g, e);
  if (!info) throw fail(`internal: ${e.field} is not a kernel struct member`, e.span);
  if (info.via === 'pointer') return { base: e.object, offset: info.offset };
  if (e.object.kind !== 'FieldAccess') throw fail(`internal: embedded member ${e.field} without a struct`, e.span);
  const inner = addressOf(g, e.object);
  return { base: inner.base, offset: inner.offset + info.offset };
}

/** r3 = the address of member `e` (plus `extra` bytes). Emits the base pointer's own reads first. */
export function addressIntoR3(g: Gen, e: FieldAccess, extra = 0): void {
  const a = addressOf(g, e);
  evalInt(g, a.base, Reg.R3);
  if (a.offset + extra !== 0) g.emit(alu('add', Reg.R3, imm(a.offset + extra)));
}

/** dst = integer or pointer member `e`. */
export function memberInt(g: Gen, e: FieldAccess, dst: Reg): void {
  const info = memberInfo(g, e)!;
  if (info.record) throw fail(`a struct value cannot be used as an integer`, e.span);
  if (info.size !== 1 && info.size !== 2 && info.size !== 4 && info.size !== 8) {
    throw fail(`member ${e.field} of ${info.size} bytes cannot be read as an integer`, e.span);
  }
  addressIntoR3(g, e);
  const mark = g.stack.mark();
  const slot = g.stack.alloc(8, e.span, 'a kernel struct member');
  g.emit(
    st(8, Reg.R10, slot, 0),
    mov(Reg.R1, reg(Reg.R10)),
    alu('add', Reg.R1, imm(slot)),
    mov(Reg.R2, imm(info.size)),
    call(info.user ? Helper.probe_read_user : Helper.probe_read_kernel),
    ldx(info.size as Size, dst, Reg.R10, slot),
  );
  g.stack.release(mark);
  const bf = info.bitfield;
  if (bf) {
    if (bf.shift > 0) g.emit(alu('rsh', dst, imm(bf.shift)));
    if (bf.bits < 32) g.emit(alu('and', dst, imm((1 << bf.bits) - 1)));
    else if (bf.bits < 64) g.emit(alu('lsh', dst, imm(64 - bf.bits)), alu('rsh', dst, imm(64 - bf.bits)));
    return;
  }
  normalize(g, dst, g.typeOf(e));
}

/** r10+off = char array member `e` as a string of `size` bytes (NUL kept). */
export function memberStr(g: Gen, e: FieldAccess, off: number, size: number, padded: boolean): void {
  const info = memberInfo(g, e)!;
  const n = Math.min(info.size, size - 1);
  addressIntoR3(g, e);
  zeroFrom(g, off, padded ? 0 : n, size);
  g.emit(mov(Reg.R1, reg(Reg.R10)), alu('add', Reg.R1, imm(off)), mov(Reg.R2, imm(n)), call(info.user ? Helper.probe_read_user : Helper.probe_read_kernel));
}
