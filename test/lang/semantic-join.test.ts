// join(argv[, sep]): a statement taking an int/pointer and an optional literal separator, with
// bpftrace 0.17's messages.
import { describe, expect, it } from 'vitest';
import { CompileError, formatDiagnostics } from '../../lang/diagnostics.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { typeName } from '../../lang/types.ts';
import { fakeEnv } from '../support/fake-env.ts';

const PROBE = 'tracepoint:syscalls:sys_enter_execve';

function check(body: string) {
  return analyze(parse(new SourceFile('stdin', `${PROBE} { ${body} }`)), fakeEnv({}), { positionals: [] }).checked;
}

/** The first error message of `body`, or 'ok'. */
function firstError(body: string): string {
  try {
    check(body);
    return 'ok';
  } catch (e) {
    if (e instanceof CompileError) return e.diagnostics[0]!.message;
    throw e;
  }
}

describe('join()', () => {
  it('accepts an array pointer with or without a literal separator, as a statement of no value', () => {
    const c = check('join(args->argv); join(args.argv, ","); $p = args->argv; join($p, "");');
    const stmts = c.probes[0]!.probe.body.stmts;
    const first = stmts[0]!;
    expect(first.kind).toBe('ExprStmt');
    if (first.kind === 'ExprStmt') expect(typeName(c.typeOf(first.expr))).toBe('none');
  });

  it.each([
    ['join();', 'join() requires at least one argument (0 provided)'],
    ['join(args->argv, ",", 1);', 'join() takes up to 2 arguments (3 provided)'],
    ['join(args->argv, 1);', 'join() expects a string literal (integer provided)'],
    ['join(args->argv, comm);', 'join() expects a string literal (string provided)'],
    ['join("abc");', 'join() only supports int or pointer arguments (string provided)'],
    ['join(comm);', 'join() only supports int or pointer arguments (string provided)'],
    ['$x = join(args->argv);', 'join() should not be used in an assignment or as a map key'],
    ['@x[join(args->argv)] = 1;', 'join() should not be used in an assignment or as a map key'],
    ['join(args->argv, $x);', 'Undefined or undeclared variable: $x'],
  ])('%s is rejected: %s', (body, message) => {
    expect(firstError(body)).toBe(message);
  });

  it('marks the whole call, as bpftrace does', () => {
    const src = `${PROBE} { join(args->argv, 1); }`;
    try {
      analyze(parse(new SourceFile('stdin', src)), fakeEnv({}), { positionals: [] });
      throw new Error('expected an error');
    } catch (e) {
      if (!(e instanceof CompileError)) throw e;
      expect(formatDiagnostics(e.diagnostics, new SourceFile('stdin', src))).toBe(
        `stdin:1:40-59: ERROR: join() expects a string literal (integer provided)\n${src}\n${' '.repeat(39)}${'~'.repeat(19)}`,
      );
    }
  });
});
