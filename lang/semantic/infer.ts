// One type-checking pass over the program: infers the type of every expression, fixes scratch
// variable and map types, and reports every error it finds. `analyze` repeats passes until the
// slot types stop growing (a string assigned later may widen a map read earlier).
import type {
  AssignStmt, Binary, Block, Builtin, Call, Cast, Deref, Expr, FieldAccess, IfStmt, IncDec, Index, MapAccess, Probe, ScratchVar, Stmt, Ternary, Unary,
} from '../ast.ts';
import type { CheckedAttach, FieldInfo, IndexInfo, MemberInfo, PrintfInfo } from '../checked.ts';
import type { CgroupLookup, KernelTypes } from '../env.ts';
import { DiagnosticBag } from '../diagnostics.ts';
import type { Span } from '../source.ts';
import { intType, s64, stringType, typeName, typesEqual, u64, type IntBits, type IntType, type Type } from '../types.ts';
import { builtinType, utf8Length, type ProbeContext } from './builtins.ts';
import { AGGREGATIONS, checkAggregation, checkCall, type CallContext, type Use } from './calls.ts';
import { fieldType } from './fields.ts';
import { funcArgField } from './fentry.ts';
import { indexedElement } from './index-access.ts';
import { castPointerType, NO_BTF, pointerTo, resolveMember, tracepointPointer, type ArrayPlace, type RecordPlace } from './members.ts';
import {
  errorType, isError, kindWord, mergeTypes, storageType, type Knowledge, type MapState, type Ty,
} from './tables.ts';

export interface ProbeInput {
  readonly probe: Probe;
  readonly index: number;
  readonly ctx: ProbeContext;
}

export interface PassResult {
  readonly bag: DiagnosticBag;
  readonly knowledge: Knowledge;
  readonly types: ReadonlyMap<Expr, Type>;
  readonly fields: ReadonlyMap<FieldAccess, ReadonlyMap<CheckedAttach, FieldInfo>>;
  readonly members: ReadonlyMap<FieldAccess, MemberInfo>;
  readonly indexes: ReadonlyMap<Index | Deref, ReadonlyMap<CheckedAttach, IndexInfo>>;
  readonly constants: ReadonlyMap<Builtin | Call, bigint>;
  readonly printfs: readonly PrintfInfo[];
  readonly printfOf: ReadonlyMap<Call, PrintfInfo>;
  readonly mapOf: ReadonlyMap<MapAccess, string>;
  readonly maps: ReadonlyMap<string, MapState>;
  /** Scratch variables of each probe, by probe index. */
  readonly vars: readonly ReadonlyMap<string, Type>[];
}

const I64_MAX = (1n << 63n) - 1n;
const U64_MAX = (1n << 64n) - 1n;
const COMPARISONS = new Set(['==', '!=', '<', '>', '<=', '>=', '&&', '||']);
const INTEGER_TEXT = /^-?(?:0[xX][0-9a-fA-F]+|\d+)$/;
/** The integer types a cast may name (lang/parser.ts CAST_TYPE_NAMES). */
const CAST_TYPES: Readonly<Record<string, IntType>> = {
  int8: intType(8, true), int16: intType(16, true), int32: intType(32, true), int64: intType(64, true),
  uint8: intType(8, false), uint16: intType(16, false), uint32: intType(32, false), uint64: intType(64, false),
};

/** How a variable is named in messages: `$x` (the parser may drop the `$` from the name). */
function varLabel(v: ScratchVar): string {
  return v.name.startsWith('$') ? v.name : `$${v.name}`;
}

/** A one-character span at the start of `s` (an operator written first, like unary `-`). */
function firstChar(s: Span): Span {
  return { ...s, endLine: s.line, endColumn: s.column + 1, endOffset: s.offset + 1 };
}

/** Facts about the running system that calls fold into constants: cgroupid(), kaddr(). */
export interface CompileTimeLookups {
  cgroupId(path: string): CgroupLookup;
  symbolAddress(name: string): bigint | undefined;
}

const NO_LOOKUPS: CompileTimeLookups = {
  cgroupId: () => ({ error: 'cgroups cannot be looked up here' }),
  symbolAddress: () => undefined,
};

export function checkPass(
  probes: readonly ProbeInput[],
  prior: Knowledge,
  positionals: readonly string[],
  kernelTypes: () => KernelTypes | undefined = () => undefined,
  lookups: CompileTimeLookups = NO_LOOKUPS,
): PassResult {
  const pass = new Pass(prior, positionals, kernelTypes, lookups);
  for (const p of probes) pass.probe(p);
  return pass.finish();
}

