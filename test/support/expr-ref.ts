// Random integer expressions and a BigInt reference evaluator with the semantics our compiler
// gives them in BPF, for the property test in test/kernel/expr.property.test.ts.
//
// Types follow semantic analysis (lang/semantic/infer.ts): a literal is int64, or uint64 when
// above INT64_MAX; an arithmetic/bitwise operation is signed if either operand is; unary `-`
// and `!`, comparisons, `&&` and `||` are int64; `~` keeps its operand's type; `c ? a : b` is
// signed if a or b is. Values:
// - `+ - *`, unary `-` and `~`: two's complement, modulo 2^64;
// - `/` and `%`: UNSIGNED 64-bit division of the bit patterns whatever the types, as BPF's
//   div/mod compute; x / 0 = 0 and x % 0 = x (BPF's defined results for a zero divisor);
// - `<<` and `>>`: the shift count is the right operand's bit pattern modulo 64 (BPF masks a
//   register shift count with 63); `>>` is arithmetic when the LEFT operand is signed, as in
//   C and codegen/gen/expr.ts (bpftrace itself always shifts logically);
// - `< > <= >=` compare signed only when BOTH operands are signed, else unsigned (bpftrace's
//   rule, and codegen's); `==`, `!=`, `&&`, `||`, `!` give 0 or 1;
// - `c ? a : b` is a when c != 0.
import fc from 'fast-check';
import type { BinaryOp, Expr, UnaryOp } from '../../lang/ast.ts';
import type { Span } from '../../lang/source.ts';

/** A 64-bit value: its bit pattern (0 <= bits < 2^64) and whether its type is signed. */
export interface IntValue {
  readonly bits: bigint;
  readonly signed: boolean;
}

const u64 = (v: bigint): bigint => BigInt.asUintN(64, v);
const s64 = (v: bigint): bigint => BigInt.asIntN(64, v);
const signedInt = (v: bigint): IntValue => ({ bits: u64(v), signed: true });
const bool = (b: boolean): IntValue => signedInt(b ? 1n : 0n);
const INT64_MAX = (1n << 63n) - 1n;

/** The value read back as an int64, which is how the property compares results. */
export function asInt64(v: IntValue): bigint {
  return s64(v.bits);
}

/** Evaluates an expression made of IntLit, Unary, Binary, Ternary and Cast nodes. */
export function evaluate(e: Expr): IntValue {
  switch (e.kind) {
    case 'IntLit':
      return { bits: u64(e.value), signed: e.value <= INT64_MAX };
    case 'Unary': {
      const v = evaluate(e.operand);
      switch (e.op) {
        case '-':
          return signedInt(-v.bits);
        case '~':
          return { bits: u64(~v.bits), signed: v.signed };
        case '!':
          return bool(v.bits === 0n);
      }
      break;
    }
    case 'Binary':
      return binary(e.op, evaluate(e.left), evaluate(e.right));
    case 'Ternary': {
      const c = evaluate(e.cond);
      const a = evaluate(e.then);
      const b = evaluate(e.else);
      return { bits: c.bits !== 0n ? a.bits : b.bits, signed: a.signed || b.signed };
    }
    case 'Cast': {
      // Truncate to the named width, then sign- or zero-extend back to 64 bits.
      const { bits, signed } = CASTS[e.typeName]!;
      const v = evaluate(e.operand).bits;
      return { bits: u64(signed ? BigInt.asIntN(bits, v) : BigInt.asUintN(bits, v)), signed };
    }
  }
  throw new Error(`reference evaluator: unsupported expression ${e.kind}`);
}

