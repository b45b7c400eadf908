// String values. A string lives in a stack region of its size rounded up to 8 bytes, and every
// byte after the NUL is zero: that makes map keys hash consistently and lets comparisons work a
// word at a time.
import type { Binary, Expr } from '../../lang/ast.ts';
import { funcName } from '../../lang/semantic/builtins.ts';
import type { Label } from '../asm.ts';
import { Reg } from '../insn.ts';
import { needsRelocations, TASK_COMM, TASK_REAL_PARENT } from './task-fields.ts';
import { Helper } from '../helpers.ts';
import { alu, call, imm, ldImm64, ldx, ldxField, mov, reg, st, stx } from '../ops.ts';
import { fieldStr, stringReadHelper } from './builtins.ts';
import { CALLEE_SAVED, fail, immOf, type Gen } from './context.ts';
import { branch, constInt, evalInt, hasCall, hold, heldOperand, releaseHeld } from './expr.ts';
import { mapReadStr } from './maps-ops.ts';
import { memberInfo, memberStr } from './members.ts';
import { roundUp8 } from './stack.ts';

export interface StrLoc {
  /** r10-relative offset. */
  readonly off: number;
  readonly size: number;
}

const encoder = new TextEncoder();

/** The bytes of a constant string expression (literal, string positional, `probe`), if it is one. */
export function constStr(g: Gen, e: Expr): string | undefined {
  if (e.kind === 'StrLit') return e.value;
  if (e.kind === 'PositionalParam' && g.typeOf(e).kind === 'string') {
    return e.index === 0 ? String(g.checked.positionals.length) : (g.checked.positionals[e.index - 1] ?? '');
  }
  if (e.kind === 'Builtin' && e.name === 'probe') return g.attach.probeName;
  if (e.kind === 'Builtin' && e.name === 'func') return funcName(g.attach);
  // str($1) is the positional parameter's text.
  const first = e.kind === 'Call' && e.name === 'str' ? e.args[0] : undefined;
  if (first?.kind === 'PositionalParam' && first.index > 0) return g.checked.positionals[first.index - 1] ?? '';
  return undefined;
}

/** The 8-byte little-endian words of `text` as a zero-padded string of `size` bytes. */
export function stringWords(text: string, size: number): bigint[] {
  const bytes = new Uint8Array(roundUp8(size));
  bytes.set(encoder.encode(text).subarray(0, Math.max(0, size - 1)));
  const words: bigint[] = [];
  for (let i = 0; i < bytes.length; i += 8) {
    let w = 0n;
    for (let j = 7; j >= 0; j--) w = (w << 8n) | BigInt(bytes[i + j]!);
    words.push(w);
  }
  return words;
}

function stringSize(g: Gen, e: Expr): number {
  const t = g.typeOf(e);
  if (t.kind !== 'string') throw fail('expected a string', e.span);
  return t.size;
}

export function zero(g: Gen, off: number, bytes: number): void {
  zeroFrom(g, off, 0, bytes);
}

/** Zeroes the words of region base+off (`bytes` long) from the one holding byte `from` on. */
export function zeroFrom(g: Gen, off: number, from: number, bytes: number, base: Reg = Reg.R10): void {
  for (let i = from & ~7; i < roundUp8(bytes); i += 8) g.emit(st(8, base, off + i, 0));
}

/** Stores constant words at base+off. */
function storeWords(g: Gen, off: number, words: readonly bigint[], base: Reg = Reg.R10): void {
  words.forEach((w, i) => {
    const o = immOf(w);
    if (o && 'imm' in o) return g.emit(st(8, base, off + i * 8, o.imm));
    const t = g.reg(false, undefined);
    g.emit(ldImm64(t, w), stx(8, base, off + i * 8, t));
    g.free(t);
  });
}

/**
 * Copies a string of `srcSize` bytes at src+srcOff into the region dst+dstOff (r10 unless told)
 * of `dstSize` bytes, truncating (keeping a NUL) or zero-padding. Emits no helper call.
 */