class Pass implements CallContext {
  private readonly bag = new DiagnosticBag();
  private readonly types = new Map<Expr, Type>();
  private readonly fields = new Map<FieldAccess, Map<CheckedAttach, FieldInfo>>();
  private readonly members = new Map<FieldAccess, MemberInfo>();
  private readonly indexes = new Map<Index | Deref, Map<CheckedAttach, IndexInfo>>();
  /** Identifiers that name kernel enumerators, with their values. */
  private readonly constants = new Map<Builtin | Call, bigint>();
  /** `args.f` accesses whose fields the script takes (`args->rqtp->tv_sec`). */
  private readonly followed = new Set<FieldAccess>();
  private readonly printfs: PrintfInfo[] = [];
  private readonly printfOf = new Map<Call, PrintfInfo>();
  private readonly mapOf = new Map<MapAccess, string>();
  private readonly maps = new Map<string, MapState>();
  private readonly allVars: Map<string, Type>[] = [];
  /** Reads of maps this pass had not seen assigned yet: an error if never assigned at all. */
  private readonly unassignedReads: MapAccess[] = [];
  // The probe being checked.
  private vars = new Map<string, Type>();
  private probeIndex = 0;
  private ctx: ProbeContext = { kinds: [], attaches: [] };

  constructor(
    private readonly prior: Knowledge,
    private readonly positionals: readonly string[],
    private readonly kernelTypes: () => KernelTypes | undefined,
    private readonly lookups: CompileTimeLookups,
  ) {}

  cgroupId(path: string): CgroupLookup {
    return this.lookups.cgroupId(path);
  }

  symbolAddress(name: string): bigint | undefined {
    return this.lookups.symbolAddress(name);
  }

  constant(e: Call, value: bigint): void {
    this.constants.set(e, value);
  }

  probe(p: ProbeInput): void {
    this.vars = new Map();
    this.probeIndex = p.index;
    this.ctx = p.ctx;
    if (p.probe.predicate) {
      const t = this.expr(p.probe.predicate, 'value');
      if (!isError(t) && t.kind !== 'int') this.error(`Invalid type for predicate: ${kindWord(t)}`, p.probe.predicate.span);
    }
    this.block(p.probe.body);
    this.allVars[p.index] = this.vars;
  }

  finish(): PassResult {
    for (const m of this.unassignedReads) {
      if (this.maps.get(m.name)?.value === undefined) this.error(`Undefined map: ${m.name}`, m.span);
    }
    const vars = new Map<string, Type>();
    this.allVars.forEach((vs, i) => vs.forEach((t, name) => vars.set(`${i}:${name}`, t)));
    const maps = new Map<string, { keys?: readonly Type[]; value?: Type }>();
    for (const [name, m] of this.maps) maps.set(name, { ...(m.keys ? { keys: m.keys } : {}), ...(m.value ? { value: m.value } : {}) });
    return {
      bag: this.bag,
      knowledge: { vars, maps },
      types: this.types,
      fields: this.fields,
      members: this.members,
      indexes: this.indexes,
      constants: this.constants,
      printfs: this.printfs,
      printfOf: this.printfOf,
      mapOf: this.mapOf,
      maps: this.maps,
      vars: this.allVars,
    };
  }

  error(message: string, span: Span, notes?: readonly string[]): void {
    this.bag.error(message, span, notes);
  }

  warning(message: string, span: Span): void {
    this.bag.warning(message, span);
  }

  positional(index: number): string | undefined {
    return this.positionals[index - 1];
  }

  addPrintf(make: (id: number) => PrintfInfo): void {
    const info = make(this.printfs.length);
    this.printfs.push(info);
    this.printfOf.set(info.call, info);
  }

  // ---- statements

  private block(b: Block): void {
    for (const s of b.stmts) this.stmt(s);
  }

  private stmt(s: Stmt): void {
    switch (s.kind) {
      case 'ExprStmt':
        this.expr(s.expr, 'stmt');
        return;
      case 'AssignStmt':
        return this.assign(s);
      case 'IfStmt':
        return this.ifStmt(s);
      case 'ReturnStmt':
        return;
    }
  }

