// Builtin functions: printf, time, exit, clear, print, delete, str and the aggregations. Each checks
// its arguments and gives its result type; statement-only functions give `void`.
import type { Builtin, Call, Expr, MapAccess } from '../ast.ts';
import type { PrintfInfo } from '../checked.ts';
import type { CgroupLookup } from '../env.ts';
import type { Span } from '../source.ts';
import {
  DEFAULT_STACK_LIMIT, intType, MAX_STACK_LIMIT, stringType, typeName, u64, voidType, type AggFn, type AggType, type LinearBounds, type StackMode, type Type,
} from '../types.ts';
import { INTEGER_CONVERSIONS, parseFormat } from './format.ts';
import { errorType, isError, kindWord, type Ty } from './tables.ts';

/** Where an expression appears: its message when it has no value depends on this. */
export type Use = 'stmt' | 'assign' | 'value';

/** What call checking needs from the expression checker. */
export interface CallContext {
  expr(e: Expr, use: Use): Ty;
  error(message: string, span: Span, notes?: readonly string[]): void;
  warning(message: string, span: Span): void;
  /** Checks a map access (keys and all) without reading its value. */
  mapElement(m: MapAccess): Ty;
  /** If `e` is a byte array (a tracepoint `__u8 f[N]` field or a kernel struct `u8 f[N]`
   *  member), its size in bytes, typed as string[N]; if it is another field or member, its type
   *  (already checked); undefined for anything else (not checked yet). */
  byteArray(e: Expr): { readonly bytes: number } | { readonly type: Ty } | undefined;
  /** Checks `@m` given whole to clear()/print()/delete(@m, k): no key check. The map's value
   *  type if known. */
  mapHandle(m: MapAccess): Type | undefined;
  /** Checks that `keys` are the keys of map `m` (for delete(@m, k)); the map's value type if known. */
  mapKeys(m: MapAccess, keys: readonly Expr[], span: Span): Type | undefined;
  addPrintf(make: (id: number) => PrintfInfo): void;
  /** cgroupid(): the id of a cgroup v2 directory. */
  cgroupId(path: string): CgroupLookup;
  /** kaddr(): the address of a kernel symbol, if known. */
  symbolAddress(name: string): bigint | undefined;
  /** Records the compile-time value of a call (cgroupid, kaddr). */
  constant(e: Call, value: bigint): void;
  positional(index: number): string | undefined;
}

export const AGGREGATIONS: ReadonlySet<string> = new Set<AggFn>(['count', 'sum', 'min', 'max', 'avg', 'hist', 'lhist', 'stats']);
const STATEMENTS = new Set(['printf', 'cat', 'exit', 'clear', 'print', 'delete', 'time', 'join']);
/** Default (and maximum) string buffer of str(), as bpftrace 0.17's BPFTRACE_STRLEN. */
export const STR_SIZE = 64;

/** bpftrace functions tsbpf does not implement yet. */
const UNSUPPORTED = new Set([
  'tseries', 'uaddr', 'pton',
  'buf', 'system', 'signal', 'override', 'reg', 'sizeof', 'offsetof', 'cgroup_path',
  'macaddr', 'strncmp', 'strcontains', 'path', 'getopt', 'zero', 'len', 'strerror',
  'errorf', 'warnf', 'unwatch', 'kptr', 'uptr', 'skboutput', 'socket_cookie', 'strlen',
]);

/** The span of just the function name, as bpftrace marks unknown functions. */
function nameSpan(c: Call): Span {
  return { ...c.span, endLine: c.span.line, endColumn: c.span.column + c.name.length, endOffset: c.span.offset + c.name.length };
}

