// `e[i]` (semantic analysis resolved where element i is: lang/checked.ts IndexInfo): a load
// from the context for a tracepoint array field, else one probe read of the element, at the
// pointer's value or the struct member's address plus i elements, into a zeroed stack slot (an
// unreadable address reads as 0, as struct members do).
import type { Deref, Index } from '../../lang/ast.ts';
import type { IndexInfo } from '../../lang/checked.ts';
import { Helper } from '../helpers.ts';
import { Reg } from '../insn.ts';
import { alu, call, imm, ldx, mov, reg, st } from '../ops.ts';
import { isUserPointerProgram } from './builtins.ts';
import { CTX, fail, type Gen } from './context.ts';
import { evalInt, normalize } from './expr.ts';
import { addressIntoR3 } from './members.ts';

export function indexInfo(g: Gen, e: Index | Deref): IndexInfo {
  const of = g.checked.indexOf;
  if (!of) throw fail('internal: no index resolution', e.span);
  return of(e, g.attach);
}

/** dst = e[i]. */
export function indexInt(g: Gen, e: Index, dst: Reg): void {
  const info = indexInfo(g, e);
  switch (info.kind) {
    case 'context':
      g.emit(ldx(info.size, dst, CTX, info.offset));
      return normalize(g, dst, g.typeOf(e));
    case 'pointer':
      evalInt(g, e.object, Reg.R3);
      if (info.offset !== 0) g.emit(alu('add', Reg.R3, imm(info.offset)));
      return readElement(g, e, dst, info.size, pointerHelper(g, info.space));
    case 'member':
      if (e.object.kind !== 'FieldAccess') throw fail('internal: an array member without a struct', e.span);
      addressIntoR3(g, e.object, info.offset);
      return readElement(g, e, dst, info.size, info.user ? Helper.probe_read_user : Helper.probe_read_kernel);
  }
}

/** dst = *e: element 0 of what `e` points to. */
export function derefInt(g: Gen, e: Deref, dst: Reg): void {
  const info = indexInfo(g, e);
  if (info.kind !== 'pointer') throw fail('internal: a dereference that is no pointer read', e.span);
  evalInt(g, e.operand, Reg.R3);
  readElement(g, e, dst, info.size, pointerHelper(g, info.space));
}

function pointerHelper(g: Gen, space: 'user' | 'kernel' | 'program'): Helper {
  if (space === 'user') return Helper.probe_read_user;
  if (space === 'kernel') return Helper.probe_read_kernel;
  // fentry/fexit parameters may point to either: the compat helper decides by address.
  if (g.attach.resolved.kind === 'fentry') return Helper.probe_read;
  return isUserPointerProgram(g) ? Helper.probe_read_user : Helper.probe_read_kernel;
}

/** dst = the `size` bytes at r3, read with `helper` (0 if they cannot be read). */
function readElement(g: Gen, e: Index | Deref, dst: Reg, size: 1 | 2 | 4 | 8, helper: Helper): void {
  const mark = g.stack.mark();
  const slot = g.stack.alloc(8, e.span, 'an array element');
  g.emit(st(8, Reg.R10, slot, 0), mov(Reg.R1, reg(Reg.R10)), alu('add', Reg.R1, imm(slot)), mov(Reg.R2, imm(size)), call(helper), ldx(size, dst, Reg.R10, slot));
  g.stack.release(mark);
  normalize(g, dst, g.typeOf(e));
}