  private ifStmt(s: IfStmt): void {
    const t = this.expr(s.cond, 'value');
    if (!isError(t) && t.kind !== 'int') this.error(`Invalid condition in if(): ${kindWord(t)}`, s.cond.span);
    this.block(s.then);
    if (s.else?.kind === 'Block') this.block(s.else);
    else if (s.else) this.ifStmt(s.else);
  }

  private assign(s: AssignStmt): void {
    const target = s.target;
    if (target.kind === 'ScratchVar') return this.assignVar(s, target);
    const value = s.value;
    if (value.kind === 'Call' && AGGREGATIONS.has(value.name) && s.op === '=') {
      const agg = checkAggregation(value, this);
      if (agg) this.types.set(value, agg);
      const keysOk = this.mapAccess(target);
      const current = this.mapValue(target.name);
      if (agg?.fn === 'lhist' && current?.kind === 'agg' && current.fn === 'lhist' && mergeTypes(current, agg) === undefined) {
        return this.error('Different lhist bounds in a single map unsupported', value.span);
      }
      if (agg && keysOk) this.storeMapValue(target, agg);
      return;
    }
    const t = this.expr(value, 'assign');
    const keysOk = this.mapAccess(target);
    if (isError(t) || !keysOk) return;
    if (s.op === '=') return this.storeMapValue(target, t);
    // `@m op= e` stores an int64: the map must hold plain integers and e be one.
    const current = this.mapValue(target.name) ?? s64;
    if (current.kind !== 'int' || t.kind !== 'int') {
      const assigned = t.kind === 'int' ? s64 : t;
      return this.error(
        `Type mismatch for ${target.name}: trying to assign value of type '${typeName(assigned)}' when map already contains a value of type '${typeName(current)}'`,
        target.span,
      );
    }
    this.storeMapValue(target, s64);
  }

  private assignVar(s: AssignStmt, target: ScratchVar): void {
    const t = this.expr(s.value, 'assign');
    if (s.op !== '=') {
      const current = this.readVar(target);
      if (isError(current) || isError(t)) return;
      if (current.kind !== 'int' || t.kind !== 'int') {
        const assigned = t.kind === 'int' ? s64 : t;
        this.error(
          `Type mismatch for ${varLabel(target)}: trying to assign value of type '${typeName(assigned)}' when variable already contains a value of type '${typeName(current)}'`,
          s.span,
        );
      }
      return;
    }
    if (isError(t)) return;
    if (t.kind !== 'int' && t.kind !== 'string' && t.kind !== 'stack' && t.kind !== 'symbol' && t.kind !== 'inet' && t.kind !== 'timestamp') {
      return this.error(`Can not assign a value of type '${typeName(t)}' to ${varLabel(target)}`, s.value.span);
    }
    // A scratch variable keeps the integer width of its first value, as in bpftrace
    // (`$dport = $sk->__sk_common.skc_dport; $dport = bswap($dport)` swaps 16 bits).
    const stored = t.kind === 'int' ? t : storageType(t);
    const current = this.vars.get(target.name);
    if (current === undefined) {
      // First assignment in textual order: it fixes the kind; earlier passes may know a wider string.
      const before = this.prior.vars.get(`${this.probeIndex}:${target.name}`);
      const merged = before ? mergeTypes(stored, before) ?? stored : stored;
      this.vars.set(target.name, merged);
      this.types.set(target, merged);
      return;
    }
    const merged = mergeTypes(current, stored);
    if (!merged) {
      this.types.set(target, current);
      return this.error(
        `Type mismatch for ${varLabel(target)}: trying to assign value of type '${typeName(t)}' when variable already contains a value of type '${typeName(current)}'`,
        s.value.span,
      );
    }
    this.vars.set(target.name, merged);
    this.types.set(target, merged);
  }

  private readVar(v: ScratchVar): Ty {
    const t = this.vars.get(v.name);
    if (!t) {
      this.error(`Undefined or undeclared variable: ${varLabel(v)}`, v.span);
      return errorType;
    }
    this.types.set(v, t);
    return t;
  }

  // ---- maps

  /** The map's value type: this pass's, else an earlier pass's. */
  private mapValue(name: string): Type | undefined {
    return this.maps.get(name)?.value ?? this.prior.maps.get(name)?.value;
  }

  private mapState(m: MapAccess): MapState {
    let st = this.maps.get(m.name);
    if (!st) {
      st = { span: m.span };
      const before = this.prior.maps.get(m.name);
      if (before?.keys) st.keys = before.keys;
      this.maps.set(m.name, st);
    }
    this.mapOf.set(m, m.name);
    return st;
  }