export function checkCall(c: Call, use: Use, cx: CallContext): Ty {
  const n = c.args.length;
  if (AGGREGATIONS.has(c.name)) {
    for (const a of c.args) cx.expr(a, 'value');
    cx.error(`${c.name}() should be directly assigned to a map`, c.span);
    return errorType;
  }
  // bpftrace 0.24+: delete() tells whether the element was there (`$ok = delete(@m, k)`).
  if (c.name === 'delete' && use !== 'stmt') return checkStatementCall(c, cx) ? intType(8, false) : errorType;
  if (STATEMENTS.has(c.name) && use !== 'stmt') {
    checkStatementCall(c, cx);
    cx.error(
      use === 'assign'
        ? `${c.name}() should not be used in an assignment or as a map key`
        : `${c.name}() returns no value and can only be used as a statement`,
      c.span,
    );
    return errorType;
  }
  if (STATEMENTS.has(c.name)) return checkStatementCall(c, cx) ? voidType : errorType;
  if (c.name === 'str') {
    if (n === 0) return fail(cx, `str() requires at least one argument (0 provided)`, c);
    if (n > 2) return fail(cx, `str() takes up to 2 arguments (${n} provided)`, c);
    const first = c.args[0]!;
    const t = cx.expr(first, 'value');
    const len = n === 2 ? cx.expr(c.args[1]!, 'value') : undefined;
    if (isError(t) || (len && isError(len))) return errorType;
    if (len && len.kind !== 'int') return fail(cx, `str() only supports integer arguments (${kindWord(len)} provided)`, c);
    const lenArg = c.args[1];
    if (lenArg?.kind === 'IntLit' && lenArg.value > BigInt(STR_SIZE)) {
      cx.warning(`str(): a length of ${lenArg.value} is more than the string size; at most ${STR_SIZE} bytes are read`, lenArg.span);
    }
    // str($1) is the positional parameter's text, whatever it looks like.
    if (first.kind === 'PositionalParam' && first.index > 0) {
      return stringType(new TextEncoder().encode(cx.positional(first.index) ?? '').length + 1);
    }
    // str() of a char array member (`str($task->comm)`) is the array's string.
    if (t.kind === 'string' && n === 1 && first.kind === 'FieldAccess') return t;
    if (t.kind !== 'int') {
      return fail(cx, `str() expects an integer or a pointer type as first argument (${typeName(t)} provided)`, c);
    }
    return stringType(STR_SIZE);
  }
  if (c.name === 'kstack' || c.name === 'ustack') return checkStackCall(c, cx);
  if (c.name === 'ksym' || c.name === 'usym') {
    const ts = c.args.map((a) => cx.expr(a, 'value'));
    if (n !== 1) return fail(cx, `${c.name}() requires one argument (${n} provided)`, c);
    if (isError(ts[0]!)) return errorType;
    if (ts[0]!.kind !== 'int') return fail(cx, `${c.name}() expects an integer or pointer argument`, c);
    return { kind: 'symbol', user: c.name === 'usym' };
  }
  if (c.name === 'bswap') {
    const ts = c.args.map((a) => cx.expr(a, 'value'));
    if (n !== 1) return fail(cx, `bswap() requires one argument (${n} provided)`, c);
    const t = ts[0]!;
    if (isError(t)) return errorType;
    if (t.kind !== 'int') return fail(cx, `bswap() only supports integer arguments (${kindWord(t)} provided)`, c);
    // The bytes of the operand's width, reversed; always unsigned (bpftrace).
    return intType(t.bits, false);
  }
  if (c.name === 'has_key') return checkHasKey(c, cx);
  if (c.name === 'ntop') return checkNtop(c, cx);
  if (c.name === 'cgroupid') return checkCgroupid(c, cx);
  if (c.name === 'kaddr') return checkKaddr(c, cx);
  if (c.name === 'strftime') return checkStrftime(c, cx);
  if (UNSUPPORTED.has(c.name)) {
    for (const a of c.args) cx.expr(a, 'value');
    return fail(cx, `${c.name}() is not supported yet`, c);
  }
  for (const a of c.args) cx.expr(a, 'value');
  cx.error(`Unknown function: ${c.name}`, nameSpan(c));
  return errorType;
}

/** has_key(@m, k...): 1 if the key is in the map, else 0; the value is never read. */
function checkHasKey(c: Call, cx: CallContext): Ty {
  const n = c.args.length;
  const m = c.args[0];
  if (!m || m.kind !== 'MapAccess') {
    for (const a of c.args) cx.expr(a, 'value');
    return fail(cx, 'has_key() expects a map to be provided', c);
  }
  if (m.keys.length > 0) {
    cx.mapElement(m);
    return fail(cx, 'The map passed to has_key() should not be indexed by a key', c);
  }
  if (n < 2) {
    cx.mapHandle(m);
    return fail(cx, 'has_key() requires a map and a key: has_key(@m, k)', c);
  }
  const t = cx.mapKeys(m, c.args.slice(1), c.span);
  // A hist/lhist key is spread over one kernel entry per bucket.
  if (t?.kind === 'agg' && (t.fn === 'hist' || t.fn === 'lhist')) return fail(cx, `has_key() on a ${t.fn}() map is not supported yet`, c);
  return intType(8, false);
}

