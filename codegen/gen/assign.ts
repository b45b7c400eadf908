// Assignments, ++/-- and aggregations: everything that writes a scratch variable or a map.
import type { AssignOp, AssignStmt, Call, Expr, IncDec, MapAccess, ScratchVar } from '../../lang/ast.ts';
import type { AggType, Type } from '../../lang/types.ts';
import type { Label } from '../asm.ts';
import { Reg, type AluOp } from '../insn.ts';
import { alu, imm, ldx, mov, reg, st, stx } from '../ops.ts';
import { emitHistBucket, emitLinearBucket, histBucket, linearBucket } from './buckets.ts';
import { fail, immOf, type Gen, type VarSlot } from './context.ts';
import { applyArith, constInt, evalInt, hold, heldOperand, isSigned, normalize, releaseHeld, storeHeld, storeInt, type Held } from './expr.ts';
import { keyOf, lookup, update } from './maps-ops.ts';
import { strInto } from './strings.ts';

const COMPOUND: Record<Exclude<AssignOp, '='>, AluOp> = {
  '+=': 'add', '-=': 'sub', '*=': 'mul', '/=': 'div', '%=': 'mod', '&=': 'and', '|=': 'or', '^=': 'xor', '<<=': 'lsh', '>>=': 'rsh',
};

function slotOf(g: Gen, v: ScratchVar): VarSlot {
  const s = g.vars.get(v.name);
  if (!s) throw fail(`internal: unknown variable ${v.name}`, v.span);
  return s;
}

export function assign(g: Gen, s: AssignStmt): void {
  if (s.target.kind === 'ScratchVar') return assignVar(g, s.target, s.op, s);
  if (s.value.kind === 'Call' && ['count', 'sum', 'min', 'max', 'avg', 'hist', 'lhist', 'stats'].includes(s.value.name)) {
    if (s.op !== '=') throw fail(`cannot use ${s.op} with ${s.value.name}()`, s.span);
    return aggregate(g, s.target, s.value);
  }
  return assignMap(g, s.target, s.op, s);
}

function assignVar(g: Gen, v: ScratchVar, op: AssignOp, s: AssignStmt): void {
  const slot = slotOf(g, v);
  if (slot.type.kind === 'string') {
    if (op !== '=') throw fail(`cannot use ${op} on a string`, s.span);
    return strInto(g, s.value, slot.off, slot.type.size);
  }
  if (op === '=') return storeInt(g, s.value, slot.off, slot.type);
  // The value first (into r0, or as an immediate), then the variable: nothing is live across calls.
  const c = constInt(g, s.value);
  let right = c === undefined ? undefined : immOf(c);
  if (!right) {
    evalInt(g, s.value, Reg.R0);
    right = reg(Reg.R0);
  }
  const t = g.reg(false, s.span);
  g.emit(ldx(8, t, Reg.R10, slot.off));
  applyArith(g, COMPOUND[op], t, right, isSigned(slot.type));
  normalize(g, t, slot.type);
  g.emit(stx(8, Reg.R10, slot.off, t));
  g.free(t);
}

function plainValue(g: Gen, m: MapAccess): Type {
  const value = g.map(m.name, m.span).spec.user!.info.value;
  if (value.kind === 'agg') throw fail(`${m.name} holds an aggregation (${value.fn}) and cannot be assigned`, m.span);
  return value;
}

function assignMap(g: Gen, m: MapAccess, op: AssignOp, s: AssignStmt): void {
  const value = plainValue(g, m);
  if (op === '=') {
    const { ref, key } = keyOf(g, m);
    const val = g.stack.alloc(ref.spec.valueSize, s.span, `the value of ${m.name}`);
    if (value.kind === 'string') strInto(g, s.value, val, value.size);
    else storeInt(g, s.value, val, value);
    return update(g, ref, key, val);
  }
  if (value.kind !== 'int') throw fail(`cannot use ${op} on a string`, s.span);
  const h = hold(g, s.value);
  readModifyWrite(g, m, value, COMPOUND[op], h, undefined);
  releaseHeld(g, h);
}

/**
 * @m[k] = @m[k] OP v: updated in place when the key exists (non-atomic, as bpftrace), else
 * inserted as 0 OP v. With `result`, also leaves the old (postfix) or new value in `result.dst`.
 */