  /** Checks the keys of `@m[keys]` and types the access with the map's value; false on error. */
  private mapAccess(m: MapAccess): boolean {
    const ok = this.checkKeys(m, m.keys, m.span);
    const v = this.mapValue(m.name);
    if (v) this.types.set(m, v);
    return ok;
  }

  private checkKeys(m: MapAccess, keys: readonly Expr[], span: Span): boolean {
    const ts = keys.map((k) => this.expr(k, 'assign'));
    const st = this.mapState(m);
    if (ts.some(isError)) return false;
    const given = (ts as Type[]).map(storageType);
    for (const [i, t] of given.entries()) {
      if (t.kind !== 'int' && t.kind !== 'string' && t.kind !== 'stack' && t.kind !== 'symbol' && t.kind !== 'inet' && t.kind !== 'timestamp') {
        this.error(`Can not use a value of type '${typeName(t)}' as a map key`, keys[i]!.span);
        return false;
      }
    }
    if (!st.keys) {
      st.keys = given;
      return true;
    }
    const merged = given.length === st.keys.length ? st.keys.map((k, i) => mergeTypes(k, given[i]!)) : [];
    if (given.length !== st.keys.length || merged.some((k) => k === undefined)) {
      const list = (l: readonly Type[]): string => l.map(typeName).join(', ');
      this.error(
        `Argument mismatch for ${m.name}: trying to access with arguments: [${list(given)}] when map expects arguments: [${list(st.keys)}]`,
        span,
      );
      return false;
    }
    st.keys = merged as Type[];
    return true;
  }

  private storeMapValue(target: MapAccess, t: Type): void {
    const st = this.mapState(target);
    const stored = storageType(t);
    if (!st.value) {
      const before = this.prior.maps.get(target.name)?.value;
      st.value = before ? mergeTypes(stored, before) ?? stored : stored;
    } else {
      const merged = mergeTypes(st.value, stored);
      if (!merged) {
        this.types.set(target, st.value);
        return this.error(
          `Type mismatch for ${target.name}: trying to assign value of type '${typeName(t)}' when map already contains a value of type '${typeName(st.value)}'`,
          target.span,
        );
      }
      st.value = merged;
    }
    this.types.set(target, st.value);
  }

  mapElement(m: MapAccess): Ty {
    if (!this.mapAccess(m)) return errorType;
    this.noteRead(m);
    return this.mapValue(m.name) ?? s64;
  }

  private noteRead(m: MapAccess): void {
    const v = this.mapValue(m.name);
    if (v) this.types.set(m, v);
    else this.unassignedReads.push(m);
  }

  // CallContext
  mapHandle(m: MapAccess): Type | undefined {
    this.mapState(m);
    this.noteRead(m);
    return this.mapValue(m.name);
  }

  mapKeys(m: MapAccess, keys: readonly Expr[], span: Span): Type | undefined {
    this.checkKeys(m, keys, span);
    this.noteRead(m);
    return this.mapValue(m.name);
  }

  // ---- expressions

  expr(e: Expr, use: Use): Ty {
    const t = this.infer(e, use);
    if (!isError(t)) this.types.set(e, t);
    return t;
  }