/** ntop([af,] addr): an integer address is IPv4 unless `af` says otherwise (its low 4 bytes,
 *  as stored in memory, are the address); a byte array field or member of 4 or 16 bytes
 *  (`args->saddr_v6`, `...in6_u.u6_addr8`) is IPv4 or IPv6 by its size unless `af` says. */
function checkNtop(c: Call, cx: CallContext): Ty {
  const n = c.args.length;
  if (n < 1 || n > 2) {
    for (const a of c.args) cx.expr(a, 'value');
    return fail(cx, `ntop() requires 1 or 2 arguments (${n} provided)`, c);
  }
  const af = n === 2 ? cx.expr(c.args[0]!, 'value') : undefined;
  const addrExpr = c.args[n - 1]!;
  const array = cx.byteArray(addrExpr);
  const addr = array && 'bytes' in array ? undefined : (array?.type ?? cx.expr(addrExpr, 'value'));
  if ((af && isError(af)) || (addr && isError(addr))) return errorType;
  if (af && af.kind !== 'int') return fail(cx, `ntop() expects an integer address family (${kindWord(af as Type)} provided)`, c);
  if (array && 'bytes' in array) {
    if (array.bytes !== 4 && array.bytes !== 16) return fail(cx, `ntop() expects an array of 4 or 16 bytes (${array.bytes} provided)`, c);
    return { kind: 'inet' };
  }
  if (addr!.kind !== 'int') return fail(cx, `ntop() expects an integer address (${kindWord(addr as Type)} provided)`, c);
  return { kind: 'inet' };
}

/** A call of one string literal whose value is looked up when the script is compiled and
 *  folded into a u64 constant: `lookup` gives the value, or the error message and its notes. */
function checkCompileTimeLookup(
  c: Call,
  cx: CallContext,
  lookup: (text: string) => { readonly value: bigint } | { readonly message: string; readonly notes?: readonly string[] },
): Ty {
  const n = c.args.length;
  const ts = c.args.map((a) => cx.expr(a, 'value'));
  if (n !== 1) return fail(cx, `${c.name}() requires one argument (${n} provided)`, c);
  const arg = c.args[0]!;
  if (isError(ts[0]!)) return errorType;
  if (arg.kind !== 'StrLit') return fail(cx, `${c.name}() expects a string literal (${kindWord(ts[0] as Type)} provided)`, c);
  const r = lookup(arg.value);
  if ('message' in r) {
    cx.error(r.message, c.span, r.notes);
    return errorType;
  }
  cx.constant(c, r.value);
  return u64;
}

/** cgroupid(path): the id of a cgroup v2 directory, looked up when the script is compiled, as
 *  bpftrace does (compare it with the `cgroup` builtin). */
function checkCgroupid(c: Call, cx: CallContext): Ty {
  return checkCompileTimeLookup(c, cx, (path) => {
    const r = cx.cgroupId(path);
    return 'error' in r ? { message: `Failed to get \`cgroupid\` for path: "${path}": ${r.error}` } : { value: r.id };
  });
}

/** kaddr("symbol"): a kernel symbol's address from /proc/kallsyms, fixed when the script is
 *  compiled (bpftrace 0.17). Data symbols are there only with CONFIG_KALLSYMS_ALL. */
function checkKaddr(c: Call, cx: CallContext): Ty {
  return checkCompileTimeLookup(c, cx, (name) => {
    const addr = cx.symbolAddress(name);
    return addr !== undefined
      ? { value: addr }
      : { message: `Failed to resolve kernel symbol: ${name}`, notes: ['HINT: /proc/kallsyms has no such symbol (data symbols are listed only with CONFIG_KALLSYMS_ALL)'] };
  });
}

/** strftime(fmt, nsecs): a literal format and a nanoseconds-since-boot timestamp, formatted in
 *  userspace (bpftrace's %f extension included). */
