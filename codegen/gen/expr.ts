// Integer expressions and conditions. Every value lives in a 64-bit register, sign- or
// zero-extended from its type, so stores and compares never need to re-extend.
//
// Register discipline: evalInt(e, dst) writes dst last, so dst may be any register (r0
// included) even when e calls helpers. A caller-saved register is only held across code that
// calls no helper (see hasCall); values that must survive helper calls go to r7-r9 or the stack.
import type { Binary, BinaryOp, Expr } from '../../lang/ast.ts';
import type { Type } from '../../lang/types.ts';
import type { Label } from '../asm.ts';
import { Reg, type AluOp, type JmpOp, type Operand } from '../insn.ts';
import { alu, imm, ldx, mov, neg, reg, st, stx } from '../ops.ts';
import { incDec } from './assign.ts';
import { builtinInt, fieldInt } from './builtins.ts';
import { CALLEE_SAVED, fail, immOf, type Gen } from './context.ts';
import { ctxReadCalls } from './fentry.ts';
import { deleteValue, hasKey, mapReadInt } from './maps-ops.ts';
import { memberInfo, memberInt } from './members.ts';
import { derefInt, indexInfo, indexInt } from './index-access.ts';
import { stackId, storeUsym } from './stacks.ts';
import { storeInet } from './inet.ts';
import { strBranch } from './strings.ts';

const COMPARE: Partial<Record<BinaryOp, { u: JmpOp; s: JmpOp }>> = {
  '==': { u: 'jeq', s: 'jeq' },
  '!=': { u: 'jne', s: 'jne' },
  '<': { u: 'jlt', s: 'jslt' },
  '<=': { u: 'jle', s: 'jsle' },
  '>': { u: 'jgt', s: 'jsgt' },
  '>=': { u: 'jge', s: 'jsge' },
};

const NEGATE: Record<JmpOp, JmpOp> = {
  jeq: 'jne', jne: 'jeq', jlt: 'jge', jge: 'jlt', jle: 'jgt', jgt: 'jle',
  jslt: 'jsge', jsge: 'jslt', jsle: 'jsgt', jsgt: 'jsle', jset: 'jset',
};

const ARITH: Partial<Record<BinaryOp, AluOp>> = {
  '+': 'add', '-': 'sub', '*': 'mul', '/': 'div', '%': 'mod', '&': 'and', '|': 'or', '^': 'xor', '<<': 'lsh', '>>': 'rsh',
};
const COMMUTATIVE = new Set<AluOp>(['add', 'mul', 'and', 'or', 'xor']);

export function isSigned(t: Type): boolean {
  return (t.kind === 'int' || t.kind === 'agg') && t.signed;
}

/** The value of a compile-time constant integer expression, if it is one. */
export function constInt(g: Gen, e: Expr): bigint | undefined {
  switch (e.kind) {
    case 'IntLit':
      return e.value;
    case 'Builtin':
    case 'Call':
      return g.checked.constantOf?.(e);
    case 'PositionalParam':
      return g.typeOf(e).kind === 'int' ? convert(positionalInt(g, e.index), g.typeOf(e)) : undefined;
    case 'Unary': {
      const v = constInt(g, e.operand);
      if (v === undefined) return undefined;
      // Wrapped to the expression's type, as the run-time instructions would.
      return convert(e.op === '-' ? -v : e.op === '~' ? ~v : BigInt.asUintN(64, v) === 0n ? 1n : 0n, g.typeOf(e));
    }
    case 'Cast': {
      const v = constInt(g, e.operand);
      return v === undefined ? undefined : convert(v, g.typeOf(e));
    }
    default:
      return undefined;
  }
}

export function positionalInt(g: Gen, index: number): bigint {
  if (index === 0) return BigInt(g.checked.positionals.length);
  const text = g.checked.positionals[index - 1] ?? '';
  try {
    return text.trim() === '' ? 0n : BigInt(text.trim());
  } catch {
    return 0n;
  }
}

/** Whether evaluating `e` may emit a helper call (and so clobber r0-r5). */
export function hasCall(g: Gen, e: Expr): boolean {
  switch (e.kind) {
    case 'IntLit':
    case 'StrLit':
    case 'PositionalParam':
    case 'ScratchVar':
      return false;
    case 'Builtin':
      if (g.checked.constantOf?.(e) !== undefined) return false;
      return !/^(arg[0-9]|retval|probe|args)$/.test(e.name) || ctxReadCalls(g, e);
    case 'FieldAccess':
      return memberInfo(g, e) !== undefined || g.typeOf(e).kind === 'string' || ctxReadCalls(g, e);
    case 'Index':
      return indexInfo(g, e).kind !== 'context';
    case 'Deref':
      return true;
    case 'MapAccess':
      return true;
    case 'Call':
      return g.checked.constantOf?.(e) === undefined;
    case 'IncDec':
      return e.target.kind === 'MapAccess';
    case 'Unary':
    case 'Cast':
      return hasCall(g, e.operand);
    case 'Binary':
      return hasCall(g, e.left) || hasCall(g, e.right);
    case 'Ternary':
      return hasCall(g, e.cond) || hasCall(g, e.then) || hasCall(g, e.else);
  }
}