  private infer(e: Expr, use: Use): Ty {
    switch (e.kind) {
      case 'IntLit':
        if (e.value < 0n || e.value > U64_MAX) {
          this.error(`Integer literal out of range: ${e.value}`, e.span);
          return errorType;
        }
        return e.value > I64_MAX ? u64 : s64;
      case 'StrLit':
        return stringType(utf8Length(e.value) + 1);
      case 'Builtin': {
        const r = builtinType(e.name, this.ctx);
        if (!r.ok && r.unknown) {
          // As in bpftrace 0.17, a kernel enumerator is a u64 constant whatever its enum's type.
          const value = this.kernelTypes()?.enumerator?.(e.name);
          if (value !== undefined) {
            this.constants.set(e, BigInt.asUintN(64, value));
            return u64;
          }
        }
        if (!r.ok) {
          if (r.message) this.error(r.message, e.span);
          return errorType;
        }
        if (e.name === 'args') {
          this.error('The args builtin can only be used to access a field of the tracepoint record, e.g. args.NAME', e.span);
          return errorType;
        }
        if (e.name === 'curtask') return this.curtask();
        return r.type;
      }
      case 'PositionalParam': {
        if (e.index === 0) return s64;
        const text = this.positional(e.index);
        if (text === undefined || INTEGER_TEXT.test(text)) return s64;
        return stringType(utf8Length(text) + 1);
      }
      case 'ScratchVar':
        return this.readVar(e);
      case 'MapAccess': {
        if (!this.mapAccess(e)) return errorType;
        const v = this.mapValue(e.name);
        if (!v) {
          this.unassignedReads.push(e);
          return s64; // a placeholder; this pass reports the read if the map is never assigned
        }
        if (v.kind === 'agg') {
          this.error(`Reading the value of ${e.name} (a ${v.fn}() map) in an expression is not supported yet`, e.span);
          return errorType;
        }
        return v;
      }
      case 'FieldAccess':
        return this.field(e, use);
      case 'Index':
        return this.index(e);
      case 'Deref':
        return this.deref(e);
      case 'Call':
        return checkCall(e, use, this);
      case 'Unary':
        return this.unary(e);
      case 'Binary':
        return this.binary(e);
      case 'Ternary':
        return this.ternary(e);
      case 'IncDec':
        return this.incDec(e);
      case 'Cast':
        return this.cast(e);
    }
  }

  /** `(uint8)e`: integers only, as in bpftrace (a struct pointer cast needs BTF types). */
  private cast(e: Cast): Ty {
    const t = this.expr(e.operand, 'value');
    if (isError(t)) return errorType;
    if (/^(struct|union)\b/.test(e.typeName)) {
      if (t.kind !== 'int') {
        this.error(`Casts are not supported for type: "${typeName(t)}"`, e.span);
        return errorType;
      }
      const p = castPointerType(this.kernelTypes(), e.typeName);
      if ('message' in p) {
        this.bag.error(p.message, e.span, p.notes);
        return errorType;
      }
      return p;
    }
    const to = CAST_TYPES[e.typeName];
    if (!to) {
      this.error(`Unknown type in cast: ${e.typeName}`, e.span);
      return errorType;
    }
    if (t.kind !== 'int') {
      this.error(`Casts are not supported for type: "${typeName(t)}"`, e.span);
      return errorType;
    }
    return to;
  }

  /** `curtask`: a `struct task_struct *` with BTF, else the plain u64 address. */
  private curtask(): Ty {
    const types = this.kernelTypes();
    const id = types?.recordId('struct', 'task_struct');
    return types && id !== undefined ? pointerTo(types, id) : u64;
  }

  private field(e: FieldAccess, use: Use = 'value'): Ty {
    if (e.object.kind !== 'Builtin' || e.object.name !== 'args') {
      const r = this.member(e);
      if (r.kind === 'array') {
        this.error(`Can not use a value of type '${r.cType}' here: take one of its elements, e.g. [0]`, e.span);
        return errorType;
      }
      if (r.kind !== 'record') return r;
      this.error(`Can not use a value of type '${r.cType}' here: take one of its fields`, e.span);
      return errorType;
    }
    const obj = e.object;
    const r = builtinType('args', this.ctx);
    if (!r.ok) {
      if (r.message) this.error(r.message, obj.span);
      return errorType;
    }
    this.types.set(obj, u64);
    const infos = new Map<CheckedAttach, FieldInfo>();
    let result: Type | undefined;
    let firstTp = '';
    for (const a of this.ctx.attaches) {
      let t: Type | undefined;
      let tp: string;
      let info: FieldInfo;
      if (a.resolved.kind === 'fentry') {
        // fentry/fexit: args.NAME is the function's parameter NAME.
        const arg = funcArgField(a.resolved, e.field);
        if (!arg.ok) {
          this.bag.error(arg.message, e.span, arg.notes);
          return errorType;
        }
        [t, tp, info] = [arg.type, a.probeName, arg.info];
      } else if (a.resolved.kind === 'tracepoint') {
        const fmt = a.resolved.format;
        tp = `${fmt.category}:${fmt.event}`;
        const f = fmt.fields.find((x) => x.name === e.field);
        if (!f) {
          this.bag.error(
            `Struct/union of type 'struct _tracepoint_${fmt.category}_${fmt.event}' does not contain a field named '${e.field}'`,
            e.span,
            [`fields of tracepoint ${tp}: ${fmt.fields.map((x) => x.name).join(', ') || '(none)'}`],
          );
          return errorType;
        }
        t = fieldType(f);
        // `args->rqtp->tv_sec`: a struct pointer field is followed through BTF, but only when
        // the script does (so that plain uses never read BTF).
        // Stored (`@rqtp[tid] = args.rqtp`), it may be followed later (`$t.tv_sec`) too.
        if (t?.kind === 'int' && (this.followed.has(e) || use === 'assign') && f.cType.includes('*')) {
          t = tracepointPointer(this.kernelTypes(), f.cType, fmt.category === 'syscalls') ?? t;
        }
        if (!t) {
          this.error(`Field '${e.field}' of tracepoint ${tp} has type '${f.cType}', which tsbpf can not read yet`, e.span);
          return errorType;
        }
        info = { kind: 'tracepoint', field: f };
      } else {
        continue;
      }
      if (result && !typesEqual(result, t)) {
        this.error(
          `Field '${e.field}' has different types in the tracepoints of this probe: '${typeName(result)}' in ${firstTp}, '${typeName(t)}' in ${tp}`,
          e.span,
        );
        return errorType;
      }
      result ??= t;
      if (!firstTp) firstTp = tp;
      infos.set(a, info);
    }
    if (!result) return errorType; // no attach point resolved: already reported
    this.fields.set(e, infos);
    return result;
  }