function binary(op: BinaryOp, l: IntValue, r: IntValue): IntValue {
  const signed = l.signed || r.signed;
  const a = l.bits;
  const b = r.bits;
  const result = (bits: bigint): IntValue => ({ bits: u64(bits), signed });
  // Ordered comparisons are signed only between two signed operands.
  const bothSigned = l.signed && r.signed;
  const ca = bothSigned ? s64(a) : a;
  const cb = bothSigned ? s64(b) : b;
  switch (op) {
    case '+':
      return result(a + b);
    case '-':
      return result(a - b);
    case '*':
      return result(a * b);
    case '/':
      return result(b === 0n ? 0n : a / b);
    case '%':
      return result(b === 0n ? a : a % b);
    case '&':
      return result(a & b);
    case '|':
      return result(a | b);
    case '^':
      return result(a ^ b);
    case '<<':
      return result(a << (b & 63n));
    case '>>':
      return result((l.signed ? s64(a) : a) >> (b & 63n)); // BigInt >> is arithmetic
    case '==':
      return bool(a === b);
    case '!=':
      return bool(a !== b);
    case '<':
      return bool(ca < cb);
    case '>':
      return bool(ca > cb);
    case '<=':
      return bool(ca <= cb);
    case '>=':
      return bool(ca >= cb);
    case '&&':
      return bool(a !== 0n && b !== 0n);
    case '||':
      return bool(a !== 0n || b !== 0n);
  }
}

// ---- generator ----

/** Generated nodes are printed and re-parsed before compiling, so their spans are never read. */
const NO_SPAN: Span = { file: 'gen', line: 1, column: 1, offset: 0, endLine: 1, endColumn: 1, endOffset: 0 };

const UINT64_MAX = (1n << 64n) - 1n;
/** Values where 32/64-bit, sign and shift-count mistakes show. */
const EDGES = [
  0n, 1n, 2n, 3n, 7n, 31n, 32n, 33n, 63n, 64n, 65n, 127n, 128n, 255n, 256n, 0x7fffn, 0xffffn,
  0x7fffffffn, 0x80000000n, 0xffffffffn, 0x100000000n, INT64_MAX, INT64_MAX + 1n, UINT64_MAX,
];

/** A literal as written: 0..UINT64_MAX (negatives come from unary `-`); above INT64_MAX it is a uint64. */
export const intLitArb: fc.Arbitrary<Expr> = fc
  .oneof(
    { arbitrary: fc.constantFrom(...EDGES), weight: 3 },
    { arbitrary: fc.bigInt({ min: 0n, max: 100n }), weight: 2 },
    { arbitrary: fc.bigInt({ min: 0n, max: 0xffffffffn }), weight: 1 },
    { arbitrary: fc.bigInt({ min: 0n, max: INT64_MAX }), weight: 1 },
    { arbitrary: fc.bigInt({ min: INT64_MAX + 1n, max: UINT64_MAX }), weight: 1 },
  )
  .map((value): Expr => ({ kind: 'IntLit', value, span: NO_SPAN }));

const UNARY_OPS: UnaryOp[] = ['!', '~', '-'];
const CASTS: Record<string, { bits: number; signed: boolean }> = {
  int8: { bits: 8, signed: true }, int16: { bits: 16, signed: true }, int32: { bits: 32, signed: true }, int64: { bits: 64, signed: true },
  uint8: { bits: 8, signed: false }, uint16: { bits: 16, signed: false }, uint32: { bits: 32, signed: false }, uint64: { bits: 64, signed: false },
};
const BINARY_OPS: BinaryOp[] = [
  '||', '&&', '|', '^', '&', '==', '!=', '<', '>', '<=', '>=', '<<', '>>', '+', '-', '*', '/', '%',
];

/** Random integer expressions up to `maxDepth` operators deep. */
export function intExprArb(maxDepth = 4): fc.Arbitrary<Expr> {
  const { expr } = fc.letrec<{ expr: Expr }>((tie) => ({
    expr: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      { arbitrary: intLitArb, weight: 3 },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...UNARY_OPS), tie('expr'))
          .map(([op, operand]): Expr => ({ kind: 'Unary', op, operand, span: NO_SPAN })),
        weight: 2,
      },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...Object.keys(CASTS)), tie('expr'))
          .map(([typeName, operand]): Expr => ({ kind: 'Cast', typeName, operand, span: NO_SPAN })),
        weight: 1,
      },
      {
        arbitrary: fc
          .tuple(fc.constantFrom(...BINARY_OPS), tie('expr'), tie('expr'))
          .map(([op, left, right]): Expr => ({ kind: 'Binary', op, left, right, span: NO_SPAN })),
        weight: 4,
      },
      {
        arbitrary: fc
          .tuple(tie('expr'), tie('expr'), tie('expr'))
          .map(([cond, then, otherwise]): Expr => ({ kind: 'Ternary', cond, then, else: otherwise, span: NO_SPAN })),
        weight: 1,
      },
    ),
  }));
  return expr;
}
