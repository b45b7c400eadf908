// Read-only walks over a probe's AST, for the facts codegen needs before emitting.
import type { Expr, Probe, Stmt } from '../../lang/ast.ts';

export function childExprs(e: Expr): readonly Expr[] {
  switch (e.kind) {
    case 'MapAccess':
      return e.keys;
    case 'FieldAccess':
      return [e.object];
    case 'Index':
      return [e.object, e.index];
    case 'Call':
      return e.args;
    case 'Unary':
    case 'Cast':
    case 'Deref':
      return [e.operand];
    case 'Binary':
      return [e.left, e.right];
    case 'Ternary':
      return [e.cond, e.then, e.else];
    case 'IncDec':
      return [e.target];
    default:
      return [];
  }
}

export function stmtExprs(s: Stmt): readonly Expr[] {
  switch (s.kind) {
    case 'ExprStmt':
      return [s.expr];
    case 'AssignStmt':
      return [s.target, s.value];
    case 'ReturnStmt':
      return [];
    case 'IfStmt':
      return [s.cond, ...s.then.stmts.flatMap(stmtExprs), ...(s.else ? (s.else.kind === 'Block' ? s.else.stmts.flatMap(stmtExprs) : stmtExprs(s.else)) : [])];
  }
}

/** Every expression node of `roots`, depth first. */
export function* allExprs(roots: readonly Expr[]): Generator<Expr> {
  for (const r of roots) {
    yield r;
    yield* allExprs(childExprs(r));
  }
}

export function probeExprs(p: Probe): Expr[] {
  return [...allExprs([...(p.predicate ? [p.predicate] : []), ...p.body.stmts.flatMap(stmtExprs)])];
}

/** Whether the probe reads its context (args, argN, retval) or takes stacks from it. */
export function usesContext(p: Probe): boolean {
  return probeExprs(p).some(
    (e) => (e.kind === 'Builtin' && /^(args|arg[0-9]|retval|kstack|ustack)$/.test(e.name)) || (e.kind === 'Call' && (e.name === 'kstack' || e.name === 'ustack')),
  );
}

/**
 * Scratch variables that may be read before a value is stored: all but those whose first
 * mention is a top-level `$x = e` not mentioning $x. They are zeroed at entry (the verifier
 * rejects reads of uninitialized stack).
 */
export function varsNeedingInit(p: Probe): Set<string> {
  const assigned = new Set<string>();
  const needs = new Set<string>();
  const mentions = (es: readonly Expr[]) => {
    for (const e of allExprs(es)) if (e.kind === 'ScratchVar' && !assigned.has(e.name)) needs.add(e.name);
  };
  if (p.predicate) mentions([p.predicate]);
  for (const s of p.body.stmts) {
    if (s.kind === 'AssignStmt' && s.op === '=' && s.target.kind === 'ScratchVar') {
      mentions([s.value]);
      assigned.add(s.target.name);
    } else {
      mentions(stmtExprs(s));
    }
  }
  return needs;
}