  /** CallContext.byteArray: a byte array field or member is typed string[N] (what it occupies),
   *  and only ntop() asks for one. */
  byteArray(e: Expr): { readonly bytes: number } | { readonly type: Ty } | undefined {
    if (e.kind !== 'FieldAccess') return undefined;
    if (e.object.kind !== 'Builtin' || e.object.name !== 'args') {
      const r = this.member(e);
      if (r.kind === 'string' && this.members.get(e)?.record === false) {
        this.types.set(e, r);
        return { bytes: r.size };
      }
      const t = r.kind === 'record' || r.kind === 'array' ? this.field(e) : r;
      if (!isError(t)) this.types.set(e, t);
      return { type: t };
    }
    const infos = new Map<CheckedAttach, FieldInfo>();
    let bytes: number | undefined;
    for (const a of this.ctx.attaches) {
      if (a.resolved.kind !== 'tracepoint') return undefined;
      const f = a.resolved.format.fields.find((x) => x.name === e.field);
      const m = f ? /^(?:unsigned char|__u8|u8|char)\s*\[(\d+)\]$/.exec(f.cType.trim()) : null;
      if (!f || !m || (bytes !== undefined && bytes !== f.size)) return undefined;
      bytes = f.size;
      infos.set(a, { kind: 'tracepoint', field: f });
    }
    if (bytes === undefined) return undefined;
    this.types.set(e.object, u64);
    this.types.set(e, stringType(bytes));
    this.fields.set(e, infos);
    return { bytes };
  }

  /** `e[i]`: an element of a tracepoint array field, of a kernel struct array member, or of
   *  what a pointer points to; literal indices only, as in bpftrace 0.17. */
  private index(e: Index): Ty {
    const it = this.expr(e.index, 'value');
    const literal = e.index.kind === 'IntLit' ? e.index.value : undefined;
    const obj = e.object;
    // The array itself is not a value: resolve it as a place first.
    let place: Ty | RecordPlace | ArrayPlace | undefined;
    if (obj.kind === 'FieldAccess' && (obj.object.kind !== 'Builtin' || obj.object.name !== 'args')) {
      place = this.member(obj);
      if (place.kind !== 'record' && place.kind !== 'array' && place.kind !== 'error') this.types.set(obj, place);
    } else if (obj.kind === 'FieldAccess' && this.ctx.attaches.some((a) => a.resolved.kind === 'tracepoint')) {
      // A tracepoint array field (`args.args[0]`) is read in place; a pointer field is a value.
      const arrays = this.tracepointArrays(obj);
      if (arrays === 'error') return errorType;
      if (arrays) return this.record(e, literal, arrays);
    }
    place ??= this.expr(obj, 'value');
    if (isError(it) || place.kind === 'error') return errorType;
    if (literal === undefined) {
      this.error('The array index operator [] only accepts literal integer indices.', e.span);
      return errorType;
    }
    const r = indexedElement(place, literal, this.kernelTypes, this.pointerCType(obj));
    if (!r.ok) {
      this.error(r.message, e.span);
      return errorType;
    }
    const info = r.info;
    return this.record(e, literal, this.ctx.attaches.map((a) => [a, info] as const), r.type);
  }

