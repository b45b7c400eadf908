import { describe, expect, it } from 'vitest';
import { CompileError } from '../../lang/diagnostics.ts';
import { decodeInt } from '../../lang/parse-literals.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { typeName, type Type } from '../../lang/types.ts';
import { fakeEnv } from '../support/fake-env.ts';
import { assign, bin, block, errorsOf, exprOf, ifs, int, map, stmtsOf, str, sv } from './ast-helpers.ts';

describe('integer literals: exponents and suffixes', () => {
  it.each([
    ['1e6', 1_000_000n],
    ['5e3', 5_000n],
    ['1E3', 1_000n],
    ['1e0', 1n],
    ['1e19', 10_000_000_000_000_000_000n],
    ['1_000u', 1_000n],
    ['10LL', 10n],
    ['100ns', 100n],
    ['5us', 5_000n],
    ['10ms', 10_000_000n],
    ['1s', 1_000_000_000n],
    ['2m', 120_000_000_000n],
    ['1h', 3_600_000_000_000n],
    ['1d', 86_400_000_000_000n],
    ['1e3ms', 1_000_000_000n],
    ['0755', 0o755n],
    ['0x1F', 31n],
  ])('%s is %s', (image, value) => {
    expect(decodeInt(image)).toEqual({ ok: true, value });
  });

  it.each([
    ['12e2', 'coefficient part of scientific literal must be 1-9: 12e2'],
    ['0e5', 'coefficient part of scientific literal must be 1-9: 0e5'],
    ['2e19', 'integer literal out of range: 2e19'],
    ['1e20', 'integer literal out of range: 1e20'],
    ['4294967296u', 'integer literal out of range: 4294967296u'],
    ['18446744073709551615s', 'integer literal out of range: 18446744073709551615s'],
    ['089', 'invalid octal literal: 089'],
  ])('%s is rejected', (image, message) => {
    expect(decodeInt(image)).toEqual({ ok: false, message, offset: 0, length: image.length });
  });

  it('lexes the forms as one integer token', () => {
    expect(exprOf('1e6')).toEqual(int(1_000_000));
    expect(exprOf('10ms')).toEqual(int(10_000_000));
    expect(errorsOf('BEGIN { 12e2 }')).toEqual(['1:9-13 coefficient part of scientific literal must be 1-9: 12e2']);
  });

  it('a suffix followed by more letters is not a suffix', () => {
    expect(errorsOf('BEGIN { 1sec }')).toEqual(['1:10-13 syntax error, unexpected sec']);
    expect(errorsOf('BEGIN { 2e6x }')).toEqual(['1:12-13 syntax error, unexpected x']);
  });
});

describe('if without parentheses', () => {
  it('parses `if c { }` like `if (c) { }`, in else-if chains too', () => {
    expect(stmtsOf('BEGIN { if $a > 1 { 1 } else if $b { 2 } else { 3 } }')).toEqual(stmtsOf('BEGIN { if ($a > 1) { 1 } else if ($b) { 2 } else { 3 } }'));
    expect(stmtsOf('BEGIN { if ($a) + 1 { } }')).toEqual([ifs(bin('+', sv('a'), int(1)), block())]);
  });

  it('reads > as a comparison in the condition of an angle block', () => {
    expect(stmtsOf('k:f < if $a > 1 { @x = $a } $y = 2 >')).toEqual([
      ifs(bin('>', sv('a'), int(1)), block(assign(map('@x'), '=', sv('a')))),
      assign(sv('y'), '=', int(2)),
    ]);
  });

  it('still needs a condition and a block', () => {
    expect(errorsOf('BEGIN { if { } }')).toEqual(['1:12-13 syntax error, unexpected {']);
    expect(errorsOf('BEGIN { if $a }')).toEqual(['1:15-16 syntax error, unexpected }']);
  });
});

