// Property tests for the front end: printer/parser round trips on random ASTs, and robustness
// (only CompileError, never a crash or a hang) on random and mutated input.
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type * as A from '../../lang/ast.ts';
import { CAST_TYPE_NAMES, parse } from '../../lang/parser.ts';
import { printProgram } from '../../lang/printer.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import { SourceFile, type Span } from '../../lang/source.ts';
import { stripSpans } from './ast-helpers.ts';

const S: Span = { file: 'gen', line: 1, column: 1, offset: 0, endLine: 1, endColumn: 1, endOffset: 0 };
const KEYWORDS = new Set(['if', 'else']);

const ident = fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_]{0,5}$/).filter((s) => !KEYWORDS.has(s));
const scratch = ident.map((name): A.ScratchVar => ({ kind: 'ScratchVar', name, span: S }));
const binaryOps: A.BinaryOp[] = ['||', '&&', '|', '^', '&', '==', '!=', '<', '>', '<=', '>=', '<<', '>>', '+', '-', '*', '/', '%'];
const assignOps: A.AssignOp[] = ['=', '+=', '-=', '*=', '/=', '%=', '&=', '|=', '^=', '<<=', '>>='];

const leaves: fc.Arbitrary<A.Expr>[] = [
  fc
    .oneof(fc.bigInt({ min: 0n, max: 300n }), fc.bigInt({ min: 0n, max: (1n << 64n) - 1n }))
    .map((value): A.IntLit => ({ kind: 'IntLit', value, span: S })),
  fc
    .oneof(
      fc.string({ unit: 'binary', maxLength: 8 }),
      fc.string({ unit: fc.constantFrom('a', '0', '7', 'x', '"', '\\', '\n', '\t', '\r', '\0', '\x7f', '/', '{'), maxLength: 8 }),
    )
    .map((value): A.StrLit => ({ kind: 'StrLit', value, span: S })),
  ident.map((name): A.Builtin => ({ kind: 'Builtin', name, span: S })),
  fc.nat({ max: 30 }).map((index): A.PositionalParam => ({ kind: 'PositionalParam', index, span: S })),
  scratch,
];

const { expr, mapAccess } = fc.letrec<{ expr: A.Expr; mapAccess: A.MapAccess }>((tie) => {
  const sub = tie('expr');
  return {
    mapAccess: fc
      .record({ name: fc.oneof(fc.constant('@'), ident.map((n) => '@' + n)), keys: fc.array(sub, { maxLength: 3 }) })
      .map(({ name, keys }): A.MapAccess => ({ kind: 'MapAccess', name, keys, span: S })),
    expr: fc.oneof(
      { maxDepth: 4, depthIdentifier: 'expr' },
      ...leaves,
      tie('mapAccess'),
      fc.record({ object: sub, field: ident, arrow: fc.boolean() }).map(
        (r): A.FieldAccess => ({ kind: 'FieldAccess', ...r, span: S }),
      ),
      fc.record({ object: sub, index: sub }).map((r): A.Index => ({ kind: 'Index', ...r, span: S })),
      sub.map((operand): A.Deref => ({ kind: 'Deref', operand, span: S })),
      fc.record({ name: ident, args: fc.array(sub, { maxLength: 3 }) }).map((r): A.Call => ({ kind: 'Call', ...r, span: S })),
      fc.record({ op: fc.constantFrom<A.UnaryOp>('!', '~', '-'), operand: sub }).map(
        (r): A.Unary => ({ kind: 'Unary', ...r, span: S }),
      ),
      fc.record({ op: fc.constantFrom(...binaryOps), left: sub, right: sub }).map(
        (r): A.Binary => ({ kind: 'Binary', ...r, span: S }),
      ),
      fc.record({ cond: sub, then: sub, else: sub }).map((r): A.Ternary => ({ kind: 'Ternary', ...r, span: S })),
      fc.record({ typeName: fc.constantFrom(...CAST_TYPE_NAMES), operand: sub }).map((r): A.Cast => ({ kind: 'Cast', ...r, span: S })),
      fc.record({
        op: fc.constantFrom<'++' | '--'>('++', '--'),
        prefix: fc.boolean(),
        target: fc.oneof(scratch, tie('mapAccess') as fc.Arbitrary<A.MapAccess>),
      }).map((r): A.IncDec => ({ kind: 'IncDec', ...r, span: S })),
    ),
  };
});

const { block } = fc.letrec<{ stmt: A.Stmt; block: A.Block; ifStmt: A.IfStmt }>((tie) => ({
  block: fc.array(tie('stmt'), { maxLength: 3 }).map((stmts): A.Block => ({ kind: 'Block', stmts, span: S })),
  ifStmt: fc
    .record({
      cond: expr,
      then: tie('block') as fc.Arbitrary<A.Block>,
      else: fc.option(fc.oneof({ maxDepth: 2, depthIdentifier: 'if' }, tie('block'), tie('ifStmt')), { nil: undefined }),
    })
    .map((r): A.IfStmt => {
      const { else: otherwise, ...rest } = r;
      return { kind: 'IfStmt', ...rest, ...(otherwise ? { else: otherwise as A.Block | A.IfStmt } : {}), span: S };
    }),
  stmt: fc.oneof(
    { maxDepth: 3, depthIdentifier: 'stmt' },
    expr.map((e): A.ExprStmt => ({ kind: 'ExprStmt', expr: e, span: S })),
    fc.record({ target: fc.oneof(scratch, mapAccess), op: fc.constantFrom(...assignOps), value: expr }).map(
      (r): A.AssignStmt => ({ kind: 'AssignStmt', ...r, span: S }),
    ),
    tie('ifStmt'),
  ),
}));

