// Statements. Each statement's temporaries are released when it ends.
import type { Block, Call, Expr, IfStmt, Stmt } from '../../lang/ast.ts';
import { Reg } from '../insn.ts';
import { EventKind } from '../object.ts';
import { assign, incDec } from './assign.ts';
import { fail, type Gen } from './context.ts';
import { exitCall, mapEvent, printf, timeCall } from './events.ts';
import { branch, evalInt } from './expr.ts';
import { joinCall } from './join.ts';
import { deleteElement } from './maps-ops.ts';
import { strLoc } from './strings.ts';

export function block(g: Gen, b: Block): void {
  for (const s of b.stmts) stmt(g, s);
}

export function stmt(g: Gen, s: Stmt): void {
  const mark = g.stack.mark();
  g.asm.withSpan(s.span, () => {
    switch (s.kind) {
      case 'AssignStmt':
        return assign(g, s);
      case 'IfStmt':
        return ifStmt(g, s);
      case 'ExprStmt':
        return exprStmt(g, s.expr);
      case 'ReturnStmt':
        // The program's common end: `r0 = 0; exit`.
        return g.asm.ja(g.exitLabel);
    }
  });
  g.stack.release(mark);
}

function ifStmt(g: Gen, s: IfStmt): void {
  const otherwise = g.asm.newLabel('else');
  branch(g, s.cond, otherwise, false);
  block(g, s.then);
  if (!s.else) return g.asm.bind(otherwise);
  const end = g.asm.newLabel('endif');
  g.asm.ja(end);
  g.asm.bind(otherwise);
  if (s.else.kind === 'IfStmt') stmt(g, s.else);
  else block(g, s.else);
  g.asm.bind(end);
}

function exprStmt(g: Gen, e: Expr): void {
  if (e.kind === 'Call') return callStmt(g, e);
  if (e.kind === 'IncDec') return incDec(g, e, undefined);
  // Evaluated for its side effects only.
  if (g.typeOf(e).kind === 'string') strLoc(g, e);
  else evalInt(g, e, Reg.R0);
}

function callStmt(g: Gen, c: Call): void {
  switch (c.name) {
    case 'printf':
    case 'cat':
      return printf(g, c);
    case 'time':
      return timeCall(g, c);
    case 'exit':
      return exitCall(g, c);
    case 'print':
      return mapEvent(g, c, EventKind.PrintMap);
    case 'clear':
      return mapEvent(g, c, EventKind.ClearMap);
    case 'delete':
      return deleteElement(g, c);
    case 'join':
      return joinCall(g, c);
    case 'str':
      strLoc(g, c);
      return;
    // Values computed for nothing, but their arguments may have effects (`$x++`, map reads).
    case 'bswap':
    case 'has_key':
    case 'strftime':
      return evalInt(g, c, Reg.R0);
    case 'ntop':
      for (const a of c.args) evalInt(g, a, Reg.R0);
      return;
    default:
      throw fail(`${c.name}() is not supported by code generation`, c.span);
  }
}