  /** `*e`: what a BTF-typed pointer points to, or the u64 at an integer kernel address
   *  (`*kaddr("avenrun")`), as bpftrace 0.17 reads them. */
  private deref(e: Deref): Ty {
    const t = this.expr(e.operand, 'value');
    if (isError(t)) return errorType;
    if (t.kind !== 'int') {
      this.error(`The * operator can not be used on expressions of type '${typeName(t)}'`, e.span);
      return errorType;
    }
    let type: IntType = u64;
    let info: IndexInfo = { kind: 'pointer', offset: 0, size: 8, space: 'program' };
    if (t.pointee) {
      const types = this.kernelTypes();
      const shape = t.pointee.id === 0 ? undefined : types?.describe(t.pointee.id).shape;
      if (shape?.kind === 'record') {
        this.error(`Can not use a value of type '${t.pointee.cType}' here: take one of its fields with ->`, e.span);
        return errorType;
      }
      const r = indexedElement(t, 0n, this.kernelTypes);
      if (!r.ok) {
        this.error(t.pointee.id === 0 ? 'Can not dereference a pointer to void' : r.message.replace('The array index operator []', 'The * operator'), e.span);
        return errorType;
      }
      [type, info] = [r.type, r.info];
    }
    this.indexes.set(e, new Map(this.ctx.attaches.map((a) => [a, info] as const)));
    return type;
  }

  /** The element of each attach's tracepoint array field `args.f`, undefined if `f` is no array
   *  (then it is read as a value), 'error' after reporting one. */
  private tracepointArrays(f: FieldAccess): (readonly [CheckedAttach, IndexInfo, IntType, number])[] | undefined | 'error' {
    const out: [CheckedAttach, IndexInfo, IntType, number][] = [];
    for (const a of this.ctx.attaches) {
      if (a.resolved.kind !== 'tracepoint') continue;
      const field = a.resolved.format.fields.find((x) => x.name === f.field);
      const m = field && !field.isCharArray ? /\[(\d+)\]\s*$/.exec(field.cType) : null;
      if (!field || !m) return undefined;
      const count = Number(m[1]);
      const size = count > 0 ? field.size / count : 0;
      if (size !== 1 && size !== 2 && size !== 4 && size !== 8) {
        this.error(`Field '${f.field}' has type '${field.cType}', whose elements tsbpf can not read`, f.span);
        return 'error';
      }
      out.push([a, { kind: 'context', offset: field.offset, size }, intType((size * 8) as IntBits, field.signed), count]);
    }
    return out.length > 0 ? out : undefined;
  }

  /** Records the element for every attach (context elements: bounds-checked, offset by i). */
  private record(e: Index, literal: bigint | undefined, per: readonly (readonly [CheckedAttach, IndexInfo, IntType?, number?])[], type?: IntType): Ty {
    if (literal === undefined) {
      this.error('The array index operator [] only accepts literal integer indices.', e.span);
      return errorType;
    }
    const infos = new Map<CheckedAttach, IndexInfo>();
    let result = type;
    for (const [a, info, t, count] of per) {
      if (count !== undefined && literal >= BigInt(count)) {
        this.error(`the index ${literal} is out of bounds for array of size ${count}`, e.span);
        return errorType;
      }
      if (t && result && !typesEqual(t, result)) {
        this.error(`Field '${e.object.kind === 'FieldAccess' ? e.object.field : ''}' has different element types in the tracepoints of this probe`, e.span);
        return errorType;
      }
      result ??= t;
      infos.set(a, info.kind === 'context' ? { ...info, offset: info.offset + Number(literal) * info.size } : info);
    }
    if (!result) return errorType;
    this.indexes.set(e, infos);
    return result;
  }

  /** The declared C type of a tracepoint pointer field `args.f` (e.g. `const char *const * argv`). */
  private pointerCType(e: Expr): string | undefined {
    if (e.kind !== 'FieldAccess') return undefined;
    for (const info of this.fields.get(e)?.values() ?? []) if (info.kind === 'tracepoint') return info.field.cType;
    return undefined;
  }