const part = fc.oneof(
  fc.stringMatching(/^[A-Za-z0-9_*?.+-]{0,6}$/),
  fc.stringMatching(/^\.{0,2}\/[A-Za-z0-9_*?.+/-]{0,8}$/),
);
const attachPoint = fc
  .record({ provider: ident, parts: fc.array(part, { maxLength: 3 }) })
  .map(({ provider, parts }): A.AttachPoint => ({
    kind: 'AttachPoint',
    provider,
    parts,
    raw: [provider, ...parts].join(':'),
    span: S,
  }));

const probe = fc
  .record({
    attachPoints: fc.array(attachPoint, { minLength: 1, maxLength: 3 }),
    predicate: fc.option(expr, { nil: undefined }),
    body: block,
  })
  .map(({ predicate, ...r }): A.Probe => ({ kind: 'Probe', ...r, ...(predicate ? { predicate } : {}), span: S }));

const program = fc
  .array(probe, { maxLength: 3 })
  .map((probes): A.Program => ({ kind: 'Program', probes, span: S }));

const parseText = (text: string) => parse(new SourceFile('stdin', text));

/** parse must either succeed or throw CompileError; anything else fails the property. */
function parseOrCompileError(text: string): A.Program | undefined {
  try {
    return parseText(text);
  } catch (e) {
    if (e instanceof CompileError) {
      expect(e.diagnostics.length).toBeGreaterThan(0);
      return undefined;
    }
    throw e;
  }
}

/** Every span lies inside the text and is well ordered; leaf names match their source text. */
function checkSpans(node: unknown, text: string): void {
  if (Array.isArray(node)) return node.forEach((n) => checkSpans(n, text));
  if (node === null || typeof node !== 'object') return;
  const n = node as { kind?: string; span?: Span; name?: string };
  if (n.span) {
    expect(n.span.offset).toBeGreaterThanOrEqual(0);
    expect(n.span.endOffset).toBeGreaterThanOrEqual(n.span.offset);
    expect(n.span.endOffset).toBeLessThanOrEqual(text.length);
    const slice = text.slice(n.span.offset, n.span.endOffset);
    if (n.kind === 'ScratchVar') expect(slice).toBe('$' + n.name);
    if (n.kind === 'Builtin') expect(slice).toBe(n.name);
    if (n.kind === 'AttachPoint') expect(slice).toBe((n as A.AttachPoint).raw);
  }
  for (const [k, v] of Object.entries(n)) if (k !== 'span') checkSpans(v, text);
}

const TOKENS = [
  'BEGIN', 'END', 'kprobe:f', 'uprobe:/bin/sh:x', 't:a:b', 'interval:s:1', ',', '/', '{', '}', '<', '>', '(', ')', '[',
  ']', ';', '$x', '$1', '$#', '@', '@m', 'pid', 'printf', '"s\\n"', '"', '1', '0x1F', '99999999999999999999', 'if',
  'else', '?', ':', '=', '+=', '>>=', '++', '--', '-', '!', '~', '->', '.', '==', '&&', '||', '//c\n', '/*', '*/',
  '\n', '#!', '\\', '`', '$', '\u00e9',
];
const tokenSoup = fc
  .tuple(fc.array(fc.constantFrom(...TOKENS), { maxLength: 40 }), fc.constantFrom('', ' ', '\n'))
  .map(([ts, sep]) => ts.join(sep));

/** A printed valid program with a few random edits: deletions, insertions of tokens, swaps. */
const mutatedProgram = fc
  .tuple(
    program.map(printProgram),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 6 }), fc.constantFrom('', ...TOKENS)), { minLength: 1, maxLength: 4 }),
  )
  .map(([text, edits]) => {
    let t = text;
    for (const [at, del, ins] of edits) {
      const i = t.length ? at % (t.length + 1) : 0;
      t = t.slice(0, i) + ins + t.slice(i + del);
    }
    return t;
  });

describe('parser properties', () => {
  it('round-trips random ASTs through the printer', () => {
    fc.assert(
      fc.property(program, (ast) => {
        const text = printProgram(ast);
        const parsed = parseText(text);
        expect(stripSpans(parsed)).toEqual(stripSpans(ast));
        expect(printProgram(parsed)).toBe(text);
        checkSpans(parsed, text);
      }),
      { numRuns: 300 },
    );
  });

  it('never throws anything but CompileError on random strings', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 })), (text) => {
        parseOrCompileError(text);
      }),
      { numRuns: 1000 },
    );
  });

  it('never throws anything but CompileError on token soups, and what parses round-trips', () => {
    fc.assert(
      fc.property(tokenSoup, (text) => {
        const p = parseOrCompileError(text);
        if (p) {
          checkSpans(p, text);
          expect(stripSpans(parseText(printProgram(p)))).toEqual(stripSpans(p));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('never throws anything but CompileError on mutated valid programs, and what parses round-trips', () => {
    fc.assert(
      fc.property(mutatedProgram, (text) => {
        const p = parseOrCompileError(text);
        if (p) {
          checkSpans(p, text);
          expect(stripSpans(parseText(printProgram(p)))).toEqual(stripSpans(p));
        }
      }),
      { numRuns: 500 },
    );
  });
});