export function copyStr(g: Gen, src: Reg, srcOff: number, srcSize: number, dstOff: number, dstSize: number, dst: Reg = Reg.R10): void {
  const t = g.reg(false, undefined);
  const n = Math.min(roundUp8(srcSize), roundUp8(dstSize));
  for (let i = 0; i < n; i += 8) g.emit(ldx(8, t, src, srcOff + i), stx(8, dst, dstOff + i, t));
  g.free(t);
  for (let i = n; i < roundUp8(dstSize); i += 8) g.emit(st(8, dst, dstOff + i, 0));
  if (dstSize < srcSize) {
    for (let i = dstSize - 1; i < roundUp8(dstSize); i++) g.emit(st(1, dst, dstOff + i, 0));
  }
}

/** A string that can be written straight into memory at base+off (an event record) without a
 *  branch: a constant, comm, or str(p[, constant]) whose pointer was already evaluated (into a
 *  callee-saved register or a stack slot). */
export type DirectStr =
  | { readonly kind: 'const'; readonly text: string }
  | { readonly kind: 'comm'; readonly parent: boolean }
  | { readonly kind: 'read'; readonly ptr: { readonly reg: Reg } | { readonly slot: number } | { readonly late: Expr }; readonly max: number; readonly helper: Helper };

/**
 * Prepares string `e` for writeDirectStr, evaluating now what may branch or fail (a str()
 * pointer); undefined when `e` must be built on the stack instead. The pointer takes a
 * callee-saved register only while another one stays free for the caller.
 */
export function prepareDirectStr(g: Gen, e: Expr, size: number): DirectStr | undefined {
  const text = constStr(g, e);
  if (text !== undefined) return { kind: 'const', text };
  if (e.kind === 'Builtin' && (e.name === 'comm' || e.name === 'pcomm')) return { kind: 'comm', parent: e.name === 'pcomm' };
  if (e.kind !== 'Call' || e.name !== 'str') return undefined;
  const [ptr, len] = e.args;
  if (!ptr || g.typeOf(ptr).kind === 'string') return undefined;
  const lenConst = len ? constInt(g, len) : undefined;
  if (len && lenConst === undefined) return undefined;
  const max = lenConst === undefined ? size : Number(lenConst < 0n ? 0n : lenConst < BigInt(size) ? lenConst : BigInt(size));
  const helper = strReadHelper(g, ptr);
  // A context field or argument is a plain load: read it when the string is written.
  if ((ptr.kind === 'FieldAccess' || ptr.kind === 'Builtin') && !hasCall(g, ptr)) return { kind: 'read', ptr: { late: ptr }, max, helper };
  const r = CALLEE_SAVED.filter((x) => g.isFree(x)).length > 1 ? g.tryReg(true) : undefined;
  if (r !== undefined) {
    evalInt(g, ptr, r);
    return { kind: 'read', ptr: { reg: r }, max, helper };
  }
  const slot = g.stack.alloc(8, e.span, 'a string pointer');
  g.asm.withSpan(e.span, () => {
    evalInt(g, ptr, Reg.R0);
    g.emit(stx(8, Reg.R10, slot, Reg.R0));
  });
  return { kind: 'read', ptr: { slot }, max, helper };
}

/** Writes a prepared string into the `size`-byte region base+off (base must survive helper
 *  calls) and releases its register. As with strInto(padded = false), bytes after the NUL are
 *  unspecified. */
export function writeDirectStr(g: Gen, s: DirectStr, base: Reg, off: number, size: number): void {
  switch (s.kind) {
    case 'const':
      return storeWords(g, off, stringWords(s.text, size), base);
    case 'comm':
      return comm(g, off, size, base, s.parent);
    case 'read':
      zeroFrom(g, off, s.max, size, base);
      g.emit(mov(Reg.R1, reg(base)), alu('add', Reg.R1, imm(off)), mov(Reg.R2, imm(s.max)));
      if ('late' in s.ptr) g.holding(Reg.R1, () => g.holding(Reg.R2, () => evalInt(g, (s.ptr as { late: Expr }).late, Reg.R3)));
      else g.emit('reg' in s.ptr ? mov(Reg.R3, reg(s.ptr.reg)) : ldx(8, Reg.R3, Reg.R10, s.ptr.slot));
      g.emit(call(s.helper));
      if ('reg' in s.ptr) g.free(s.ptr.reg);
      return;
  }
}

