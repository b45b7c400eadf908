// Records sent to userspace through the `.events` ring buffer: printf, exit, print, clear, time.
import type { Call, Expr, MapAccess } from '../../lang/ast.ts';
import type { Type } from '../../lang/types.ts';
import { Reg } from '../insn.ts';
import { Helper } from '../helpers.ts';
import { EventKind, PRINT_MAP_DIV, PRINT_MAP_RECORD, PRINT_MAP_TOP, type PrintfLayout } from '../object.ts';
import { alu, atomic, call, imm, ldMapFd, ldMapValue, ldx, mov, reg, st, stx } from '../ops.ts';
import { fail, immOf, type Gen } from './context.ts';
import { constInt, evalInt, normalize, storeInt } from './expr.ts';
import { EVENTS_MAP, LOST_MAP } from './maps.ts';
import { roundUp8 } from './stack.ts';
import { prepareDirectStr, strInto, writeDirectStr, type DirectStr } from './strings.ts';

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
    // avail does not count this record yet: it crosses if avail < half <= avail + recBytes.
    const half = g.tables.ringBytes / 2;
    wakeupFlags(g, Reg.R4, Math.max(0, half - (roundUp8(size) + RINGBUF_HDR)), half);
  } else {
    g.emit(mov(Reg.R4, imm(BPF_RB_FORCE_WAKEUP)));
  }
  g.emit(ldMapFd(Reg.R1, EVENTS_MAP), mov(Reg.R2, reg(Reg.R10)), alu('add', Reg.R2, imm(off)), mov(Reg.R3, imm(size)), call(Helper.ringbuf_output));
  const sent = g.asm.newLabel('sent');
  g.asm.jmp('jeq', Reg.R0, imm(0), sent);
  countLost(g);
  g.asm.bind(sent);
}

function countLost(g: Gen): void {
  g.emit(ldMapValue(Reg.R1, LOST_MAP, 0), mov(Reg.R2, imm(1)), atomic('add', 8, Reg.R1, 0, Reg.R2));
}

/** How one printf argument reaches its field of the reserved record. */
type Fill =
  /** A constant integer, stored as an immediate. */
  | { readonly kind: 'imm'; readonly value: number }
  /** An integer evaluated after the reserve: no branch, at most a simple helper call. */
  | { readonly kind: 'late'; readonly e: Expr; readonly type: Type }
  /** A string written in place (comm, a constant, str() of an evaluated pointer). */
  | { readonly kind: 'str'; readonly s: DirectStr; readonly size: number }
  /** Anything else, built on the stack before the reserve and copied word by word. */
  | { readonly kind: 'staged'; readonly off: number; readonly bytes: number };

/** Builtins whose value takes no branch and at most one helper call without side effects. */
const LATE_BUILTINS = new Set(['pid', 'tid', 'uid', 'gid', 'nsecs', 'cpu', 'elapsed', 'cpid']);

/** Evaluates what may branch or fail before the record is reserved; returns each field's fill. */
function prepare(g: Gen, args: readonly Expr[], layout: PrintfLayout): Fill[] {
  return layout.args.map((field, i): Fill => {
    const arg = args[i]!;
    const bytes = (layout.args[i + 1]?.offset ?? layout.size) - field.offset;
    const t = field.type;
    if (t.kind === 'string') {
      const s = prepareDirectStr(g, arg, t.size);
      if (s) return { kind: 'str', s, size: t.size };
      const off = g.stack.alloc(bytes, arg.span, 'a printf argument');
      strInto(g, arg, off, t.size, false);
      return { kind: 'staged', off, bytes };
    }
    if (t.kind === 'int') {
      const c = constInt(g, arg);
      const o = c === undefined ? undefined : immOf(BigInt.asIntN(64, t.signed ? BigInt.asIntN(t.bits, c) : BigInt.asUintN(t.bits, c)));
      if (o && 'imm' in o) return { kind: 'imm', value: o.imm };
      const late = arg.kind === 'ScratchVar' || (arg.kind === 'Builtin' && LATE_BUILTINS.has(arg.name));
      if (late && g.typeOf(arg).kind === 'int') return { kind: 'late', e: arg, type: t };
    }
    const off = g.stack.alloc(bytes, arg.span, 'a printf argument');
    storeInt(g, arg, off, t);
    return { kind: 'staged', off, bytes };
  });
}

/**
 * printf: reserve the record in the ring and write it in place, then submit (one copy fewer
 * than building it on the stack for ringbuf_output). Arguments that may branch or fail are
 * evaluated first, so nothing between reserve and submit can leave the record unsubmitted.
 * A failed reserve counts one lost event.
 */
