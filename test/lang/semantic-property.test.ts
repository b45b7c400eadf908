// Robustness of semantic analysis on random ASTs: it either succeeds, with a type for every
// expression, or throws a CompileError; never anything else.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type * as A from '../../lang/ast.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import { analyze } from '../../lang/semantic/index.ts';
import type { Span } from '../../lang/source.ts';
import { fakeEnv } from '../support/fake-env.ts';

const S: Span = { file: 'gen', line: 1, column: 1, offset: 0, endLine: 1, endColumn: 2, endOffset: 1 };

// Names biased towards ones analysis knows, so deep paths are reached, plus junk.
const builtinName = fc.constantFrom('pid', 'tid', 'comm', 'probe', 'args', 'arg0', 'arg3', 'arg9', 'retval', 'nsecs', 'cpu', 'kstack', 'zz', '');
const callName = fc.constantFrom('printf', 'exit', 'clear', 'print', 'delete', 'str', 'count', 'sum', 'min', 'max', 'avg', 'hist', 'lhist', 'stats', 'nope');
const mapName = fc.constantFrom('@', '@a', '@b');
const varName = fc.constantFrom('x', 'y', '$z');
const fieldName = fc.constantFrom('filename', 'dfd', 'ret', 'prev_comm', 'nope', '__syscall_nr');
const str = fc.oneof(fc.constantFrom('%d\n', '%s %d', '%-5.2lu%%', '%k', '%', 'x', ''), fc.string({ maxLength: 6 }));

const scratch = varName.map((name): A.ScratchVar => ({ kind: 'ScratchVar', name, span: S }));

const { expr } = fc.letrec<{ expr: A.Expr; map: A.MapAccess; target: A.ScratchVar | A.MapAccess }>((tie) => ({
  expr: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.bigInt({ min: -5n, max: (1n << 65n) }).map((value): A.Expr => ({ kind: 'IntLit', value, span: S })),
    str.map((value): A.Expr => ({ kind: 'StrLit', value, span: S })),
    builtinName.map((name): A.Expr => ({ kind: 'Builtin', name, span: S })),
    fc.integer({ min: -1, max: 4 }).map((index): A.Expr => ({ kind: 'PositionalParam', index, span: S })),
    scratch,
    tie('map'),
    fc.record({ object: tie('expr'), field: fieldName, arrow: fc.boolean() }).map((r): A.Expr => ({ kind: 'FieldAccess', ...r, span: S })),
    fc.record({ name: callName, args: fc.array(tie('expr'), { maxLength: 4 }) }).map((r): A.Expr => ({ kind: 'Call', ...r, span: S })),
    fc.record({ op: fc.constantFrom<A.UnaryOp>('!', '~', '-'), operand: tie('expr') }).map((r): A.Expr => ({ kind: 'Unary', ...r, span: S })),
    fc
      .record({
        op: fc.constantFrom<A.BinaryOp>('||', '&&', '|', '^', '&', '==', '!=', '<', '>', '<=', '>=', '<<', '>>', '+', '-', '*', '/', '%'),
        left: tie('expr'),
        right: tie('expr'),
      })
      .map((r): A.Expr => ({ kind: 'Binary', ...r, span: S })),
    fc.record({ cond: tie('expr'), then: tie('expr'), else: tie('expr') }).map((r): A.Expr => ({ kind: 'Ternary', ...r, span: S })),
    fc
      .record({ op: fc.constantFrom<'++' | '--'>('++', '--'), prefix: fc.boolean(), target: tie('target') })
      .map((r): A.Expr => ({ kind: 'IncDec', ...r, span: S })),
  ) as fc.Arbitrary<A.Expr>,
  map: fc.record({ name: mapName, keys: fc.array(tie('expr'), { maxLength: 2 }) }).map((r): A.MapAccess => ({ kind: 'MapAccess', ...r, span: S })),
  target: fc.oneof(scratch, tie('map')) as fc.Arbitrary<A.ScratchVar | A.MapAccess>,
}));