/** Evaluates integer expression `e` into `dst`. */
export function evalInt(g: Gen, e: Expr, dst: Reg): void {
  g.asm.withSpan(e.span, () => g.holding(dst, () => evalIntHeld(g, e, dst)));
}

function evalIntHeld(g: Gen, e: Expr, dst: Reg): void {
  {
    const c = constInt(g, e);
    if (c !== undefined) return g.movConst(dst, c);
    switch (e.kind) {
      case 'ScratchVar': {
        const v = g.vars.get(e.name);
        if (!v) throw fail(`internal: unknown variable ${e.name}`, e.span);
        return g.emit(ldx(8, dst, Reg.R10, v.off));
      }
      case 'MapAccess':
        return mapReadInt(g, e, dst);
      case 'Builtin':
        return builtinInt(g, e, dst);
      case 'FieldAccess':
        return memberInfo(g, e) ? memberInt(g, e, dst) : fieldInt(g, e, dst);
      case 'Index':
        return indexInt(g, e, dst);
      case 'Deref':
        return derefInt(g, e, dst);
      case 'IncDec':
        return incDec(g, e, dst);
      case 'Unary':
        if (e.op === '!') return boolInto(g, e, dst);
        evalInt(g, e.operand, dst);
        g.emit(e.op === '-' ? neg(dst) : alu('xor', dst, imm(-1)));
        return normalize(g, dst, g.typeOf(e));
      case 'Cast': {
        evalInt(g, e.operand, dst);
        const to = g.typeOf(e);
        if (!fitsIn(g.typeOf(e.operand), to)) normalize(g, dst, to);
        return;
      }
      case 'Binary':
        if (e.op in COMPARE || e.op === '&&' || e.op === '||') return boolInto(g, e, dst);
        return arith(g, e, dst);
      case 'Ternary': {
        const otherwise = g.asm.newLabel('else');
        const end = g.asm.newLabel('end');
        branch(g, e.cond, otherwise, false);
        evalInt(g, e.then, dst);
        g.asm.ja(end);
        g.asm.bind(otherwise);
        evalInt(g, e.else, dst);
        g.asm.bind(end);
        return;
      }
      case 'Call':
        if (e.name === 'kstack' || e.name === 'ustack') return stackId(g, e, dst);
        // A symbol's value is its address (a usym's pid is added where it is stored).
        if ((e.name === 'ksym' || e.name === 'usym') && e.args[0]) return evalInt(g, e.args[0], dst);
        if (e.name === 'bswap' && e.args[0]) return bswap(g, e.args[0], dst);
        if (e.name === 'has_key') return hasKey(g, e, dst);
        if (e.name === 'delete') return deleteValue(g, e, dst);
        // A timestamp's value is its nanoseconds; the format goes to userspace in its type.
        if (e.name === 'strftime' && e.args[1]) return evalInt(g, e.args[1], dst);
        throw fail(`cannot use ${describe(e)} as an integer here`, e.span);
      case 'IntLit':
      case 'StrLit':
      case 'PositionalParam':
        throw fail(`cannot use ${describe(e)} as an integer here`, e.span);
    }
  }
}

/** bswap(n): the low bytes of n's width reversed, zero-extended (`endian be` on a little-endian
 *  machine, which is all BPF runs on here); 8-bit values are unchanged. */
function bswap(g: Gen, operand: Expr, dst: Reg): void {
  evalInt(g, operand, dst);
  const t = g.typeOf(operand);
  const bits = t.kind === 'int' ? t.bits : 64;
  if (bits === 8) return g.emit(alu('and', dst, imm(0xff)));
  g.emit({ kind: 'endian', order: 'be', bits, dst });
}

function describe(e: Expr): string {
  return e.kind === 'Call' ? `${e.name}()` : e.kind === 'StrLit' ? 'a string' : e.kind;
}

