// time([fmt]): a statement whose optional argument must be a string literal (bpftrace 0.17's messages).
import { describe, expect, it } from 'vitest';
import { CompileError } from '../../lang/diagnostics.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { fakeEnv } from '../support/fake-env.ts';

function errors(body: string): string[] {
  try {
    analyze(parse(new SourceFile('stdin', `BEGIN { ${body} }`)), fakeEnv({}), { positionals: [] });
    return [];
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.span!.line}:${d.span!.column}-${d.span!.endColumn}: ${d.message}`);
  }
}

describe('time()', () => {
  it('accepts no argument or a string literal', () => {
    expect(errors('time(); time("%H:%M:%S "); time("");')).toEqual([]);
  });

  it('rejects anything but a literal', () => {
    expect(errors('$x = "%H"; time($x);')).toEqual(['1:20-28: time() expects a string literal (string provided)']);
    expect(errors('time(1);')).toEqual(['1:9-16: time() expects a string literal (integer provided)']);
  });

  it('takes at most one argument', () => {
    expect(errors('time("a", "b");')).toEqual(['1:9-23: time() takes up to one argument (2 provided)']);
  });

  it('has no value', () => {
    expect(errors('@x = time();')).toEqual(['1:14-20: time() should not be used in an assignment or as a map key']);
    expect(errors('$y = 1 + time();')).toEqual(['1:18-24: time() returns no value and can only be used as a statement']);
  });
});