const assignOp = fc.constantFrom<A.AssignOp>('=', '=', '=', '+=', '-=', '<<=', '%=');
const stmt: fc.Arbitrary<A.Stmt> = fc.letrec<{ stmt: A.Stmt; block: A.Block }>((tie) => ({
  stmt: fc.oneof(
    { depthSize: 'small' },
    expr.map((e): A.Stmt => ({ kind: 'ExprStmt', expr: e, span: S })),
    fc
      .record({ target: fc.oneof(scratch, expr.filter((e): e is A.MapAccess => e.kind === 'MapAccess')), op: assignOp, value: expr })
      .map((r): A.Stmt => ({ kind: 'AssignStmt', ...r, span: S })),
    fc
      .record({ cond: expr, then: tie('block'), else: fc.option(tie('block'), { nil: undefined }) })
      .map((r): A.Stmt => ({ kind: 'IfStmt', cond: r.cond, then: r.then, ...(r.else ? { else: r.else } : {}), span: S })),
  ) as fc.Arbitrary<A.Stmt>,
  block: fc.array(tie('stmt'), { maxLength: 3 }).map((stmts): A.Block => ({ kind: 'Block', stmts, span: S })),
})).stmt;

const attachPoint = fc
  .constantFrom<[string, string[]]>(
    ['BEGIN', []],
    ['end', []],
    ['tracepoint', ['syscalls', 'sys_enter_openat']],
    ['t', ['syscalls', 'sys_*_open*']],
    ['tracepoint', ['sched', 'sched_switch']],
    ['tracepoint', ['nope', 'x']],
    ['kprobe', ['sys_execve']],
    ['kr', ['sys_openat']],
    ['kprobe', ['vfs_read+8']],
    ['interval', ['s', '1']],
    ['profile', ['hz', '0']],
    ['i', []],
    ['uprobe', ['/bin/sh', 'main']],
    ['bogus', ['x', 'y', 'z']],
  )
  .map(([provider, parts]): A.AttachPoint => ({ kind: 'AttachPoint', provider, parts, raw: [provider, ...parts].join(':'), span: S }));

const probe = fc
  .record({
    attachPoints: fc.array(attachPoint, { minLength: 1, maxLength: 3 }),
    predicate: fc.option(expr, { nil: undefined }),
    stmts: fc.array(stmt, { maxLength: 5 }),
  })
  .map((r): A.Probe => ({
    kind: 'Probe',
    attachPoints: r.attachPoints,
    ...(r.predicate ? { predicate: r.predicate } : {}),
    body: { kind: 'Block', stmts: r.stmts, span: S },
    span: S,
  }));

const program = fc.array(probe, { maxLength: 3 }).map((probes): A.Program => ({ kind: 'Program', probes, span: S }));