/** *(u64 *)(r10 + off) = e (converted to `t`), as a single store when e is a small constant. */
export function storeInt(g: Gen, e: Expr, off: number, t: Type): void {
  if (t.kind === 'symbol' && t.user) return storeUsym(g, e, off);
  if (t.kind === 'inet') return storeInet(g, e, off);
  const c = constInt(g, e);
  const o = c === undefined ? undefined : immOf(convert(c, t));
  if (o && 'imm' in o) return g.asm.withSpan(e.span, () => g.emit(st(8, Reg.R10, off, o.imm)));
  evalInt(g, e, Reg.R0);
  if (!fitsIn(g.typeOf(e), t)) normalize(g, Reg.R0, t);
  g.emit(stx(8, Reg.R10, off, Reg.R0));
}

/** Whether every value of int type `from` is already a value of `to` (no conversion needed). */
function fitsIn(from: Type, to: Type): boolean {
  if (to.kind !== 'int' || to.bits === 64) return true;
  if (from.kind !== 'int') return false;
  return from.signed === to.signed ? from.bits <= to.bits : !from.signed && from.bits < to.bits;
}

/** A constant converted to int type `t` (as normalize does at run time). */
function convert(v: bigint, t: Type): bigint {
  if (t.kind !== 'int') return BigInt.asIntN(64, v);
  return t.signed ? BigInt.asIntN(t.bits, v) : BigInt.asUintN(t.bits, v);
}

/** Truncates and re-extends dst to `t` when t is narrower than 64 bits. */
export function normalize(g: Gen, dst: Reg, t: Type): void {
  if (t.kind !== 'int' || t.bits === 64) return;
  if (t.signed) {
    g.emit(alu('lsh', dst, imm(64 - t.bits)), alu('arsh', dst, imm(64 - t.bits)));
  } else if (t.bits === 32) {
    g.emit(mov(dst, reg(dst), 32));
  } else {
    g.emit(alu('and', dst, imm(t.bits === 8 ? 0xff : 0xffff)));
  }
}

/** 0/1 from a condition. */
function boolInto(g: Gen, e: Expr, dst: Reg): void {
  const no = g.asm.newLabel('false');
  const end = g.asm.newLabel('end');
  branch(g, e, no, false);
  g.emit(mov(dst, imm(1)));
  g.asm.ja(end);
  g.asm.bind(no);
  g.emit(mov(dst, imm(0)));
  g.asm.bind(end);
}

/** A value kept across helper calls: a constant, a callee-saved register or a stack slot. */
export type Held = { readonly kind: 'const'; readonly value: bigint } | { readonly kind: 'reg'; readonly reg: Reg } | { readonly kind: 'slot'; readonly off: number };

export function hold(g: Gen, e: Expr): Held {
  const c = constInt(g, e);
  if (c !== undefined) return { kind: 'const', value: c };
  const r = g.tryReg(true);
  if (r !== undefined) {
    evalInt(g, e, r);
    return { kind: 'reg', reg: r };
  }
  const off = g.stack.alloc(8, e.span, 'a spilled value');
  evalInt(g, e, Reg.R0);
  g.emit(stx(8, Reg.R10, off, Reg.R0));
  return { kind: 'slot', off };
}

/** The held value as an operand, loading it into `scratch` when needed. */
export function heldOperand(g: Gen, h: Held, scratch: Reg): Operand {
  switch (h.kind) {
    case 'const': {
      const o = immOf(h.value);
      if (o) return o;
      g.movConst(scratch, h.value);
      return reg(scratch);
    }
    case 'reg':
      return reg(h.reg);
    case 'slot':
      g.emit(ldx(8, scratch, Reg.R10, h.off));
      return reg(scratch);
  }
}

/** *(u64 *)(base + off) = held value. */
export function storeHeld(g: Gen, h: Held, base: Reg, off: number, scratch: Reg): void {
  const o = heldOperand(g, h, scratch);
  g.emit('imm' in o ? st(8, base, off, o.imm) : stx(8, base, off, o.reg));
}

export function releaseHeld(g: Gen, h: Held): void {
  if (h.kind === 'reg') g.free(h.reg);
}

interface Operands {
  readonly left: Reg;
  readonly right: Operand;
  readonly release: () => void;
}