/**
 * Writes string expression `e` into the region r10+off of `size` bytes. Without `padded` the
 * bytes after the NUL may be garbage (fine for event records, which are read up to the NUL);
 * they are still initialized, as the verifier requires.
 */
export function strInto(g: Gen, e: Expr, off: number, size: number, padded = true): void {
  g.asm.withSpan(e.span, () => {
    const text = constStr(g, e);
    if (text !== undefined) return storeWords(g, off, stringWords(text, size));
    switch (e.kind) {
      case 'ScratchVar': {
        const v = g.vars.get(e.name);
        if (!v || v.type.kind !== 'string') throw fail(`internal: unknown string variable ${e.name}`, e.span);
        if (v.off !== off) copyStr(g, Reg.R10, v.off, v.type.size, off, size);
        return;
      }
      case 'Builtin':
        if (e.name === 'comm' || e.name === 'pcomm') return comm(g, off, size, Reg.R10, e.name === 'pcomm');
        break;
      case 'MapAccess':
        return mapReadStr(g, e, off, size);
      case 'FieldAccess':
        if (memberInfo(g, e)) return memberStr(g, e, off, size, padded);
        return fieldStr(g, e, off, size, padded);
      case 'Call':
        if (e.name === 'str') return strCall(g, e.args, off, size, padded);
        break;
      case 'Ternary': {
        const otherwise = g.asm.newLabel('else');
        const end = g.asm.newLabel('end');
        branch(g, e.cond, otherwise, false);
        strInto(g, e.then, off, size, padded);
        g.asm.ja(end);
        g.asm.bind(otherwise);
        strInto(g, e.else, off, size, padded);
        g.asm.bind(end);
        return;
      }
      default:
        break;
    }
    throw fail(`cannot compile this string expression`, e.span);
  });
}

/** Where string `e` is: a variable's own storage, or a fresh temporary. */
export function strLoc(g: Gen, e: Expr): StrLoc {
  const size = stringSize(g, e);
  if (e.kind === 'ScratchVar') {
    const v = g.vars.get(e.name);
    if (v) return { off: v.off, size };
  }
  const off = g.stack.alloc(size, e.span, 'a string');
  strInto(g, e, off, size);
  return { off, size };
}

/** comm, or with `parent` pcomm (the parent process's comm, bpftrace HEAD), into base+off. */
function comm(g: Gen, off: number, size: number, base: Reg = Reg.R10, parent = false): void {
  if (g.tables.kernelFields && size >= 16) {
    // Two loads from the current task instead of get_current_comm (strscpy_pad in the kernel):
    // the helper call it saves is most of what comm costs per event.
    g.emit(call(Helper.get_current_task_btf));
    if (parent) g.emit(ldxField(8, Reg.R0, Reg.R0, TASK_REAL_PARENT));
    g.emit(
      ldxField(8, Reg.R1, Reg.R0, TASK_COMM, 0),
      ldxField(8, Reg.R2, Reg.R0, TASK_COMM, 8),
      stx(8, base, off, Reg.R1),
      stx(8, base, off + 8, Reg.R2),
    );
    for (let at = 16; at < roundUp8(size); at += 8) g.emit(st(8, base, off + at, 0));
    return;
  }
  if (parent) throw fail(needsRelocations('pcomm'), undefined);
  // get_current_comm zero-pads its whole buffer, and comm fits in 16 bytes.
  const n = size >= 16 ? roundUp8(size) : size;
  if (n < roundUp8(size)) g.emit(st(8, base, off + roundUp8(size) - 8, 0));
  g.emit(mov(Reg.R1, reg(base)), alu('add', Reg.R1, imm(off)), mov(Reg.R2, imm(n)), call(Helper.get_current_comm));
}

/** The helper str(ptr) reads with: a pointer typed from BTF points into the kernel. */
export function strReadHelper(g: Gen, ptr: Expr): Helper {
  const pt = g.typeOf(ptr);
  const kernel = pt.kind === 'int' && pt.pointee !== undefined && !pt.pointee.user && g.attach.resolved.kind !== 'fentry';
  return kernel ? Helper.probe_read_kernel_str : stringReadHelper(g);
}