/** `line:column-endColumn: message` of every semantic error of BEGIN { body }. */
function semanticErrors(body: string): string[] {
  try {
    analyze(parse(new SourceFile('stdin', `BEGIN { ${body} }`)), fakeEnv(), { positionals: [] });
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.span ? `${d.span.line}:${d.span.column}-${d.span.endColumn}: ` : ''}${d.message}`);
  }
  throw new Error('expected a CompileError');
}

/** The type of every `$x = e` value in BEGIN { body }, in order. */
function assignedTypes(body: string): Type[] {
  const { checked } = analyze(parse(new SourceFile('stdin', `BEGIN { ${body} }`)), fakeEnv(), { positionals: [] });
  return checked.probes[0]!.probe.body.stmts.flatMap((s) => (s.kind === 'AssignStmt' && s.target.kind === 'ScratchVar' ? [checked.typeOf(s.value)] : []));
}

describe('bswap, ntop, strftime, has_key: types and errors', () => {
  it('bswap keeps the width and is unsigned', () => {
    expect(assignedTypes('$a = bswap((int16)1); $b = bswap((uint32)1); $c = bswap(1); $d = bswap((int8)1);').map(typeName)).toEqual([
      'uint16', 'uint32', 'uint64', 'uint8',
    ]);
    expect(semanticErrors('$a = bswap("x");')).toEqual(['1:14-24: bswap() only supports integer arguments (string provided)']);
    expect(semanticErrors('$a = bswap(1, 2);')).toEqual(['1:14-25: bswap() requires one argument (2 provided)']);
  });

  it('ntop gives an inet from an integer, with or without the family', () => {
    expect(assignedTypes('$a = ntop(1); $b = ntop(10, 1);')).toEqual([{ kind: 'inet' }, { kind: 'inet' }]);
    expect(semanticErrors('$a = ntop("x");')).toEqual(['1:14-23: ntop() expects an integer address (string provided)']);
    expect(semanticErrors('$a = ntop();')).toEqual(['1:14-20: ntop() requires 1 or 2 arguments (0 provided)']);
    expect(semanticErrors('printf("%d", ntop(1));')).toEqual(['1:9-30: printf: %d specifier expects a value of type integer (string supplied)']);
  });

  it('strftime takes a literal format into its type', () => {
    expect(assignedTypes('$a = strftime("%H:%M", nsecs);')).toEqual([{ kind: 'timestamp', format: '%H:%M' }]);
    expect(semanticErrors('$f = "%H"; $a = strftime($f, 1);')).toEqual(['1:25-40: strftime() expects a string literal (string provided)']);
    expect(semanticErrors('$a = strftime("%H", "x");')).toEqual(['1:14-33: strftime() only supports integer arguments (string provided)']);
    expect(semanticErrors('$a = strftime("%H", -1);')).toEqual(['1:14-32: strftime() timestamp must be non-negative (-1 provided)']);
    expect(semanticErrors('$a = strftime("%H");')).toEqual(['1:14-28: strftime() requires 2 arguments (1 provided)']);
  });

  it('has_key checks the keys against the map and gives 0/1', () => {
    expect(assignedTypes('@m[1, "a"] = 1; $a = has_key(@m, 2, "b");').map(typeName)).toEqual(['uint8']);
    expect(semanticErrors('@m[1] = 1; $a = has_key(@m, "s");')).toEqual([
      '1:25-41: Argument mismatch for @m: trying to access with arguments: [string[2]] when map expects arguments: [int64]',
    ]);
    expect(semanticErrors('@m[1] = 1; $a = has_key(@m[1], 1);')).toEqual(['1:25-42: The map passed to has_key() should not be indexed by a key']);
    expect(semanticErrors('@m = 1; $a = has_key(@m);')).toEqual(['1:22-33: has_key() requires a map and a key: has_key(@m, k)']);
    expect(semanticErrors('$a = has_key(1, 2);')).toEqual(['1:14-27: has_key() expects a map to be provided']);
    expect(semanticErrors('@h[1] = hist(2); $a = has_key(@h, 1);')).toEqual(['1:31-45: has_key() on a hist() map is not supported yet']);
  });
});

describe('let declarations', () => {
  it('desugar to assignments: a type is a cast, no value is zero, a bare let is nothing', () => {
    expect(stmtsOf('BEGIN { let $a; let $b = 5; let $c: uint8 = $b; let $d: int16; let $e: string; let $f: string = "x" }')).toEqual([
      assign(sv('b'), '=', int(5)),
      assign(sv('c'), '=', { kind: 'Cast', typeName: 'uint8', operand: sv('b') }),
      assign(sv('d'), '=', { kind: 'Cast', typeName: 'int16', operand: int(0) }),
      assign(sv('e'), '=', str('')),
      assign(sv('f'), '=', str('x')),
    ]);
  });

  it('needs a scratch variable', () => {
    expect(errorsOf('BEGIN { let x = 1; }')).toEqual(['1:13-14 syntax error, unexpected x']);
    expect(errorsOf('BEGIN { let $x: = 1; }')).toEqual(['1:17-18 syntax error, unexpected =']);
  });
});
