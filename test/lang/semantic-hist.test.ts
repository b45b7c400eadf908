// hist(), lhist() and stats(): their map value types and every error, worded as bpftrace 0.17
// words them (checked against the installed bpftrace; bpftrace drops the closing quote of
// "type 'hist'" in the type-mismatch message, we do not).
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../lang/diagnostics.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { fakeEnv } from '../support/fake-env.ts';

function check(src: string) {
  return analyze(parse(new SourceFile('stdin', src)), fakeEnv(), { positionals: [] }).checked;
}

/** `line:column-endColumn: message` of every error of `BEGIN { body }`. */
function errors(body: string): string[] {
  try {
    check(`BEGIN { ${body} }`);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.span!.line}:${d.span!.column}-${d.span!.endColumn}: ${d.message}`);
  }
  throw new Error('expected a CompileError');
}

describe('hist, lhist and stats map types', () => {
  it('types each map by its aggregation, lhist with its bounds', () => {
    const c = check(
      'tracepoint:syscalls:sys_exit_openat { @h[comm] = hist(args.ret); @l = lhist(args.ret, 0, 1000, 100); @s[pid] = stats(args.ret); }\n' +
        'END { @u = hist(pid); @l = lhist(-1, 0, 1000, 100); @n = lhist(1, 1024, 1024000, 1024); }',
    );
    expect(Object.fromEntries([...c.maps.values()].map((m) => [m.name, m.value]))).toEqual({
      '@h': { kind: 'agg', fn: 'hist', signed: true },
      '@l': { kind: 'agg', fn: 'lhist', signed: true, linear: { min: 0, max: 1000, step: 100 } },
      '@s': { kind: 'agg', fn: 'stats', signed: true },
      '@u': { kind: 'agg', fn: 'hist', signed: false },
      '@n': { kind: 'agg', fn: 'lhist', signed: true, linear: { min: 1024, max: 1024000, step: 1024 } },
    });
    expect(c.maps.get('@h')!.keys).toEqual([{ kind: 'string', size: 16 }]);
  });

  it('accepts the same lhist bounds on every assignment, and print/clear of these maps', () => {
    const c = check('BEGIN { @l[1] = lhist(5, 0, 10, 2); @l[2] = lhist(7, 0, 10, 2); @h = hist(1); print(@h); clear(@h); print(@l); @s = stats(1); print(@s); }');
    expect([...c.maps.keys()]).toEqual(['@l', '@h', '@s']);
  });
});

describe('hist, lhist and stats errors', () => {
  it.each<[string, string[]]>([
    ['@h = hist();', ['1:14-20: hist() requires one argument (0 provided)']],
    ['@h = hist(1, 2);', ['1:14-24: hist() requires one argument (2 provided)']],
    ['@i = hist("a");', ['1:14-23: hist() only supports integer arguments (string provided)']],
    ['@q = stats();', ['1:14-21: stats() requires one argument (0 provided)']],
    ['@r = stats("x");', ['1:14-24: stats() only supports integer arguments (string provided)']],
    ['@l = lhist(1);', ['1:14-22: lhist() requires 4 arguments (1 provided)']],
    ['@l = lhist(1, 0, 10, 1, 1);', ['1:14-35: lhist() requires 4 arguments (5 provided)']],
    ['@p = lhist("s", 0, 10, 1);', ['1:14-34: lhist() only supports integer arguments (string provided)']],
    ['$x = 1; @o = lhist(1, $x, 10, 1);', ['1:22-41: lhist() expects a integer literal (integer provided)']],
    ['@o = lhist(1, 0, 10, pid);', ['1:14-34: lhist() expects a integer literal (integer provided)']],
    ['@m = lhist(1, 0, 10, 0);', ['1:14-32: lhist() step must be >= 1 (0 provided)']],
    ['@n = lhist(1, 10, 10, 1);', ['1:14-33: lhist() step is too large for the given range (provided step 1 for range 0)']],
    ['@r = lhist(1, 0, 10, 100);', ['1:14-34: lhist() step is too large for the given range (provided step 100 for range 10)']],
    ['@r = lhist(1, 0, 1001, 1);', ['1:14-34: lhist() too many buckets, must be <= 1000 (would need 1001)']],
    [
      '@r = lhist(1, -1, -5, 0);',
      [
        '1:14-33: lhist() step must be >= 1 (0 provided)',
        '1:14-33: lhist() min must be non-negative (provided min -1)',
        '1:14-33: lhist() min must be less than max (provided min -1 and max -5)',
        '1:14-33: lhist() step is too large for the given range (provided step 0 for range -4)',
      ],
    ],
    ['@r = lhist(1, 0, 1, 1); @r = lhist(1, 0, 20, 1);', ['1:38-56: Different lhist bounds in a single map unsupported']],
    ['@r = hist(1); @r = lhist(1, 0, 10, 1);', ["1:23-25: Type mismatch for @r: trying to assign value of type 'lhist' when map already contains a value of type 'hist'"]],
    ['@r = hist(1); @r = count();', ["1:23-25: Type mismatch for @r: trying to assign value of type 'count' when map already contains a value of type 'hist'"]],
    ['@r = hist(1); @r = 1;', ["1:23-25: Type mismatch for @r: trying to assign value of type 'int64' when map already contains a value of type 'hist'"]],
    ['@r = stats(1); @r = avg(1);', ["1:24-26: Type mismatch for @r: trying to assign value of type 'avg' when map already contains a value of type 'stats'"]],
    ['$h = hist(1);', ['1:14-21: hist() should be directly assigned to a map']],
    ['@x = hist(1); @x++;', ["1:23-27: The ++ operator can not be used on expressions of type 'hist'"]],
    ['@x = hist(1); $y = @x;', ['1:28-30: Reading the value of @x (a hist() map) in an expression is not supported yet']],
  ])('%s', (body, expected) => {
    expect(errors(body)).toEqual(expected);
  });
});