// A second generator that stays (mostly) well typed, so the success branch gets exercised.
const intExpr: fc.Arbitrary<A.Expr> = fc.letrec<{ e: A.Expr }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small' },
    fc.bigInt({ min: 0n, max: 100n }).map((value): A.Expr => ({ kind: 'IntLit', value, span: S })),
    fc.constantFrom('pid', 'cpu', 'nsecs', 'uid').map((name): A.Expr => ({ kind: 'Builtin', name, span: S })),
    fc.constantFrom(0, 1, 2).map((index): A.Expr => ({ kind: 'PositionalParam', index, span: S })),
    fc
      .record({ op: fc.constantFrom<A.BinaryOp>('+', '-', '*', '/', '%', '==', '<', '&&', '<<', '|'), left: tie('e'), right: tie('e') })
      .map((r): A.Expr => ({ kind: 'Binary', ...r, span: S })),
    fc.record({ op: fc.constantFrom<A.UnaryOp>('!', '~', '-'), operand: tie('e') }).map((r): A.Expr => ({ kind: 'Unary', ...r, span: S })),
    fc.record({ cond: tie('e'), then: tie('e'), else: tie('e') }).map((r): A.Expr => ({ kind: 'Ternary', ...r, span: S })),
  ) as fc.Arbitrary<A.Expr>,
})).e;
const mapOf = (name: string, keys: A.Expr[]): A.MapAccess => ({ kind: 'MapAccess', name, keys, span: S });
const goodStmt: fc.Arbitrary<A.Stmt> = fc.oneof(
  intExpr.map((value): A.Stmt => ({ kind: 'AssignStmt', target: { kind: 'ScratchVar', name: 'x', span: S }, op: '=', value, span: S })),
  fc.tuple(intExpr, intExpr).map(([k, value]): A.Stmt => ({ kind: 'AssignStmt', target: mapOf('@a', [k]), op: '=', value, span: S })),
  intExpr.map((k): A.Stmt => ({ kind: 'AssignStmt', target: mapOf('@b', [k]), op: '=', value: { kind: 'Call', name: 'count', args: [], span: S }, span: S })),
  intExpr.map((k): A.Stmt => ({ kind: 'ExprStmt', expr: { kind: 'IncDec', op: '++', prefix: false, target: mapOf('@c', [k]) }, span: S }) as A.Stmt),
  intExpr.map(
    (v): A.Stmt => ({
      kind: 'ExprStmt',
      expr: { kind: 'Call', name: 'printf', args: [{ kind: 'StrLit', value: '%d %s\n', span: S }, v, { kind: 'Builtin', name: 'comm', span: S }], span: S },
      span: S,
    }),
  ),
);
const goodProgram = fc
  .array(
    fc.record({ ap: fc.constantFrom<[string, string[]]>(['BEGIN', []], ['interval', ['ms', '10']], ['t', ['syscalls', 'sys_enter_openat']]), stmts: fc.array(goodStmt, { maxLength: 6 }) }),
    { minLength: 1, maxLength: 3 },
  )
  .map(
    (ps): A.Program => ({
      kind: 'Program',
      probes: ps.map((p) => ({
        kind: 'Probe',
        attachPoints: [{ kind: 'AttachPoint', provider: p.ap[0], parts: p.ap[1], raw: p.ap[0], span: S }],
        body: { kind: 'Block', stmts: p.stmts, span: S },
        span: S,
      })),
      span: S,
    }),
  );

/** Every expression in the program, including nested ones. */
function allExprs(p: A.Program): A.Expr[] {
  const out: A.Expr[] = [];
  const visit = (n: unknown): void => {
    if (Array.isArray(n)) return n.forEach(visit);
    if (n === null || typeof n !== 'object' || !('kind' in n)) return;
    const kind = (n as { kind: string }).kind;
    if (!['Program', 'Probe', 'AttachPoint', 'Block', 'ExprStmt', 'AssignStmt', 'IfStmt'].includes(kind)) out.push(n as A.Expr);
    for (const [k, v] of Object.entries(n)) if (k !== 'span') visit(v);
  };
  visit(p);
  return out;
}

describe('analyze on random ASTs', () => {
  for (const hasKprobes of [false, true]) {
    it(`throws only CompileError, and types every expression when it succeeds (kprobes: ${hasKprobes})`, () => {
      const env = fakeEnv({ hasKprobes, symbols: ['vfs_read', '__x64_sys_openat', 'sys_execve'] });
      let succeeded = 0;
      fc.assert(
        fc.property(fc.oneof(program, goodProgram), fc.array(fc.constantFrom('1', 'abc', '0x10', ''), { maxLength: 3 }), (p, positionals) => {
          let result;
          try {
            result = analyze(p, env, { positionals });
          } catch (e) {
            if (e instanceof CompileError) {
              expect(e.diagnostics.length).toBeGreaterThan(0);
              expect(e.diagnostics.every((d) => d.severity === 'error' && d.message.length > 0)).toBe(true);
              return;
            }
            throw e;
          }
          succeeded++;
          // Every kind of lang/types.ts Type: kstack, ksym(), ntop() and strftime() values are
          // expressions too (a bare `kstack;` statement made the four-kind list fail, rarely).
          for (const e of allExprs(p)) expect(result.checked.typeOf(e).kind).toMatch(/^(int|string|void|agg|stack|symbol|inet|timestamp)$/);
        }),
        { numRuns: 800 },
      );
      // The generator must also produce valid programs, or the success branch is never tested.
      expect(succeeded).toBeGreaterThan(200);
    });
  }
});