export function printf(g: Gen, c: Call): void {
  const info = g.checked.printfOf(c);
  const layout = g.tables.printfs[info.id];
  if (!layout) throw fail(`internal: printf ${info.id} has no layout`, c.span);
  // The record pointer lives in a callee-saved register across the helpers that fill it.
  const rec = g.tryReg(true);
  if (rec === undefined) return printfOnStack(g, c, layout);
  const fills = prepare(g, c.args.slice(1), layout);
  const done = g.asm.newLabel('printed');
  g.emit(ldMapFd(Reg.R1, EVENTS_MAP), mov(Reg.R2, imm(layout.size)), mov(Reg.R3, imm(0)), call(Helper.ringbuf_reserve));
  const reserved = g.asm.newLabel('reserved');
  g.asm.jmp('jne', Reg.R0, imm(0), reserved);
  countLost(g);
  g.asm.ja(done);
  g.asm.bind(reserved);
  g.emit(mov(rec, reg(Reg.R0)));
  // `u32 kind; u32 id;` in one store when the id is 0.
  const kind = recordKind(c);
  if (info.id === 0) g.emit(st(8, rec, 0, kind));
  else g.emit(st(4, rec, 0, kind), st(4, rec, 4, info.id));
  // Stores first, helper calls (comm, str reads) last.
  const order = [...fills.keys()].sort((a, b) => rank(fills[a]!) - rank(fills[b]!));
  for (const i of order) fill(g, fills[i]!, rec, layout.args[i]!.offset);
  submit(g, rec, layout.size);
  g.free(rec);
  g.asm.bind(done);
}

/** printf() and cat() send the same record; the kind tells userspace which it is. */
function recordKind(c: Call): EventKind.Printf | EventKind.Cat {
  return c.name === 'cat' ? EventKind.Cat : EventKind.Printf;
}

function rank(f: Fill): number {
  return f.kind === 'imm' || f.kind === 'staged' ? 0 : f.kind === 'late' ? 1 : 2;
}

function fill(g: Gen, f: Fill, rec: Reg, off: number): void {
  switch (f.kind) {
    case 'imm':
      return g.emit(st(8, rec, off, f.value));
    case 'late':
      g.asm.withSpan(f.e.span, () => {
        evalInt(g, f.e, Reg.R0);
        const from = g.typeOf(f.e);
        if (from.kind !== 'int' || f.type.kind !== 'int' || from.bits !== f.type.bits || from.signed !== f.type.signed) normalize(g, Reg.R0, f.type);
        g.emit(stx(8, rec, off, Reg.R0));
      });
      return;
    case 'str':
      return writeDirectStr(g, f.s, rec, off, f.size);
    case 'staged': {
      const t = g.reg(false, undefined);
      for (let i = 0; i < f.bytes; i += 8) g.emit(ldx(8, t, Reg.R10, f.off + i), stx(8, rec, off + i, t));
      g.free(t);
      return;
    }
  }
}

/** ringbuf_submit(rec) waking the reader only when this record made the ring cross half full. */
function submit(g: Gen, rec: Reg, size: number): void {
  // avail now counts this record: it crossed if avail - recBytes < half <= avail.
  const half = g.tables.ringBytes / 2;
  wakeupFlags(g, Reg.R2, half, half + roundUp8(size) + RINGBUF_HDR);
  g.emit(mov(Reg.R1, reg(rec)), call(Helper.ringbuf_submit));
}

/**
 * dst = BPF_RB_FORCE_WAKEUP when the ring's available data is in [lo, hi) (the range in which
 * this record makes the ring cross half full), else BPF_RB_NO_WAKEUP: a wakeup per event costs
 * the traced task microseconds, and the reader polls every 10 ms anyway.
 */
function wakeupFlags(g: Gen, dst: Reg, lo: number, hi: number): void {
  const noWake = g.asm.newLabel('nowake');
  g.emit(ldMapFd(Reg.R1, EVENTS_MAP), mov(Reg.R2, imm(BPF_RB_AVAIL_DATA)), call(Helper.ringbuf_query));
  g.emit(mov(dst, imm(BPF_RB_NO_WAKEUP)));
  g.asm.jmp('jlt', Reg.R0, imm(lo), noWake);
  g.asm.jmp('jge', Reg.R0, imm(hi), noWake);
  g.emit(mov(dst, imm(BPF_RB_FORCE_WAKEUP)));
  g.asm.bind(noWake);
}

/** The record built on the stack and sent with ringbuf_output, when no register can hold a
 *  reserved record's pointer. */
function printfOnStack(g: Gen, c: Call, layout: PrintfLayout): void {
  const info = g.checked.printfOf(c);
  const off = g.stack.alloc(layout.size, c.span, 'a printf record');
  header(g, off, recordKind(c), info.id);
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

/** print(@m[, top[, div]]) / clear(@m): ask userspace to act on the map now. */
export function mapEvent(g: Gen, c: Call, kind: EventKind.PrintMap | EventKind.ClearMap): void {
  const m = c.args[0];
  if (!m || m.kind !== 'MapAccess') throw fail(`${c.name}() takes a map`, c.span);
  const ref = g.map((m as MapAccess).name, m.span);
  if (kind === EventKind.ClearMap) {
    const off = g.stack.alloc(8, c.span, `a ${c.name} record`);
    header(g, off, kind, ref.index);
    return output(g, off, 8, 'force');
  }
  // Semantic analysis allows only literals; 0 means every entry / no division.
  const literal = (e: Expr | undefined): number => (e?.kind === 'IntLit' && e.value > 0n && e.value <= 0x7fffffffn ? Number(e.value) : 0);
  const off = g.stack.alloc(PRINT_MAP_RECORD, c.span, 'a print record');
  header(g, off, kind, ref.index);
  g.emit(st(8, Reg.R10, off + PRINT_MAP_TOP, literal(c.args[1])), st(8, Reg.R10, off + PRINT_MAP_DIV, literal(c.args[2])));
  output(g, off, PRINT_MAP_RECORD, 'force');
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