function checkStrftime(c: Call, cx: CallContext): Ty {
  const n = c.args.length;
  const ts = c.args.map((a) => cx.expr(a, 'value'));
  if (n !== 2) return fail(cx, `strftime() requires 2 arguments (${n} provided)`, c);
  if (ts.some(isError)) return errorType;
  const [fmt, ns] = c.args as [Expr, Expr];
  if (fmt.kind !== 'StrLit') return fail(cx, `strftime() expects a string literal (${kindWord(ts[0] as Type)} provided)`, c);
  if ((ts[1] as Type).kind !== 'int') return fail(cx, `strftime() only supports integer arguments (${kindWord(ts[1] as Type)} provided)`, c);
  if (literalInt(ns) !== undefined && literalInt(ns)! < 0n) return fail(cx, `strftime() timestamp must be non-negative (${literalInt(ns)} provided)`, c);
  return { kind: 'timestamp', format: fmt.value };
}

function fail(cx: CallContext, message: string, c: Call): Ty {
  cx.error(message, c.span);
  return errorType;
}

/** Checks printf/exit/clear/print/delete; false if an error was reported. */
function checkStatementCall(c: Call, cx: CallContext): boolean {
  const n = c.args.length;
  const err = (message: string): false => {
    cx.error(message, c.span);
    return false;
  };
  const ints = (args: readonly Expr[], fn: string): boolean => {
    let ok = true;
    for (const a of args) {
      const t = cx.expr(a, 'value');
      if (isError(t)) ok = false;
      else if (t.kind !== 'int') ok = err(`${fn}() only supports integer arguments (${kindWord(t)} provided)`);
    }
    return ok;
  };
  // Any map's element can be deleted (a hist/lhist key's buckets all go at once).
  const deletable = (_t: Type): boolean => true;
  switch (c.name) {
    case 'printf':
    case 'cat':
      return checkPrintf(c, cx);
    case 'time': {
      // The format goes to userspace once, at load time: only a literal can.
      if (n > 1) return err(`time() takes up to one argument (${n} provided)`);
      const fmt = c.args[0];
      if (!fmt) return true;
      const t = cx.expr(fmt, 'value');
      if (isError(t)) return false;
      return fmt.kind === 'StrLit' || err(`time() expects a string literal (${kindWord(t)} provided)`);
    }
    case 'join': {
      // The separator goes to userspace once, at load time: only a literal can.
      if (n === 0) return err('join() requires at least one argument (0 provided)');
      if (n > 2) return err(`join() takes up to 2 arguments (${n} provided)`);
      const t = cx.expr(c.args[0]!, 'value');
      let ok = !isError(t);
      if (ok && t.kind !== 'int') ok = err(`join() only supports int or pointer arguments (${kindWord(t as Type)} provided)`);
      const sep = c.args[1];
      if (!sep) return ok;
      const st = cx.expr(sep, 'value');
      if (isError(st)) return false;
      return (sep.kind === 'StrLit' || err(`join() expects a string literal (${kindWord(st)} provided)`)) && ok;
    }
    case 'exit': {
      if (n > 1) return err(`exit() takes up to 1 argument (${n} provided)`);
      return ints(c.args, 'exit');
    }
    case 'clear':
    case 'print': {
      if (n === 0) {
        return err(c.name === 'clear' ? 'clear() requires one argument (0 provided)' : 'print() requires at least one argument (0 provided)');
      }
      if (c.name === 'clear' && n > 1) return err(`clear() requires one argument (${n} provided)`);
      if (n > 3) return err(`print() takes up to 3 arguments (${n} provided)`);
      const m = c.args[0]!;
      if (m.kind !== 'MapAccess') {
        cx.expr(m, 'value');
        return err(
          c.name === 'clear' ? 'clear() expects a map to be provided' : 'print() expects a map to be provided (printing other values is not supported yet)',
        );
      }
      if (m.keys.length > 0) {
        for (const k of m.keys) cx.expr(k, 'assign');
        return err(`The map passed to ${c.name}() should not be indexed by a key`);
      }
      const value = cx.mapHandle(m);
      // bpftrace takes print()'s top and div as literals only: they are fixed when it loads.
      let ok = true;
      for (const a of c.args.slice(1)) {
        const t = cx.expr(a, 'value');
        if (isError(t)) ok = false;
        else if (a.kind !== 'IntLit') ok = err(`print() expects a integer literal (${kindWord(t)} provided)`);
      }
      if (ok && n > 1 && value?.kind === 'agg' && value.fn === 'stats') {
        cx.warning("print()'s top and div arguments are ignored when used on stats() maps.", c.span);
      }
      return ok;
    }
    case 'delete': {
      if (n === 0) return err('delete() requires at least one argument (0 provided)');
      const m = c.args[0]!;
      if (m.kind !== 'MapAccess') {
        for (const a of c.args) cx.expr(a, 'value');
        return err('delete() expects a map to be provided');
      }
      if (n === 1) {
        const t = cx.mapElement(m);
        return !isError(t) && deletable(t);
      }
      if (m.keys.length > 0) {
        cx.mapElement(m);
        return err(`delete() takes either a map element or a map and its key: delete(@m[k]) or delete(@m, k) (${n} arguments provided)`);
      }
      const t = cx.mapKeys(m, c.args.slice(1), c.span);
      return t === undefined || deletable(t);
    }
  }
  return true;
}

