// The abstract syntax tree. Produced by the parser (lang/parser.ts), read by semantic analysis
// (lang/semantic/) and code generation (codegen/). Nodes are plain immutable data; types and
// resolutions live in side tables of the checked program (lang/checked.ts), not on the nodes.
//
// Every node has a `span` (file, line, column, offset) into the source it came from.
import type { Span } from './source.ts';

export interface Program {
  readonly kind: 'Program';
  /** `config = { name = value; ... }` before the probes (bpftrace 0.21+), in order; may be empty. */
  readonly config?: readonly ConfigSetting[];
  /** `let @name = lruhash(N);` map declarations between probes (bpftrace 0.25+), in order. */
  readonly mapDecls?: readonly MapDecl[];
  readonly probes: readonly Probe[];
  readonly span: Span;
}

/** `let @name = KIND(N);`: the kind of BPF map (`hash`, `lruhash`, `percpuhash`, `percpulruhash`,
 *  as written; semantic analysis checks it) and its maximum number of entries. */
export interface MapDecl {
  readonly kind: 'MapDecl';
  readonly name: string;
  readonly mapKind: string;
  readonly maxEntries: bigint;
  readonly span: Span;
}

/** One `name = value` of a config block: an identifier, an integer or a string. */
export interface ConfigSetting {
  readonly kind: 'ConfigSetting';
  readonly name: string;
  readonly value: string | bigint;
  readonly span: Span;
}

/** `attach, attach /pred/ { body }` */
export interface Probe {
  readonly kind: 'Probe';
  readonly attachPoints: readonly AttachPoint[];
  readonly predicate?: Expr;
  readonly body: Block;
  readonly span: Span;
}

/**
 * One attach point as written: `tracepoint:syscalls:sys_enter_openat` is provider `tracepoint`,
 * parts [`syscalls`, `sys_enter_openat`]; `BEGIN` is provider `BEGIN` with no parts;
 * `interval:s:1` is provider `interval`, parts [`s`, `1`]. Aliases (`t`, `k`, `kr`, `begin`) are
 * kept as written here and resolved by semantic analysis.
 */
export interface AttachPoint {
  readonly kind: 'AttachPoint';
  readonly provider: string;
  readonly parts: readonly string[];
  /** The attach point's text exactly as written. */
  readonly raw: string;
  readonly span: Span;
}

export interface Block {
  readonly kind: 'Block';
  readonly stmts: readonly Stmt[];
  readonly span: Span;
}

export type Stmt = ExprStmt | AssignStmt | IfStmt | ReturnStmt;

/** `return;`: ends this run of the probe's program (bpftrace 0.22+). */
export interface ReturnStmt {
  readonly kind: 'ReturnStmt';
  readonly span: Span;
}

/** An expression evaluated for its effect: a call, `@x++`, ... */
export interface ExprStmt {
  readonly kind: 'ExprStmt';
  readonly expr: Expr;
  readonly span: Span;
}

export type AssignOp = '=' | '+=' | '-=' | '*=' | '/=' | '%=' | '&=' | '|=' | '^=' | '<<=' | '>>=';

/** `$x = e`, `@m[k] = e`, `@m += e` ... */
export interface AssignStmt {
  readonly kind: 'AssignStmt';
  readonly target: ScratchVar | MapAccess;
  readonly op: AssignOp;
  readonly value: Expr;
  readonly span: Span;
}

/** `if (c) { } else if (d) { } else { }`: an `else if` is an IfStmt as the sole `else` branch. */
export interface IfStmt {
  readonly kind: 'IfStmt';
  readonly cond: Expr;
  readonly then: Block;
  readonly else?: Block | IfStmt;
  readonly span: Span;
}

export type Expr =
  | IntLit
  | StrLit
  | Builtin
  | PositionalParam
  | ScratchVar
  | MapAccess
  | FieldAccess
  | Index
  | Deref
  | Call
  | Unary
  | Binary
  | Ternary
  | IncDec
  | Cast;

