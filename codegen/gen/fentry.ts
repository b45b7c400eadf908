// Context reads of fentry/fexit (BPF_PROG_TYPE_TRACING) programs. Their ctx is an array of u64:
// the parameters' slots, then in fexit the return value. Semantic analysis describes a parameter
// as the field at its slot (FentryParam.offset), so integer args.NAME needs nothing
// here. Pointers do: a direct ctx load of a pointer to a struct gives the verifier a typed
// kernel pointer (PTR_TO_BTF_ID) on which `&`, `*`, ... are refused, and a pointer to a pointer
// does not load at all. Copying the slot with probe_read_kernel yields a plain number.
import type { Builtin, Expr, FieldAccess } from '../../lang/ast.ts';
import { Helper } from '../helpers.ts';
import { Reg, type Size } from '../insn.ts';
import { alu, call, imm, ldx, mov, reg } from '../ops.ts';
import { CTX, fail, type Gen } from './context.ts';

type Slot = { readonly offset: number; readonly pointer: boolean; readonly size: number; readonly signed: boolean };

/** The ctx slot `args.NAME` or `retval` reads in this fentry/fexit program, else undefined. */
function slotOf(g: Gen, e: Expr): Slot | undefined {
  const r = g.attach.resolved;
  if (r.kind !== 'fentry') return undefined;
  if (e.kind === 'FieldAccess') {
    const p = r.params.find((x) => x.name === e.field);
    if (!p) return undefined;
    const s = p.shape;
    return { offset: p.offset, pointer: s.kind === 'pointer', size: s.kind === 'int' ? s.size : 8, signed: s.kind === 'int' && s.signed };
  }
  if (e.kind === 'Builtin' && e.name === 'retval' && r.ret) {
    const s = r.returns.shape;
    return { offset: r.retOffset, pointer: s.kind === 'pointer', size: s.kind === 'int' ? s.size : 8, signed: s.kind === 'int' && s.signed };
  }
  return undefined;
}

/** Whether reading `e` (args.NAME or retval) emits a helper call here: pointer slots do. */
export function ctxReadCalls(g: Gen, e: Expr): boolean {
  return slotOf(g, e)?.pointer ?? false;
}

/** dst = a pointer slot, copied through the stack so that it is a plain number. */
function pointerSlot(g: Gen, offset: number, dst: Reg, span: Expr['span']): void {
  const mark = g.stack.mark();
  const tmp = g.stack.alloc(8, span, 'a pointer argument');
  g.emit(
    mov(Reg.R1, reg(Reg.R10)),
    alu('add', Reg.R1, imm(tmp)),
    mov(Reg.R2, imm(8)),
    mov(Reg.R3, reg(CTX)),
    alu('add', Reg.R3, imm(offset)),
    call(Helper.probe_read_kernel),
    ldx(8, dst, Reg.R10, tmp),
  );
  g.stack.release(mark);
}

/** dst = args.NAME when NAME is a pointer parameter; false if `f` is not one (the caller reads it). */
export function pointerArg(g: Gen, f: FieldAccess, dst: Reg): boolean {
  const s = slotOf(g, f);
  if (!s?.pointer) return false;
  pointerSlot(g, s.offset, dst, f.span);
  return true;
}

/** dst = retval of an fexit: the return slot, loaded at the return type's width and extended. */
export function fexitRetval(g: Gen, b: Builtin, dst: Reg): void {
  const s = slotOf(g, b);
  const r = g.attach.resolved;
  if (!s || r.kind !== 'fentry') throw fail(`retval is not available in ${g.attach.probeName}`, b.span);
  if (s.pointer) return pointerSlot(g, s.offset, dst, b.span);
  // The upper bits of a narrower return value are whatever the register held: load only its width.
  if (s.size !== 1 && s.size !== 2 && s.size !== 4 && s.size !== 8) throw fail(`retval of ${r.fn} (${r.returns.cType}) cannot be read`, b.span);
  g.emit(ldx(s.size as Size, dst, CTX, s.offset));
  if (s.signed && s.size < 8) {
    const shift = 64 - s.size * 8;
    g.emit(alu('lsh', dst, imm(shift)), alu('arsh', dst, imm(shift)));
  }
}