function readModifyWrite(g: Gen, m: MapAccess, type: Type, op: AluOp, v: Held, result: { dst: Reg; postfix: boolean } | undefined): void {
  const { ref, key } = keyOf(g, m);
  const val = g.stack.alloc(ref.spec.valueSize, m.span, `the value of ${m.name}`);
  lookup(g, ref, key);
  const miss = g.asm.newLabel('miss');
  const end = g.asm.newLabel('end');
  g.asm.jmp('jeq', Reg.R0, imm(0), miss);
  const t = g.reg(false, m.span);
  const scratch = g.reg(false, m.span);
  if (result) {
    const old = g.reg(false, m.span);
    g.emit(ldx(8, old, Reg.R0, 0), mov(t, reg(old)));
    applyArith(g, op, t, heldOperand(g, v, scratch), isSigned(type));
    normalize(g, t, type);
    g.emit(stx(8, Reg.R0, 0, t), mov(result.dst, reg(result.postfix ? old : t)));
    g.free(old);
  } else {
    g.emit(ldx(8, t, Reg.R0, 0));
    applyArith(g, op, t, heldOperand(g, v, scratch), isSigned(type));
    normalize(g, t, type);
    g.emit(stx(8, Reg.R0, 0, t));
  }
  g.asm.ja(end);
  g.asm.bind(miss);
  g.emit(mov(t, imm(0)));
  applyArith(g, op, t, heldOperand(g, v, scratch), isSigned(type));
  normalize(g, t, type);
  g.emit(stx(8, Reg.R10, val, t));
  g.free(t);
  g.free(scratch);
  update(g, ref, key, val);
  if (result) {
    // The new value is still in the stack slot; the old one was 0.
    g.emit(result.postfix ? mov(result.dst, imm(0)) : ldx(8, result.dst, Reg.R10, val));
  }
  g.asm.bind(end);
}

/** `$x++`, `--@m[k]`; dst receives the expression's value when used as one. */
export function incDec(g: Gen, e: IncDec, dst: Reg | undefined): void {
  const op: AluOp = e.op === '++' ? 'add' : 'sub';
  g.asm.withSpan(e.span, () => {
    if (e.target.kind === 'ScratchVar') {
      const slot = slotOf(g, e.target);
      const t = dst ?? g.reg(false, e.span);
      g.emit(ldx(8, t, Reg.R10, slot.off), alu(op, t, imm(1)));
      normalize(g, t, slot.type);
      g.emit(stx(8, Reg.R10, slot.off, t));
      if (dst !== undefined && !e.prefix) {
        g.emit(alu(op === 'add' ? 'sub' : 'add', t, imm(1)));
        normalize(g, t, slot.type);
      }
      if (dst === undefined) g.free(t);
      return;
    }
    const value = plainValue(g, e.target);
    readModifyWrite(g, e.target, value, op, { kind: 'const', value: 1n }, dst === undefined ? undefined : { dst, postfix: !e.prefix });
  });
}

/** `@m[k] = count()` and friends on a per-CPU map: update in place, or insert the first value. */
function aggregate(g: Gen, m: MapAccess, c: Call): void {
  const ref = g.map(m.name, m.span);
  const agg = ref.spec.user!.info.value;
  if (agg.kind !== 'agg') throw fail(`internal: ${m.name} is not an aggregation map`, m.span);
  const arg = c.args[0];
  if (agg.fn !== 'count' && !arg) throw fail(`${agg.fn}() needs an argument`, c.span);
  if (agg.fn === 'hist' || agg.fn === 'lhist') return bucketed(g, m, c, agg, arg!);
  const v: Held = agg.fn === 'count' || !arg ? { kind: 'const', value: 1n } : hold(g, arg);
  const { key } = keyOf(g, m);
  lookup(g, ref, key);
  const end = g.asm.newLabel('end');
  // An array's element always exists (the NULL check is for the verifier): nothing to insert.
  if (ref.spec.kind === 'percpu_array') {
    g.asm.jmp('jeq', Reg.R0, imm(0), end);
    g.asm.withSpan(c.span, () => updateInPlace(g, agg, v, end));
    g.asm.bind(end);
    releaseHeld(g, v);
    return;
  }
  const val = g.stack.alloc(ref.spec.valueSize, m.span, `the value of ${m.name}`);
  const miss = g.asm.newLabel('miss');
  g.asm.jmp('jeq', Reg.R0, imm(0), miss);
  g.asm.withSpan(c.span, () => updateInPlace(g, agg, v, end));
  g.asm.ja(end);
  g.asm.bind(miss);
  storeHeld(g, v, Reg.R10, val, Reg.R1);
  if (agg.fn !== 'count' && agg.fn !== 'sum') g.emit(st(8, Reg.R10, val + 8, 1));
  update(g, ref, key, val);
  g.asm.bind(end);
  releaseHeld(g, v);
}

