// Test helpers for the front end: span stripping and terse AST builders (spans omitted).
import type * as A from '../../lang/ast.ts';
import { parse } from '../../lang/parser.ts';
import { SourceFile } from '../../lang/source.ts';
import { CompileError } from '../../lang/diagnostics.ts';

/** Removes every `span` field, recursively, so ASTs compare structurally. */
export function stripSpans<T>(x: T): T {
  if (Array.isArray(x)) return x.map(stripSpans) as T;
  if (x !== null && typeof x === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) if (k !== 'span') out[k] = stripSpans(v);
    return out as T;
  }
  return x;
}

export const src = (text: string): SourceFile => new SourceFile('stdin', text);
export const parseText = (text: string): A.Program => parse(src(text));
export const parseStripped = (text: string): unknown => stripSpans(parseText(text));

/** The statements of the single probe in `text`, spans stripped. */
export function stmtsOf(text: string): unknown[] {
  const p = parseText(text);
  if (p.probes.length !== 1) throw new Error(`expected one probe, got ${p.probes.length}`);
  return stripSpans(p.probes[0]!.body.stmts) as unknown[];
}

/** The expression of `BEGIN { <text> }`, spans stripped. */
export function exprOf(text: string): unknown {
  const [s] = stmtsOf(`BEGIN { ${text} }`) as { kind: string; expr: unknown }[];
  if (s?.kind !== 'ExprStmt') throw new Error(`not an expression statement: ${text}`);
  return s.expr;
}

/** The diagnostics `parse` reports for `text` as `line:col-endcol message` strings. */
export function errorsOf(text: string): string[] {
  try {
    parse(src(text));
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) =>
      d.span ? `${d.span.line}:${d.span.column}-${d.span.endColumn} ${d.message}` : d.message,
    );
  }
  throw new Error(`parsed without error: ${text}`);
}

type NoSpan<T> = T extends { span: unknown } ? Omit<T, 'span'> : T;
export const int = (v: number | bigint): NoSpan<A.IntLit> => ({ kind: 'IntLit', value: BigInt(v) });
export const str = (value: string): NoSpan<A.StrLit> => ({ kind: 'StrLit', value });
export const bi = (name: string): NoSpan<A.Builtin> => ({ kind: 'Builtin', name });
export const sv = (name: string): NoSpan<A.ScratchVar> => ({ kind: 'ScratchVar', name });
export const pos = (index: number): NoSpan<A.PositionalParam> => ({ kind: 'PositionalParam', index });
export const map = (name: string, ...keys: unknown[]) => ({ kind: 'MapAccess', name, keys });
export const call = (name: string, ...args: unknown[]) => ({ kind: 'Call', name, args });
export const bin = (op: A.BinaryOp, left: unknown, right: unknown) => ({ kind: 'Binary', op, left, right });
export const un = (op: A.UnaryOp, operand: unknown) => ({ kind: 'Unary', op, operand });
export const field = (object: unknown, name: string, arrow = false) => ({ kind: 'FieldAccess', object, field: name, arrow });
export const tern = (cond: unknown, then: unknown, otherwise: unknown) => ({ kind: 'Ternary', cond, then, else: otherwise });
export const incdec = (op: '++' | '--', prefix: boolean, target: unknown) => ({ kind: 'IncDec', op, prefix, target });
export const exprStmt = (expr: unknown) => ({ kind: 'ExprStmt', expr });
export const assign = (target: unknown, op: A.AssignOp, value: unknown) => ({ kind: 'AssignStmt', target, op, value });
export const block = (...stmts: unknown[]) => ({ kind: 'Block', stmts });
export const ifs = (cond: unknown, then: unknown, otherwise?: unknown) =>
  otherwise === undefined ? { kind: 'IfStmt', cond, then } : { kind: 'IfStmt', cond, then, else: otherwise };
export const ap = (raw: string) => {
  const [provider, ...parts] = raw.split(':');
  return { kind: 'AttachPoint', provider, parts, raw };
};
