// kstack/ustack, ksym()/usym(): the values the kernel side records for userspace to symbolize.
// A stack is the id bpf_get_stackid returns for a stack_trace map (one map per kind and frame
// limit), as bpftrace does; a ustack also carries the pid in its upper 32 bits, and a usym is
// (address, pid), because user addresses mean something only inside their process.
import type { Expr, MapAccess } from '../../lang/ast.ts';
import type { CheckedProgram } from '../../lang/checked.ts';
import type { StackType } from '../../lang/types.ts';
import { Reg } from '../insn.ts';
import { Helper } from '../helpers.ts';
import { stackMapName, type MapSpec } from '../object.ts';
import { alu, call, imm, ldMapFd, ldx, mov, reg, st, stx } from '../ops.ts';
import { CTX, fail, type Gen } from './context.ts';
import { branch, evalInt } from './expr.ts';
import { keyOf, lookup } from './maps-ops.ts';
import { probeExprs } from './walk.ts';

/** bpf_get_stackid's flag for the user stack. */
const BPF_F_USER_STACK = 1 << 8;
/** Stacks each stack map keeps, as in bpftrace. */
export const STACK_MAP_ENTRIES = 4096;

/** Whether `e` takes a stack (`kstack`, `ustack(perf, 5)`, ...). */
export function isStackExpr(e: Expr): boolean {
  return (e.kind === 'Builtin' || e.kind === 'Call') && (e.name === 'kstack' || e.name === 'ustack');
}

/** One stack_trace map per (kernel/user, limit) the program takes stacks of; the mode only
 *  changes printing, so kstack(perf) and kstack share a map. */
export function stackMapSpecs(checked: CheckedProgram): MapSpec[] {
  const specs = new Map<string, MapSpec>();
  for (const p of checked.probes) {
    for (const e of probeExprs(p.probe)) {
      if (!isStackExpr(e)) continue;
      const t = checked.typeOf(e);
      if (t.kind !== 'stack') continue;
      const name = stackMapName(t.user, t.limit);
      specs.set(name, { name, role: 'stack', kind: 'stack_trace', keySize: 4, valueSize: 8 * t.limit, maxEntries: STACK_MAP_ENTRIES });
    }
  }
  return [...specs.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
}

/** dst = the stack id of this stack (negative when the kernel has none), ORed with pid << 32 for a ustack. */
export function stackId(g: Gen, e: Expr, dst: Reg): void {
  const t = g.typeOf(e) as StackType;
  if (t.kind !== 'stack') throw fail('internal: not a stack', e.span);
  g.emit(mov(Reg.R1, reg(CTX)), ldMapFd(Reg.R2, stackMapName(t.user, t.limit)), mov(Reg.R3, imm(t.user ? BPF_F_USER_STACK : 0)), call(Helper.get_stackid));
  if (!t.user) {
    if (dst !== Reg.R0) g.emit(mov(dst, reg(Reg.R0)));
    return;
  }
  const id = g.reg(true, e.span);
  // The low 32 bits keep the (int32) id, the upper ones take the tgid.
  g.emit(mov(id, reg(Reg.R0), 32), call(Helper.get_current_pid_tgid), alu('rsh', Reg.R0, imm(32)), alu('lsh', Reg.R0, imm(32)), alu('or', Reg.R0, reg(id)));
  g.free(id);
  if (dst !== Reg.R0) g.emit(mov(dst, reg(Reg.R0)));
}

/** Writes usym value `e` (address, pid) into r10+off (16 bytes). */
export function storeUsym(g: Gen, e: Expr, off: number): void {
  g.asm.withSpan(e.span, () => {
    switch (e.kind) {
      case 'Call': {
        const addr = e.args[0];
        if (e.name !== 'usym' || !addr) break;
        evalInt(g, addr, Reg.R0);
        g.emit(stx(8, Reg.R10, off, Reg.R0), call(Helper.get_current_pid_tgid), alu('rsh', Reg.R0, imm(32)), stx(8, Reg.R10, off + 8, Reg.R0));
        return;
      }
      case 'ScratchVar': {
        const v = g.vars.get(e.name);
        if (!v) throw fail(`internal: unknown variable ${e.name}`, e.span);
        if (v.off !== off) copyWords(g, Reg.R10, v.off, off, 2);
        return;
      }
      case 'MapAccess':
        return mapReadUsym(g, e, off);
      case 'Ternary': {
        const otherwise = g.asm.newLabel('else');
        const end = g.asm.newLabel('end');
        branch(g, e.cond, otherwise, false);
        storeUsym(g, e.then, off);
        g.asm.ja(end);
        g.asm.bind(otherwise);
        storeUsym(g, e.else, off);
        g.asm.bind(end);
        return;
      }
      default:
        break;
    }
    throw fail('cannot compile this usym() expression', e.span);
  });
}

function copyWords(g: Gen, src: Reg, srcOff: number, dstOff: number, words: number): void {
  const t = g.reg(false, undefined);
  for (let i = 0; i < words; i++) g.emit(ldx(8, t, src, srcOff + 8 * i), stx(8, Reg.R10, dstOff + 8 * i, t));
  g.free(t);
}

/** r10+off = @m[k] (a usym), zeros when the key is missing. */
function mapReadUsym(g: Gen, access: MapAccess, off: number): void {
  const { ref, key } = keyOf(g, access);
  lookup(g, ref, key);
  const miss = g.asm.newLabel('miss');
  const end = g.asm.newLabel('end');
  g.asm.jmp('jeq', Reg.R0, imm(0), miss);
  copyWords(g, Reg.R0, 0, off, 2);
  g.asm.ja(end);
  g.asm.bind(miss);
  g.emit(st(8, Reg.R10, off, 0), st(8, Reg.R10, off + 8, 0));
  g.asm.bind(end);
}