  /** A kernel struct member: `p->f` / `p.f` on a BTF-typed pointer, `r.f` on an embedded struct. */
  private member(e: FieldAccess): Ty | RecordPlace | ArrayPlace {
    const obj = e.object;
    let base: Ty | RecordPlace | ArrayPlace;
    if (obj.kind === 'FieldAccess' && (obj.object.kind !== 'Builtin' || obj.object.name !== 'args')) {
      base = this.member(obj);
      if (base.kind !== 'record' && base.kind !== 'array' && base.kind !== 'error') this.types.set(obj, base);
    } else {
      if (obj.kind === 'FieldAccess') this.followed.add(obj);
      base = this.expr(obj, 'value');
    }
    if (base.kind === 'error') return errorType;
    let r;
    if (base.kind === 'array') {
      this.error(`Can not access field '${e.field}' on type '${base.cType}': take one of its elements first, e.g. [0]`, e.span);
      return errorType;
    } else if (base.kind === 'record') {
      r = resolveMember(this.kernelTypes()!, base.id, base.cType, e.field, 'record', base.user);
    } else if (base.kind === 'int' && base.pointee) {
      const types = this.kernelTypes();
      if (!types) {
        this.error(`Can not access field '${e.field}': ${NO_BTF}`, e.span);
        return errorType;
      }
      r = resolveMember(types, base.pointee.id, base.pointee.cType, e.field, 'pointer', base.pointee.user);
    } else {
      this.error(`Can not access field '${e.field}' on expression of type '${typeName(base)}'`, e.span);
      return errorType;
    }
    if (!r.ok) {
      this.bag.error(r.message, e.span, r.notes);
      return errorType;
    }
    this.members.set(e, r.info);
    return r.value;
  }

  private unary(e: Unary): Ty {
    const t = this.expr(e.operand, 'value');
    if (isError(t)) return errorType;
    if (t.kind !== 'int') {
      this.error(`The ${e.op} operator can not be used on expressions of type '${typeName(t)}'`, firstChar(e.span));
      return errorType;
    }
    return e.op === '~' ? storageType(t) : s64;
  }

  private binary(e: Binary): Ty {
    const l = this.expr(e.left, 'value');
    const r = this.expr(e.right, 'value');
    if (isError(l) || isError(r)) return errorType;
    if (l.kind === 'int' && r.kind === 'int') {
      // 64-bit BPF arithmetic: signed if either side is. `/` and `%` are unsigned BPF ops
      // regardless (x / 0 is 0, x % 0 is x), which codegen implements, not this type.
      if (COMPARISONS.has(e.op)) return s64;
      return intType(64, l.signed || r.signed);
    }
    if (l.kind === 'string' && r.kind === 'string') {
      if (e.op === '==' || e.op === '!=') return s64;
      this.error(`The ${e.op} operator can not be used on expressions of types ${typeName(l)}, ${typeName(r)}`, e.span);
      return errorType;
    }
    this.error(`Type mismatch for '${e.op}': comparing '${typeName(l)}' with '${typeName(r)}'`, e.span);
    return errorType;
  }

  private ternary(e: Ternary): Ty {
    const c = this.expr(e.cond, 'value');
    const a = this.expr(e.then, 'value');
    const b = this.expr(e.else, 'value');
    if (!isError(c) && c.kind !== 'int') {
      this.error(`Invalid condition in ternary: ${kindWord(c)}`, e.span);
      return errorType;
    }
    if (isError(c) || isError(a) || isError(b)) return errorType;
    if (a.kind === 'int' && b.kind === 'int') return intType(64, a.signed || b.signed);
    if (a.kind === 'string' && b.kind === 'string') return stringType(Math.max(a.size, b.size));
    if ((a.kind === 'stack' || a.kind === 'symbol' || a.kind === 'inet' || a.kind === 'timestamp') && typesEqual(a, b)) return a;
    this.error(`Ternary operator must return the same type: have '${kindWord(a)}' and '${kindWord(b)}'`, e.span);
    return errorType;
  }

  private incDec(e: IncDec): Ty {
    const target = e.target;
    let t: Ty;
    if (target.kind === 'ScratchVar') {
      t = this.readVar(target);
    } else {
      if (!this.mapAccess(target)) return errorType;
      t = this.mapValue(target.name) ?? s64;
      if (t.kind === 'int') this.storeMapValue(target, s64);
    }
    if (isError(t)) return errorType;
    if (t.kind !== 'int') {
      this.error(`The ${e.op} operator can not be used on expressions of type '${typeName(t)}'`, e.span);
      return errorType;
    }
    this.types.set(target, t);
    return t;
  }
}
