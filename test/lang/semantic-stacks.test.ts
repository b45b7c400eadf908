import { describe, expect, it } from 'vitest';
import type { Expr, Stmt } from '../../lang/ast.ts';
import type { CheckedProgram } from '../../lang/checked.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { typeName, type Type } from '../../lang/types.ts';
import { fakeEnv } from '../support/fake-env.ts';

function check(src: string, hasKprobes = false): CheckedProgram {
  return analyze(parse(new SourceFile('stdin', src)), fakeEnv({ hasKprobes }), { positionals: [] }).checked;
}

/** The type of the value of every top-level `x = e` of the first probe. */
function assigned(src: string, hasKprobes = false): Type[] {
  const c = check(src, hasKprobes);
  return (c.probes[0]!.probe.body.stmts as Stmt[]).flatMap((s) => (s.kind === 'AssignStmt' ? [c.typeOf(s.value as Expr)] : []));
}

function errors(src: string): string[] {
  try {
    check(src);
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.span ? `${d.span.line}:${d.span.column}-${d.span.endColumn}: ` : ''}${d.message}`);
  }
  throw new Error('expected a CompileError');
}

describe('kstack and ustack', () => {
  it('types bare stacks with bpftrace defaults (127 frames, bpftrace mode)', () => {
    expect(assigned('BEGIN { $k = kstack; $u = ustack; }')).toEqual([
      { kind: 'stack', user: false, limit: 127, mode: 'bpftrace' },
      { kind: 'stack', user: true, limit: 127, mode: 'bpftrace' },
    ]);
  });

  it('takes a mode and/or a limit', () => {
    expect(assigned('BEGIN { $a = kstack(3); $b = ustack(perf); $c = kstack(perf, 5); $d = ustack(bpftrace, 1024); $e = kstack(); }')).toEqual([
      { kind: 'stack', user: false, limit: 3, mode: 'bpftrace' },
      { kind: 'stack', user: true, limit: 127, mode: 'perf' },
      { kind: 'stack', user: false, limit: 5, mode: 'perf' },
      { kind: 'stack', user: true, limit: 1024, mode: 'bpftrace' },
      { kind: 'stack', user: false, limit: 127, mode: 'bpftrace' },
    ]);
  });

  it('names the types as bpftrace does', () => {
    expect(assigned('BEGIN { $a = kstack; $b = ustack(2); $c = ksym(1); $d = usym(1); }').map(typeName)).toEqual(['kstack', 'ustack', 'ksym', 'usym']);
  });

  it('allows stacks and symbols as map keys, map values, variables and printf %s arguments', () => {
    const c = check('profile:hz:99 { @[kstack, ustack(perf, 3)] = count(); @v[tid] = kstack(2); @s[ksym(1)] = usym(2); printf("%s %s %s\\n", kstack, ksym(3), usym(4)); }');
    expect(c.maps.get('@')!.keys.map(typeName)).toEqual(['kstack', 'ustack']);
    expect(c.maps.get('@v')!.value).toEqual({ kind: 'stack', user: false, limit: 2, mode: 'bpftrace' });
    expect(c.maps.get('@s')!.keys).toEqual([{ kind: 'symbol', user: false }]);
    expect(c.maps.get('@s')!.value).toEqual({ kind: 'symbol', user: true });
    expect(c.printfs[0]!.argTypes.map(typeName)).toEqual(['kstack', 'ksym', 'usym']);
  });

  it('reports bad arguments with bpftrace 0.17 wording', () => {
    expect(errors('BEGIN { @[kstack(1025)] = count(); }')).toEqual(["1:11-23: kstack([int limit]): limit shouldn't exceed 1024, 1025 given"]);
    expect(errors('BEGIN { @[ustack(0)] = count(); }')).toEqual(['1:11-20: ustack([int limit]): limit must be at least 1, 0 given']);
    expect(errors('BEGIN { @[kstack(perf,3,4)] = count(); }')).toEqual(['1:11-27: kstack() takes up to 2 arguments (3 provided)']);
    expect(errors('BEGIN { @[kstack("a")] = count(); }')).toEqual(['1:11-22: kstack() expects a integer literal (string provided)']);
    expect(errors('BEGIN { $x = 3; @[kstack($x)] = count(); }')).toEqual(['1:19-29: kstack() expects a integer literal (integer provided)']);
    expect(errors('BEGIN { @[kstack(raw)] = count(); }')).toEqual([
      '1:11-22: kstack() expects a integer literal (none provided)',
      "1:18-21: Unknown identifier: 'raw'",
    ]);
    expect(errors('BEGIN { @[kstack(3, perf)] = count(); }')).toEqual([
      '1:11-26: kstack() expects a stack mode literal (integer provided)',
      '1:11-26: kstack() expects a integer literal (stack mode provided)',
    ]);
  });

  it('rejects arithmetic and integer printf conversions on stacks and symbols', () => {
    expect(errors('BEGIN { @x = kstack + 1 }')).toEqual(["1:14-24: Type mismatch for '+': comparing 'kstack' with 'int64'"]);
    expect(errors('BEGIN { @x = ksym(1) + 1 }')).toEqual(["1:14-25: Type mismatch for '+': comparing 'ksym' with 'int64'"]);
    expect(errors('BEGIN { printf("%d\\n", kstack); }')).toEqual(['1:9-31: printf: %d specifier expects a value of type integer (string supplied)']);
    expect(errors('BEGIN { @x = kstack; @x = ustack }')).toEqual([
      "1:22-24: Type mismatch for @x: trying to assign value of type 'ustack' when map already contains a value of type 'kstack'",
    ]);
  });
});

describe('ksym() and usym()', () => {
  it('take exactly one integer', () => {
    expect(errors('BEGIN { @x = ksym("a") }')).toEqual(['1:14-23: ksym() expects an integer or pointer argument']);
    expect(errors('BEGIN { @x = usym() }')).toEqual(['1:14-20: usym() requires one argument (0 provided)']);
    expect(errors('BEGIN { @x = ksym(1,2) }')).toEqual(['1:14-23: ksym() requires one argument (2 provided)']);
  });
});

describe('func', () => {
  it('is the probed function, sized to the longest one', () => {
    const c = check('uprobe:/opt/app/bin/app:add* { @[func] = count(); }');
    expect(c.maps.get('@')!.keys).toEqual([{ kind: 'string', size: 8 }]); // "add_one" + NUL
    expect(assigned('uretprobe:libc:malloc { $f = func; }')).toEqual([{ kind: 'string', size: 7 }]);
    expect(assigned('kprobe:vfs_read { $f = func; }', true)).toEqual([{ kind: 'string', size: 9 }]);
  });

  it('is not available where no function is probed', () => {
    expect(errors('interval:s:1 { printf("%s\\n", func); exit() }')).toEqual(["1:31-35: The func builtin can not be used with 'interval' probes"]);
    expect(errors('tracepoint:syscalls:sys_enter_openat { @f = func; }')).toEqual(["1:45-49: The func builtin can not be used with 'tracepoint' probes"]);
    expect(errors('BEGIN { @f = func; }')).toEqual(["1:14-18: The func builtin can not be used with 'BEGIN' probes"]);
  });
});
