// Builtins and probe context access (argN, retval, args.f) per attach kind.
import type { Builtin, FieldAccess } from '../../lang/ast.ts';
import { GLOBALS_CPID, GLOBALS_START_NS } from '../object.ts';
import { Reg, type Size } from '../insn.ts';
import { needsRelocations, TASK_REAL_PARENT, TASK_TGID } from './task-fields.ts';
import { Helper } from '../helpers.ts';
import { alu, call, imm, ldMapValue, ldx, ldxField, mov, reg } from '../ops.ts';
import { CTX, fail, type Gen } from './context.ts';
import { fexitRetval, pointerArg } from './fentry.ts';
import { GLOBALS_MAP } from './maps.ts';
import { stackId } from './stacks.ts';
import { zeroFrom } from './strings.ts';

/** struct pt_regs offsets on x86-64 for arg0..arg5 (di, si, dx, cx, r8, r9) and the return value (ax). */
const PT_REGS_ARG = [112, 104, 96, 88, 72, 64] as const;
const PT_REGS_RET = 80;
/** In a syscall tracepoint record, argument N is the u64 at 16 + 8N; sys_exit's `ret` is at 16. */
const SYSCALL_ARGS_AT = 16;

/** Programs whose pointers (syscall arguments) point into user memory. */
export function isUserPointerProgram(g: Gen): boolean {
  const kind = g.attach.resolved.kind;
  return kind === 'tracepoint' || kind === 'uprobe';
}

/** The helper str() reads a pointer with. fentry/fexit parameters may point to user memory
 *  (`const char __user *`) or kernel memory, and BTF rarely says which: the compat helper picks
 *  by address, as bpftrace's str() does. */
export function stringReadHelper(g: Gen): Helper {
  if (g.attach.resolved.kind === 'fentry') return Helper.probe_read_str;
  return isUserPointerProgram(g) ? Helper.probe_read_user_str : Helper.probe_read_kernel_str;
}

/** Builtins whose value is what one helper returns. */
const HELPER_BUILTINS: ReadonlyMap<string, Helper> = new Map([
  ['nsecs', Helper.ktime_get_ns],
  ['cpu', Helper.get_smp_processor_id],
  ['cgroup', Helper.get_current_cgroup_id],
  ['rand', Helper.get_prandom_u32],
  ['jiffies', Helper.jiffies64],
  ['numaid', Helper.get_numa_node_id],
  ['curtask', Helper.get_current_task],
]);

function afterCall(g: Gen, dst: Reg): void {
  if (dst !== Reg.R0) g.emit(mov(dst, reg(Reg.R0)));
}

export function builtinInt(g: Gen, b: Builtin, dst: Reg): void {
  switch (b.name) {
    case 'pid':
    case 'tid':
      g.emit(call(Helper.get_current_pid_tgid));
      // The tgid is the upper half, the thread id the lower half.
      if (b.name === 'pid') {
        g.emit(alu('rsh', Reg.R0, imm(32)));
        return afterCall(g, dst);
      }
      return g.emit(mov(dst, reg(Reg.R0), 32));
    case 'uid':
    case 'gid':
      g.emit(call(Helper.get_current_uid_gid));
      if (b.name === 'gid') {
        g.emit(alu('rsh', Reg.R0, imm(32)));
        return afterCall(g, dst);
      }
      return g.emit(mov(dst, reg(Reg.R0), 32));
    case 'elapsed':
      g.emit(call(Helper.ktime_get_ns), ldMapValue(Reg.R1, GLOBALS_MAP, GLOBALS_START_NS), ldx(8, Reg.R1, Reg.R1, 0), alu('sub', Reg.R0, reg(Reg.R1)));
      return afterCall(g, dst);
    case 'ppid':
      // Relocated loads: the kernel places real_parent and tgid where its task_struct has them.
      if (!g.tables.kernelFields) throw fail(needsRelocations('ppid'), b.span);
      g.emit(call(Helper.get_current_task_btf), ldxField(8, Reg.R0, Reg.R0, TASK_REAL_PARENT), ldxField(4, Reg.R0, Reg.R0, TASK_TGID));
      return afterCall(g, dst);
    case 'retval':
      if (g.attach.resolved.kind === 'fentry') return fexitRetval(g, b, dst);
      return g.emit(ldx(8, dst, CTX, retvalOffset(g, b)));
    case 'kstack':
    case 'ustack':
      return stackId(g, b, dst);
    case 'cpid':
      // The runtime writes the -c child's pid into the globals before BEGIN.
      return g.emit(ldMapValue(dst, GLOBALS_MAP, GLOBALS_CPID), ldx(4, dst, dst, 0));
    default: {
      const helper = HELPER_BUILTINS.get(b.name);
      if (helper !== undefined) {
        g.emit(call(helper));
        return afterCall(g, dst);
      }
      const m = /^arg([0-9])$/.exec(b.name);
      if (m) return g.emit(ldx(8, dst, CTX, argOffset(g, b, Number(m[1]))));
      throw fail(`the ${b.name} builtin is not supported by code generation`, b.span);
    }
  }
}

function argOffset(g: Gen, b: Builtin, n: number): number {
  const r = g.attach.resolved;
  if (r.kind === 'tracepoint' && r.fallbackFrom) return SYSCALL_ARGS_AT + 8 * n;
  if (r.kind === 'kprobe' || r.kind === 'uprobe') {
    const off = PT_REGS_ARG[n];
    if (off !== undefined) return off;
  }
  throw fail(`${b.name} is not available in ${g.attach.probeName}`, b.span);
}

function retvalOffset(g: Gen, b: Builtin): number {
  const r = g.attach.resolved;
  if (r.kind === 'tracepoint' && r.fallbackFrom) return SYSCALL_ARGS_AT;
  if (r.kind === 'kprobe' || r.kind === 'uprobe') return PT_REGS_RET;
  throw fail(`retval is not available in ${g.attach.probeName}`, b.span);
}

function field(g: Gen, f: FieldAccess) {
  return g.checked.fieldOf(f, g.attach).field;
}

/** dst = args.f for an integer field: a direct load from the tracepoint record. */
export function fieldInt(g: Gen, f: FieldAccess, dst: Reg): void {
  if (pointerArg(g, f, dst)) return;
  const fd = field(g, f);
  if (fd.size !== 1 && fd.size !== 2 && fd.size !== 4 && fd.size !== 8) {
    throw fail(`field ${fd.name} of ${fd.size} bytes cannot be read as an integer`, f.span);
  }
  g.emit(ldx(fd.size as Size, dst, CTX, fd.offset));
  if (fd.signed && fd.size < 8) {
    const shift = 64 - fd.size * 8;
    g.emit(alu('lsh', dst, imm(shift)), alu('arsh', dst, imm(shift)));
  }
}

/** r10+off = args.f for a char array field, via probe_read_kernel into a zeroed buffer. */
export function fieldStr(g: Gen, f: FieldAccess, off: number, size: number, padded: boolean): void {
  const fd = field(g, f);
  // Leave room for a NUL when the array is at least as long as the buffer.
  const n = Math.min(fd.size, size - 1);
  zeroFrom(g, off, padded ? 0 : n, size);
  g.emit(
    mov(Reg.R1, reg(Reg.R10)),
    alu('add', Reg.R1, imm(off)),
    mov(Reg.R2, imm(n)),
    mov(Reg.R3, reg(CTX)),
    alu('add', Reg.R3, imm(fd.offset)),
    call(Helper.probe_read_kernel),
  );
}
