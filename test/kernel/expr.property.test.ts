// Property: random integer expressions compiled to BPF and run in the kernel give the value the
// BigInt reference evaluator (test/support/expr-ref.ts) gives. Each case compiles
// `BEGIN { @ = <expr>; }` through the whole pipeline (print -> parse -> analyze -> generate ->
// load -> BPF_PROG_TEST_RUN) and reads @ back as an int64.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { generate } from '../../codegen/gen/index.ts';
import type { MapSpec } from '../../codegen/object.ts';
import type { Expr } from '../../lang/ast.ts';
import type { KernelEnvironment } from '../../lang/env.ts';
import { parse } from '../../lang/parser.ts';
import { printExpr } from '../../lang/printer.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { Session } from '../../runtime/session.ts';
import { asInt64, evaluate, intExprArb } from '../support/expr-ref.ts';
import { kernelAvailable } from '../support/kernel.ts';

/** BEGIN needs nothing from the kernel environment. */
const noKernel: KernelEnvironment = {
  tracepointFormat: () => undefined,
  listTracepoints: () => [],
  hasKprobes: false,
  kernelSymbolExists: () => undefined,
};

const script = (e: Expr): string => `BEGIN { @ = ${printExpr(e)}; }`;
const node = (text: string): Expr => {
  const program = parse(new SourceFile('stdin', `BEGIN { @ = ${text}; }`));
  const stmt = program.probes[0]!.body.stmts[0]!;
  if (stmt.kind !== 'AssignStmt') throw new Error(`expected an assignment, got ${stmt.kind}`);
  return stmt.value;
};
/** The reference value of expression source text, as an int64. */
const ref = (text: string): bigint => asInt64(evaluate(node(text)));

/** A generated expression that fast-check reports (and shrinks) as its source text. */
interface Case {
  readonly expr: Expr;
  readonly text: string;
}
const caseArb: fc.Arbitrary<Case> = intExprArb(4).map((expr) => {
  const text = printExpr(expr);
  return { expr, text, [fc.toStringMethod]: () => text };
});

describe('reference evaluator', () => {
  it.each<[string, bigint]>([
    ['1 + 2 * 3', 7n],
    ['9223372036854775807 + 1', -9223372036854775808n],
    ['-9223372036854775807 - 2', 9223372036854775807n],
    ['0 - 1', -1n],
    // `/` and `%` divide the unsigned bit patterns, as BPF does.
    ['-7 / 2', 9223372036854775804n],
    ['-7 % 2', 1n],
    ['7 / 0', 0n],
    ['7 % 0', 7n],
    ['-7 % 0', -7n],
    // Shift counts are taken modulo 64; `>>` of a signed value is arithmetic.
    ['1 << 64', 1n],
    ['1 << 63', -9223372036854775808n],
    ['1 << -1', -9223372036854775808n],
    ['-16 >> 2', -4n],
    ['-1 >> 65', -1n],
    // A literal above INT64_MAX is a uint64. `>>` shifts arithmetically when its left operand is
    // signed; an ordered comparison is signed only when both operands are.
    ['18446744073709551615 >> 60', 15n],
    ['18446744073709551615 >> 9223372036854775868', 15n],
    ['(0 + 18446744073709551615) >> 60', -1n],
    ['~18446744073709551615 >> 1', 0n],
    ['-18446744073709551615 >> 60', 0n],
    ['18446744073709551615 > 9223372036854775808', 1n],
    ['18446744073709551615 > 1', 1n],
    ['-1 < 18446744073709551614', 0n],
    ['1 < 18446744073709551615', 1n],
    ['1 < 0 + 18446744073709551615', 0n],
    ['~18446744073709551615 < 9223372036854775808', 1n],
    ['-1 < 0', 1n],
    ['(1 < 2) + (2 <= 2) + (3 > 2) + (2 >= 3) + (1 == 1) + (1 != 1)', 4n],
    ['!0 + !5 + ~0', 0n],
    ['2 && 3', 1n],
    ['0 || 0', 0n],
    ['0 || -1', 1n],
    ['0 ? 5 : 6', 6n],
    ['-3 ? 5 : 6', 5n],
    ['1 ? 2 : 18446744073709551615', 2n],
    ['0 ? 2 : 18446744073709551615', -1n],
    ['(0 && 0) < 18446744073709551615', 1n],
    ['6 & 3 | 8 ^ 1', 11n],
    ['~18446744073709551615 ? 0 : 1', 1n],
    ['!~18446744073709551615', 1n],
  ])('%s = %s', (text, value) => {
    expect(ref(text)).toBe(value);
  });
});

describe('printed expressions', () => {
  it('parse back to an expression with the same value', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        expect(asInt64(evaluate(node(c.text)))).toBe(asInt64(evaluate(c.expr)));
      }),
      { numRuns: 500 },
    );
  });
});

/** Compiles and runs `BEGIN { @ = expr; }`, returning @ as an int64. */
function runInKernel(text: string): bigint {
  const program = parse(new SourceFile('stdin', `BEGIN { @ = ${text}; }`));
  const { checked } = analyze(program, noKernel, { positionals: [] });
  const obj = generate(checked);
  const session = Session.open(obj);
  try {
    session.runBegin();
    const index = obj.maps.findIndex((m: MapSpec) => m.name === '@');
    const entries = session.readMap(index);
    if (entries.length !== 1) throw new Error(`@ has ${entries.length} entries`);
    const value = entries[0]!.value;
    if (typeof value !== 'bigint') throw new Error(`@ holds ${String(value)}, not an integer`);
    return BigInt.asIntN(64, value);
  } finally {
    session.close();
  }
}

describe.skipIf(!kernelAvailable)('integer expressions in the kernel', () => {
  it('compute what the reference evaluator computes', () => {
    fc.assert(
      fc.property(caseArb, (c) => {
        const expected = asInt64(evaluate(c.expr));
        const actual = runInKernel(c.text);
        if (actual !== expected) {
          throw new Error(`${script(c.expr)}\n  kernel:    ${actual}\n  reference: ${expected}`);
        }
      }),
      { numRuns: 100 },
    );
  });

  // Fixed cases at the edges the property may take a while to hit.
  it.each([
    '-7 / 2', '7 / 0', '7 % 0', '-7 % 0', '1 << 64', '1 << -1', '-16 >> 2', '18446744073709551615 >> 60',
    '(0 + 18446744073709551615) >> 60', '18446744073709551615 > 1', '-1 < 18446744073709551614',
    '1 < 18446744073709551615', '1 < 0 + 18446744073709551615', '9223372036854775807 + 1',
    '(0 && 0) < 18446744073709551615', '0 ? 2 : 18446744073709551615',
    // Constant conditions must wrap to 64 bits: ~UINT64_MAX is 0.
    '~18446744073709551615 ? 0 : 1', '!~18446744073709551615', '~18446744073709551615 || 0',
  ])('%s', (text) => {
    expect(runInKernel(text)).toBe(ref(text));
  });
});