export interface IntLit {
  readonly kind: 'IntLit';
  readonly value: bigint;
  readonly span: Span;
}

/** A string literal, escapes already decoded. */
export interface StrLit {
  readonly kind: 'StrLit';
  readonly value: string;
  readonly span: Span;
}

/**
 * A builtin identifier: `pid`, `tid`, `uid`, `gid`, `nsecs`, `elapsed`, `cpu`, `comm`, `probe`,
 * `args`, `arg0`..`arg9`, `retval`, ... The parser accepts any bare identifier here; semantic
 * analysis rejects unknown ones ("Unknown identifier").
 */
export interface Builtin {
  readonly kind: 'Builtin';
  readonly name: string;
  readonly span: Span;
}

/** `$1`, `$2`, ... (index >= 1), and `$#` as index 0. */
export interface PositionalParam {
  readonly kind: 'PositionalParam';
  readonly index: number;
  readonly span: Span;
}

/** `$name`; `name` is without the `$`. */
export interface ScratchVar {
  readonly kind: 'ScratchVar';
  readonly name: string;
  readonly span: Span;
}

/** `@name`, `@name[k]`, `@name[k1, k2]`; the anonymous map `@` has name `@`. Names include the `@`. */
export interface MapAccess {
  readonly kind: 'MapAccess';
  readonly name: string;
  readonly keys: readonly Expr[];
  readonly span: Span;
}

/** `args.field` or `args->field` (arrow records which was written). */
export interface FieldAccess {
  readonly kind: 'FieldAccess';
  readonly object: Expr;
  readonly field: string;
  readonly arrow: boolean;
  readonly span: Span;
}

/** `e[i]`: element `i` of an array (a tracepoint array field, a kernel struct array member) or
 *  of what a pointer points to. Semantic analysis allows integer literal indices only, as
 *  bpftrace 0.17 does. */
export interface Index {
  readonly kind: 'Index';
  readonly object: Expr;
  readonly index: Expr;
  readonly span: Span;
}

/** `*e`: what pointer `e` points to (an integer `e` is read as a u64 at that kernel address). */
export interface Deref {
  readonly kind: 'Deref';
  readonly operand: Expr;
  readonly span: Span;
}

/** `name(args)`: printf, exit, count, sum, delete, ... Resolved by semantic analysis. */
export interface Call {
  readonly kind: 'Call';
  readonly name: string;
  readonly args: readonly Expr[];
  readonly span: Span;
}

export type UnaryOp = '!' | '~' | '-';

export interface Unary {
  readonly kind: 'Unary';
  readonly op: UnaryOp;
  readonly operand: Expr;
  readonly span: Span;
}

export type BinaryOp =
  | '||' | '&&' | '|' | '^' | '&' | '==' | '!=' | '<' | '>' | '<=' | '>='
  | '<<' | '>>' | '+' | '-' | '*' | '/' | '%';

export interface Binary {
  readonly kind: 'Binary';
  readonly op: BinaryOp;
  readonly left: Expr;
  readonly right: Expr;
  readonly span: Span;
}

export interface Ternary {
  readonly kind: 'Ternary';
  readonly cond: Expr;
  readonly then: Expr;
  readonly else: Expr;
  readonly span: Span;
}

/**
 * `(uint8)e`, `(int32)e`: an integer conversion to the named type (truncation, then sign or
 * zero extension). `typeName` is as written; semantic analysis resolves it.
 */
export interface Cast {
  readonly kind: 'Cast';
  readonly typeName: string;
  readonly operand: Expr;
  readonly span: Span;
}

/** `$x++`, `--@m[k]`: `prefix` tells which was written. Value is the old value when postfix. */
export interface IncDec {
  readonly kind: 'IncDec';
  readonly op: '++' | '--';
  readonly prefix: boolean;
  readonly target: ScratchVar | MapAccess;
  readonly span: Span;
}

export type Node = Program | Probe | AttachPoint | Block | Stmt | Expr;
