// join(argv[, sep]): reads the strings of a NULL-terminated array of string pointers straight
// into a reserved ring buffer record (16 KiB, far beyond the 512-byte stack); userspace joins them.
import type { Call } from '../../lang/ast.ts';
import type { CheckedProgram } from '../../lang/checked.ts';
import { Helper } from '../helpers.ts';
import { Reg } from '../insn.ts';
import { EVENT_HEADER_SIZE, EventKind, JOIN_ARG_SIZE, JOIN_ARGS } from '../object.ts';
import { alu, atomic, call, imm, ldMapFd, ldMapValue, ldx, mov, reg, st, stx } from '../ops.ts';
import { fail, type Gen } from './context.ts';
import { evalInt } from './expr.ts';
import { EVENTS_MAP, LOST_MAP } from './maps.ts';
import { strReadHelper } from './strings.ts';
import { probeExprs } from './walk.ts';

/** bpftrace's separator when join() is given none. */
export const DEFAULT_JOIN_SEPARATOR = ' ';

/** Size of a join record: the header and JOIN_ARGS string slots. */
export const JOIN_RECORD_SIZE = EVENT_HEADER_SIZE + JOIN_ARGS * JOIN_ARG_SIZE;

function separatorOf(c: Call): string {
  const sep = c.args[1];
  return sep?.kind === 'StrLit' ? sep.value : DEFAULT_JOIN_SEPARATOR;
}

/** The distinct separators of the program's join() calls; an index is an EventKind.Join id. */
export function joinDelimiters(checked: CheckedProgram): string[] {
  const seps = checked.probes.flatMap((p) => probeExprs(p.probe).flatMap((e) => (e.kind === 'Call' && e.name === 'join' ? [separatorOf(e)] : [])));
  return [...new Set(seps)];
}

export function joinCall(g: Gen, c: Call): void {
  const argv = c.args[0];
  if (!argv) throw fail('internal: join() without an array', c.span);
  const id = joinDelimiters(g.checked).indexOf(separatorOf(c));
  const strHelper = strReadHelper(g, argv);
  const ptrHelper = strHelper === Helper.probe_read_kernel_str ? Helper.probe_read_kernel : Helper.probe_read_user;
  // The array's address may take helper calls: evaluate it before the record is reserved.
  const base = g.stack.alloc(8, c.span, 'a join() array pointer');
  const elem = g.stack.alloc(8, c.span, 'a join() element pointer');
  evalInt(g, argv, Reg.R0);
  g.emit(stx(8, Reg.R10, base, Reg.R0));

  const rec = g.reg(true, c.span);
  const done = g.asm.newLabel('joined');
  const reserved = g.asm.newLabel('join_reserved');
  const submit = g.asm.newLabel('join_submit');
  g.emit(ldMapFd(Reg.R1, EVENTS_MAP), mov(Reg.R2, imm(JOIN_RECORD_SIZE)), mov(Reg.R3, imm(0)), call(Helper.ringbuf_reserve));
  g.asm.jmp('jne', Reg.R0, imm(0), reserved);
  g.emit(ldMapValue(Reg.R1, LOST_MAP, 0), mov(Reg.R2, imm(1)), atomic('add', 8, Reg.R1, 0, Reg.R2));
  g.asm.ja(done);
  g.asm.bind(reserved);
  g.emit(mov(rec, reg(Reg.R0)), st(4, rec, 0, EventKind.Join), st(4, rec, 4, id));
  for (let i = 0; i < JOIN_ARGS; i++) {
    const slot = EVENT_HEADER_SIZE + i * JOIN_ARG_SIZE;
    // An empty slot ends the list for userspace: the NULL that ends argv, or an unreadable pointer
    // (the helper zeroes the element on failure).
    g.emit(st(1, rec, slot, 0));
    g.emit(mov(Reg.R1, reg(Reg.R10)), alu('add', Reg.R1, imm(elem)), mov(Reg.R2, imm(8)), ldx(8, Reg.R3, Reg.R10, base));
    if (i > 0) g.emit(alu('add', Reg.R3, imm(8 * i)));
    g.emit(call(ptrHelper), ldx(8, Reg.R3, Reg.R10, elem));
    g.asm.jmp('jeq', Reg.R3, imm(0), submit);
    g.emit(mov(Reg.R1, reg(rec)), alu('add', Reg.R1, imm(slot)), mov(Reg.R2, imm(JOIN_ARG_SIZE)), call(strHelper));
  }
  g.asm.bind(submit);
  // Flags 0: the kernel wakes the reader when it has caught up (join runs at exec rates).
  g.emit(mov(Reg.R1, reg(rec)), mov(Reg.R2, imm(0)), call(Helper.ringbuf_submit));
  g.free(rec);
  g.asm.bind(done);
}