/** str(p[, n]): reads a NUL-terminated string into a zeroed buffer. */
function strCall(g: Gen, args: readonly Expr[], off: number, size: number, padded: boolean): void {
  const [ptr, len] = args;
  if (!ptr) throw fail('str() needs a pointer', undefined);
  // str() of a char array (`str($task->comm)`) is the array itself.
  if (g.typeOf(ptr).kind === 'string') return strInto(g, ptr, off, size, padded);
  const lenConst = len ? constInt(g, len) : undefined;
  const max = lenConst === undefined ? size : Number(lenConst < 0n ? 0n : lenConst < BigInt(size) ? lenConst : BigInt(size));
  if (!len || lenConst !== undefined) {
    // The common case: the pointer goes straight into r3, nothing else needs a register.
    evalInt(g, ptr, Reg.R3);
    // The helper initializes the bytes it may write; the rest must be zeroed.
    zeroFrom(g, off, padded ? 0 : max, size);
    g.emit(mov(Reg.R2, imm(max)));
  } else {
    const p = hold(g, ptr);
    const n = hold(g, len);
    zero(g, off, size);
    const o = heldOperand(g, n, Reg.R2);
    if ('reg' in o && o.reg !== Reg.R2) g.emit(mov(Reg.R2, o));
    // Bound the length so the verifier knows the write stays inside the buffer.
    const ok = g.asm.newLabel('len');
    g.asm.jmp('jle', Reg.R2, imm(size), ok);
    g.emit(mov(Reg.R2, imm(size)));
    g.asm.bind(ok);
    const po = heldOperand(g, p, Reg.R3);
    if ('imm' in po || po.reg !== Reg.R3) g.emit(mov(Reg.R3, po));
    releaseHeld(g, n);
    releaseHeld(g, p);
  }
  g.emit(mov(Reg.R1, reg(Reg.R10)), alu('add', Reg.R1, imm(off)));
  // A pointer typed from BTF (`str($file->f_path.dentry->d_name.name)`) points into the kernel.
  g.emit(call(strReadHelper(g, ptr)));
}

/** Branch on `a == b` / `a != b` for strings, comparing word by word. */
export function strBranch(g: Gen, e: Binary, target: Label, when: boolean): void {
  if (e.op !== '==' && e.op !== '!=') throw fail(`strings can only be compared with == and !=`, e.span);
  const jumpOnDifferent = (e.op === '==') !== when;
  const lc = constStr(g, e.left);
  const rc = constStr(g, e.right);
  // Compare against constant words without materializing the constant.
  const [varSide, constText, constSide] = rc !== undefined ? [e.left, rc, e.right] : lc !== undefined ? [e.right, lc, e.left] : [undefined, undefined, undefined];
  const skip = g.asm.newLabel('streq');
  const differ = jumpOnDifferent ? target : skip;
  if (varSide && constText !== undefined && constSide) {
    const a = strLoc(g, varSide);
    const words = stringWords(constText, stringSize(g, constSide));
    const n = Math.min(words.length, roundUp8(a.size) / 8);
    const t = g.reg(false, e.span);
    const u = g.reg(false, e.span);
    for (let i = 0; i < n; i++) {
      g.emit(ldx(8, t, Reg.R10, a.off + i * 8));
      const o = immOf(words[i]!);
      if (o) g.asm.jmp('jne', t, o, differ);
      else {
        g.emit(ldImm64(u, words[i]!));
        g.asm.jmp('jne', t, reg(u), differ);
      }
    }
    g.free(t);
    g.free(u);
  } else {
    const a = strLoc(g, e.left);
    const b = strLoc(g, e.right);
    const n = Math.min(roundUp8(a.size), roundUp8(b.size));
    const t = g.reg(false, e.span);
    const u = g.reg(false, e.span);
    for (let i = 0; i < n; i += 8) {
      g.emit(ldx(8, t, Reg.R10, a.off + i), ldx(8, u, Reg.R10, b.off + i));
      g.asm.jmp('jne', t, reg(u), differ);
    }
    g.free(t);
    g.free(u);
  }
  if (!jumpOnDifferent) g.asm.ja(target);
  g.asm.bind(skip);
}

