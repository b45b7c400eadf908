// Records sent to userspace through the `.events` ring buffer: printf, exit, print, clear, time.
import type { Call, MapAccess } from '../../lang/ast.ts';
import { Reg } from '../insn.ts';
import { Helper } from '../helpers.ts';
import { EventKind } from '../object.ts';
import { alu, atomic, call, imm, ldMapFd, ldMapValue, mov, reg, st } from '../ops.ts';
import { fail, type Gen } from './context.ts';
import { storeInt } from './expr.ts';
import { EVENTS_MAP, LOST_MAP } from './maps.ts';
import { roundUp8 } from './stack.ts';
import { strInto } from './strings.ts';

const BPF_RB_AVAIL_DATA = 0;
const BPF_RB_NO_WAKEUP = 1;
const BPF_RB_FORCE_WAKEUP = 2;
/** The ring buffer's per-record header. */
const RINGBUF_HDR = 8;

type Wakeup = 'half-full' | 'force';

function header(g: Gen, off: number, kind: EventKind, id: number): void {
  g.emit(st(4, Reg.R10, off, kind), st(4, Reg.R10, off + 4, id));
}

/**
 * ringbuf_output(events, r10+off, size, flags). With 'half-full', the reader is woken only when
 * this record makes the ring cross half full (it polls otherwise): a wakeup per event costs the
 * traced task microseconds. A failed output counts one lost event.
 */
function output(g: Gen, off: number, size: number, wakeup: Wakeup): void {
  if (wakeup === 'half-full') {
    const half = g.tables.ringBytes / 2;
    const recBytes = roundUp8(size) + RINGBUF_HDR;
    const noWake = g.asm.newLabel('nowake');
    g.emit(ldMapFd(Reg.R1, EVENTS_MAP), mov(Reg.R2, imm(BPF_RB_AVAIL_DATA)), call(Helper.ringbuf_query));
    g.emit(mov(Reg.R4, imm(BPF_RB_NO_WAKEUP)));
    g.asm.jmp('jge', Reg.R0, imm(half), noWake);
    g.asm.jmp('jlt', Reg.R0, imm(Math.max(0, half - recBytes)), noWake);
    g.emit(mov(Reg.R4, imm(BPF_RB_FORCE_WAKEUP)));
    g.asm.bind(noWake);
  } else {
    g.emit(mov(Reg.R4, imm(BPF_RB_FORCE_WAKEUP)));
  }
  g.emit(ldMapFd(Reg.R1, EVENTS_MAP), mov(Reg.R2, reg(Reg.R10)), alu('add', Reg.R2, imm(off)), mov(Reg.R3, imm(size)), call(Helper.ringbuf_output));
  const sent = g.asm.newLabel('sent');
  g.asm.jmp('jeq', Reg.R0, imm(0), sent);
  g.emit(ldMapValue(Reg.R1, LOST_MAP, 0), mov(Reg.R2, imm(1)), atomic('add', 8, Reg.R1, 0, Reg.R2));
  g.asm.bind(sent);
}

export function printf(g: Gen, c: Call): void {
  const info = g.checked.printfOf(c);
  const layout = g.tables.printfs[info.id];
  if (!layout) throw fail(`internal: printf ${info.id} has no layout`, c.span);
  const off = g.stack.alloc(layout.size, c.span, 'a printf record');
  header(g, off, EventKind.Printf, info.id);
  const args = c.args.slice(1);
  layout.args.forEach((field, i) => {
    const arg = args[i]!;
    if (field.type.kind === 'string') return strInto(g, arg, off + field.offset, field.type.size, false);
    storeInt(g, arg, off + field.offset, field.type);
  });
  output(g, off, layout.size, 'half-full');
}

/** exit([code]): tell userspace to stop, then end this program run. */
export function exitCall(g: Gen, c: Call): void {
  const off = g.stack.alloc(16, c.span, 'an exit record');
  header(g, off, EventKind.Exit, 0);
  const code = c.args[0];
  if (code) {
    storeInt(g, code, off + 8, { kind: 'int', bits: 64, signed: true });
  } else {
    g.emit(st(8, Reg.R10, off + 8, 0));
  }
  output(g, off, 16, 'force');
  g.asm.ja(g.exitLabel);
}

/** print(@m) / clear(@m): ask userspace to act on the map now. */
export function mapEvent(g: Gen, c: Call, kind: EventKind.PrintMap | EventKind.ClearMap): void {
  const m = c.args[0];
  if (!m || m.kind !== 'MapAccess') throw fail(`${c.name}() takes a map`, c.span);
  const ref = g.map((m as MapAccess).name, m.span);
  const off = g.stack.alloc(8, c.span, `a ${c.name} record`);
  header(g, off, kind, ref.index);
  output(g, off, 8, 'force');
}

/** bpftrace's format when time() has none. */
export const DEFAULT_TIME_FORMAT = '%H:%M:%S\n';

/** The strftime format of a time() call (semantic analysis made sure it is a literal). */
export function timeFormatOf(c: Call): string {
  const fmt = c.args[0];
  return fmt?.kind === 'StrLit' ? fmt.value : DEFAULT_TIME_FORMAT;
}

/** time([fmt]): userspace formats the time when it receives the record, as bpftrace does. */
export function timeCall(g: Gen, c: Call): void {
  const id = g.tables.timeFormats.indexOf(timeFormatOf(c));
  if (id < 0) throw fail('internal: time() format has no id', c.span);
  const off = g.stack.alloc(8, c.span, 'a time record');
  header(g, off, EventKind.Time, id);
  output(g, off, 8, 'half-full');
}