function checkPrintf(c: Call, cx: CallContext): boolean {
  const err = (message: string): false => {
    cx.error(message, c.span);
    return false;
  };
  // cat(fmt, args...) formats a path the same way, then prints that file.
  const fn = c.name;
  if (c.args.length === 0) return err(`${fn}() requires at least one argument (0 provided)`);
  const [fmt, ...rest] = c.args;
  const argTypes = rest.map((a) => cx.expr(a, 'value'));
  const fmtType = cx.expr(fmt!, 'value');
  if (fmt!.kind !== 'StrLit') {
    return isError(fmtType) ? false : err(`${fn}() expects a string literal (${kindWord(fmtType)} provided)`);
  }
  const parsed = parseFormat(fmt!.value);
  if (!parsed.ok) return err(parsed.message);
  if (rest.length > parsed.argCount) {
    return err(`${fn}: Too many arguments for format string (${rest.length} supplied, ${parsed.argCount} expected)`);
  }
  if (rest.length < parsed.argCount) {
    return err(`${fn}: Not enough arguments for format string (${rest.length} supplied, ${parsed.argCount} expected)`);
  }
  let ok = true;
  const types: Type[] = [];
  for (const part of parsed.parts) {
    if (part.kind !== 'conv') continue;
    const t = argTypes[part.arg]!;
    if (isError(t)) {
      ok = false;
      continue;
    }
    types.push(t);
    // Stacks and symbols print as text, so bpftrace calls them strings here.
    const textual = t.kind === 'stack' || t.kind === 'symbol' || t.kind === 'inet' || t.kind === 'timestamp';
    if (INTEGER_CONVERSIONS.has(part.conversion) && t.kind !== 'int') {
      ok = err(`${fn}: %${part.conversion} specifier expects a value of type integer (${textual ? 'string' : kindWord(t)} supplied)`);
    } else if (t.kind !== 'int' && t.kind !== 'string' && !textual) {
      ok = err(`${fn}: %${part.conversion} specifier can not print a value of type '${typeName(t)}'`);
    }
  }
  if (ok) cx.addPrintf((id) => ({ id, call: c, parts: parsed.parts, argTypes: types }));
  return ok;
}

/** Checks the aggregation call `c` on the right of `@m = c`; its AggType, or an error. */
export function checkAggregation(c: Call, cx: CallContext): AggType | undefined {
  const fn = c.name as AggFn;
  if (fn === 'count') {
    for (const a of c.args) cx.expr(a, 'value');
    if (c.args.length !== 0) {
      cx.error(`count() requires no arguments (${c.args.length} provided)`, c.span);
      return undefined;
    }
    return { kind: 'agg', fn, signed: false };
  }
  const ts = c.args.map((a) => cx.expr(a, 'value'));
  if (fn === 'lhist') return checkLhist(c, ts, cx);
  if (c.args.length !== 1) {
    cx.error(`${fn}() requires one argument (${c.args.length} provided)`, c.span);
    return undefined;
  }
  const t = ts[0]!;
  if (isError(t)) return undefined;
  if (t.kind !== 'int') {
    cx.error(`${fn}() only supports integer arguments (${kindWord(t)} provided)`, c.span);
    return undefined;
  }
  return { kind: 'agg', fn, signed: t.signed };
}