/** Evaluates l then r, left into `dst` when possible, keeping l alive across r's helper calls. */
function operands(g: Gen, l: Expr, r: Expr, dst: Reg | undefined): Operands {
  const owned: Reg[] = [];
  const take = (acrossCalls: boolean): Reg => {
    const x = g.reg(acrossCalls, l.span);
    owned.push(x);
    return x;
  };
  const release = () => owned.forEach((x) => g.free(x));
  const c = constInt(g, r);
  const ci = c === undefined ? undefined : immOf(c);
  if (ci) {
    // Nothing is evaluated after l, so a free r0 (where helper results land) can hold it.
    const left = dst ?? (g.isFree(Reg.R0) ? Reg.R0 : take(false));
    evalInt(g, l, left);
    return { left, right: ci, release };
  }
  if (!hasCall(g, r)) {
    const left = dst ?? take(false);
    evalInt(g, l, left);
    const right = take(false);
    evalInt(g, r, right);
    return { left, right: reg(right), release };
  }
  // r calls helpers: its value lands in r0, which takes it when free.
  const rightReg = (): Reg => dst ?? (g.isFree(Reg.R0) ? Reg.R0 : take(false));
  if (dst !== undefined && CALLEE_SAVED.includes(dst)) {
    evalInt(g, l, dst);
    const right = g.isFree(Reg.R0) ? Reg.R0 : take(false);
    evalInt(g, r, right);
    return { left: dst, right: reg(right), release };
  }
  const h = hold(g, l);
  if (h.kind === 'reg') owned.push(h.reg);
  const right = rightReg();
  evalInt(g, r, right);
  if (h.kind === 'reg') return { left: h.reg, right: reg(right), release };
  const left = take(false);
  const o = heldOperand(g, h, left);
  if ('imm' in o) g.emit(mov(left, o));
  return { left, right: reg(right), release };
}

/** left = left OP right with bpftrace's integer semantics. */
export function applyArith(g: Gen, op: AluOp, left: Reg, right: Operand, signedLeft: boolean): void {
  if ((op === 'div' || op === 'mod') && 'imm' in right && right.imm === 0) {
    // The verifier rejects a constant zero divisor; BPF's runtime result is x/0 = 0, x%0 = x.
    if (op === 'div') g.emit(mov(left, imm(0)));
    return;
  }
  if (op === 'rsh' && signedLeft) op = 'arsh';
  // BPF uses the low 6 bits of a register shift amount; constants get the same treatment
  // (the verifier rejects constant shifts outside 0..63).
  if ((op === 'lsh' || op === 'rsh' || op === 'arsh') && 'imm' in right) right = imm(right.imm & 63);
  g.emit(alu(op, left, right));
}

function arith(g: Gen, e: Binary, dst: Reg): void {
  const op = ARITH[e.op];
  if (!op) throw fail(`internal: operator ${e.op} is not arithmetic`, e.span);
  const signedLeft = isSigned(g.typeOf(e.left));
  const o = operands(g, e.left, e.right, dst);
  if (o.left === dst) {
    applyArith(g, op, dst, o.right, signedLeft);
  } else if (COMMUTATIVE.has(op) && 'reg' in o.right && o.right.reg === dst) {
    g.emit(alu(op, dst, reg(o.left)));
  } else {
    applyArith(g, op, o.left, o.right, signedLeft);
    g.emit(mov(dst, reg(o.left)));
  }
  o.release();
  normalize(g, dst, g.typeOf(e));
}

export function jmpFor(op: BinaryOp, signed: boolean): JmpOp | undefined {
  const c = COMPARE[op];
  return c && (signed ? c.s : c.u);
}

/** Jumps to `target` when `e` is true (when = true) or false (when = false); else falls through. */
export function branch(g: Gen, e: Expr, target: Label, when: boolean): void {
  g.asm.withSpan(e.span, () => {
    const c = constInt(g, e);
    if (c !== undefined) {
      if ((c !== 0n) === when) g.asm.ja(target);
      return;
    }
    if (e.kind === 'Unary' && e.op === '!') return branch(g, e.operand, target, !when);
    if (e.kind === 'Binary' && (e.op === '&&' || e.op === '||')) {
      // `a && b` is false as soon as a is false; `a || b` true as soon as a is true.
      const shortCircuit = e.op === '||';
      if (when === shortCircuit) {
        branch(g, e.left, target, when);
        branch(g, e.right, target, when);
      } else {
        const skip = g.asm.newLabel('skip');
        branch(g, e.left, skip, !when);
        branch(g, e.right, target, when);
        g.asm.bind(skip);
      }
      return;
    }
    if (e.kind === 'Binary' && e.op in COMPARE) {
      if (g.typeOf(e.left).kind === 'string' || g.typeOf(e.right).kind === 'string') {
        return strBranch(g, e, target, when);
      }
      const signed = isSigned(g.typeOf(e.left)) && isSigned(g.typeOf(e.right));
      const op = jmpFor(e.op, signed)!;
      const o = operands(g, e.left, e.right, undefined);
      g.asm.jmp(when ? op : NEGATE[op], o.left, o.right, target);
      o.release();
      return;
    }
    const r = g.isFree(Reg.R0) ? Reg.R0 : g.reg(false, e.span);
    evalInt(g, e, r);
    g.asm.jmp(when ? 'jne' : 'jeq', r, imm(0), target);
    if (r !== Reg.R0) g.free(r);
  });
}