/**
 * `@m[k] = hist(v)` / `lhist(v, min, max, step)`: count 1 in the entry (k, bucket of v). The key
 * is built first (it may call helpers), then v is bucketed straight into the key's bucket field.
 */
function bucketed(g: Gen, m: MapAccess, c: Call, agg: AggType, arg: Expr): void {
  const ref = g.map(m.name, m.span);
  const bucketOffset = ref.spec.user!.bucketOffset;
  if (bucketOffset === undefined) throw fail(`internal: ${m.name} has no bucket field`, m.span);
  const bucketOf = (v: bigint) => (agg.linear ? linearBucket(v, agg.linear) : histBucket(v));
  // A scalar map's key is the bucket alone: nothing to build, so v can go straight to a register.
  const scalar = m.keys.length === 0;
  const c0 = constInt(g, arg);
  const v: Held | undefined = c0 !== undefined ? { kind: 'const', value: c0 } : scalar ? undefined : hold(g, arg);
  const key = scalar ? g.stack.alloc(ref.spec.keySize, m.span, `the key of ${m.name}`) : keyOf(g, m).key;
  g.asm.withSpan(c.span, () => {
    if (v?.kind === 'const') return g.emit(st(8, Reg.R10, key + bucketOffset, bucketOf(v.value)));
    const x = g.reg(false, c.span);
    if (v) {
      const o = heldOperand(g, v, x);
      if ('imm' in o || o.reg !== x) g.emit(mov(x, o));
    } else {
      evalInt(g, arg, x);
    }
    const idx = g.reg(false, c.span);
    const t = g.reg(false, c.span);
    if (agg.linear) emitLinearBucket(g, agg.linear, x, idx, t);
    else emitHistBucket(g, x, idx, t);
    g.emit(stx(8, Reg.R10, key + bucketOffset, idx));
    g.free(x);
    g.free(idx);
    g.free(t);
  });
  if (v) releaseHeld(g, v);
  const val = g.stack.alloc(8, m.span, `the value of ${m.name}`);
  lookup(g, ref, key);
  const miss = g.asm.newLabel('miss');
  const end = g.asm.newLabel('end');
  g.asm.jmp('jeq', Reg.R0, imm(0), miss);
  // Per-CPU: no other CPU writes this copy, so a plain increment is enough.
  g.asm.withSpan(c.span, () => g.emit(ldx(8, Reg.R1, Reg.R0, 0), alu('add', Reg.R1, imm(1)), stx(8, Reg.R0, 0, Reg.R1)));
  g.asm.ja(end);
  g.asm.bind(miss);
  g.emit(st(8, Reg.R10, val, 1));
  update(g, ref, key, val);
  g.asm.bind(end);
}

/** r0 points at this CPU's value. */
function updateInPlace(g: Gen, agg: AggType, v: Held, end: Label): void {
  const t = Reg.R1;
  const scratch = Reg.R2;
  switch (agg.fn) {
    case 'count':
    case 'sum':
      g.emit(ldx(8, t, Reg.R0, 0));
      applyArith(g, 'add', t, heldOperand(g, v, scratch), false);
      return g.emit(stx(8, Reg.R0, 0, t));
    case 'avg':
    case 'stats':
      g.emit(ldx(8, t, Reg.R0, 0));
      applyArith(g, 'add', t, heldOperand(g, v, scratch), false);
      g.emit(stx(8, Reg.R0, 0, t), ldx(8, t, Reg.R0, 8), alu('add', t, imm(1)), stx(8, Reg.R0, 8, t));
      return;
    case 'min':
    case 'max': {
      // Another CPU may have created the entry: this CPU's copy counts only once `set` is 1.
      const store = g.asm.newLabel('set');
      g.emit(ldx(8, t, Reg.R0, 8));
      g.asm.jmp('jeq', t, imm(0), store);
      g.emit(ldx(8, t, Reg.R0, 0));
      const keep = agg.fn === 'min' ? (agg.signed ? 'jsle' : 'jle') : agg.signed ? 'jsge' : 'jge';
      g.asm.jmp(keep, t, heldOperand(g, v, scratch), end);
      g.asm.bind(store);
      storeHeld(g, v, Reg.R0, 0, scratch);
      g.emit(st(8, Reg.R0, 8, 1));
      return;
    }
  }
}