/** lhist(value, min, max, step): bounds are integer literals, checked as bpftrace 0.17 does. */
function checkLhist(c: Call, ts: readonly Ty[], cx: CallContext): AggType | undefined {
  const err = (message: string): undefined => {
    cx.error(message, c.span);
    return undefined;
  };
  if (c.args.length !== 4) return err(`lhist() requires 4 arguments (${c.args.length} provided)`);
  if (ts.some(isError)) return undefined;
  const t = ts[0] as Type;
  if (t.kind !== 'int') return err(`lhist() only supports integer arguments (${kindWord(t)} provided)`);
  const bounds: bigint[] = [];
  for (let i = 1; i < 4; i++) {
    const v = literalInt(c.args[i]!);
    if (v === undefined) return err(`lhist() expects a integer literal (${kindWord(ts[i] as Type)} provided)`);
    bounds.push(v);
  }
  const [min, max, step] = bounds as [bigint, bigint, bigint];
  let ok = true;
  const bad = (message: string): void => {
    ok = false;
    cx.error(message, c.span);
  };
  if (step < 1n) bad(`lhist() step must be >= 1 (${step} provided)`);
  if (min < 0n) bad(`lhist() min must be non-negative (provided min ${min})`);
  if (min > max) bad(`lhist() min must be less than max (provided min ${min} and max ${max})`);
  if (max - min < step) bad(`lhist() step is too large for the given range (provided step ${step} for range ${max - min})`);
  if (!ok) return undefined;
  const buckets = (max - min) / step;
  if (buckets > 1000n) return err(`lhist() too many buckets, must be <= 1000 (would need ${buckets})`);
  // Bounds travel as JS numbers (types are compared as JSON); bpftrace itself keeps them in an int.
  if (max > BigInt(Number.MAX_SAFE_INTEGER)) return err(`lhist() max must be at most ${Number.MAX_SAFE_INTEGER} (provided max ${max})`);
  const linear: LinearBounds = { min: Number(min), max: Number(max), step: Number(step) };
  return { kind: 'agg', fn: 'lhist', signed: t.signed, linear };
}

/** The value of an integer literal, optionally negated; undefined for anything else. */
function literalInt(e: Expr): bigint | undefined {
  if (e.kind === 'IntLit') return e.value;
  if (e.kind === 'Unary' && e.op === '-' && e.operand.kind === 'IntLit') return -e.operand.value;
  return undefined;
}

const STACK_MODES: ReadonlySet<string> = new Set<StackMode>(['bpftrace', 'perf']);

/** kstack([mode][, limit]) / ustack(...): mode a bare `bpftrace`/`perf`, limit an integer literal
 *  up to 1024, with bpftrace 0.17's messages. */
function checkStackCall(c: Call, cx: CallContext): Ty {
  const n = c.args.length;
  if (n > 2) return fail(cx, `${c.name}() takes up to 2 arguments (${n} provided)`, c);
  const isMode = (e: Expr): boolean => e.kind === 'Builtin' && STACK_MODES.has(e.name);
  // What bpftrace calls an argument it did not expect; an unknown identifier is reported first.
  const provided = (e: Expr): string => {
    if (isMode(e)) return 'stack mode';
    const t = cx.expr(e, 'value');
    return isError(t) ? 'none' : kindWord(t);
  };
  let mode: StackMode = 'bpftrace';
  let limit = DEFAULT_STACK_LIMIT;
  let ok = true;
  const [first, second] = c.args;
  let limitArg: Expr | undefined;
  if (n === 2) {
    if (isMode(first!)) mode = (first as Builtin).name as StackMode;
    else {
      cx.error(`${c.name}() expects a stack mode literal (${provided(first!)} provided)`, c.span);
      ok = false;
    }
    limitArg = second;
  } else if (first && isMode(first)) {
    mode = (first as Builtin).name as StackMode;
  } else {
    limitArg = first;
  }
  if (limitArg) {
    if (limitArg.kind !== 'IntLit') {
      cx.error(`${c.name}() expects a integer literal (${provided(limitArg)} provided)`, c.span);
      return errorType;
    }
    if (limitArg.value > BigInt(MAX_STACK_LIMIT)) {
      return fail(cx, `${c.name}([int limit]): limit shouldn't exceed ${MAX_STACK_LIMIT}, ${limitArg.value} given`, c);
    }
    if (limitArg.value < 1n) return fail(cx, `${c.name}([int limit]): limit must be at least 1, ${limitArg.value} given`, c);
    limit = Number(limitArg.value);
  }
  if (!ok) return errorType;
  return { kind: 'stack', user: c.name === 'ustack', limit, mode };
}
