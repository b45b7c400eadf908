import { describe, expect, it } from 'vitest';
import type { Block, Expr, Stmt } from '../../lang/ast.ts';
import type { CheckedProgram } from '../../lang/checked.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { typeName } from '../../lang/types.ts';
import { fakeEnv, type FakeEnvOptions } from '../support/fake-env.ts';

function check(src: string, positionals: string[] = [], env: FakeEnvOptions = {}): CheckedProgram {
  return analyze(parse(new SourceFile('stdin', src)), fakeEnv(env), { positionals }).checked;
}

/** The value of each `$x = e` statement in the body of probe `i`, in order. */
function values(c: CheckedProgram, i = 0): Expr[] {
  const out: Expr[] = [];
  const walk = (b: Block): void => {
    for (const s of b.stmts as Stmt[]) {
      if (s.kind === 'AssignStmt') out.push(s.value);
      else if (s.kind === 'IfStmt') walk(s.then);
    }
  };
  walk(c.probes[i]!.probe.body);
  return out;
}

/** typeName of every assigned value in the first probe. */
function types(src: string, positionals: string[] = [], env: FakeEnvOptions = {}): string[] {
  const c = check(src, positionals, env);
  return values(c).map((e) => typeName(c.typeOf(e)));
}

describe('builtin types', () => {
  it('gives bpftrace types to the builtins', () => {
    expect(types('BEGIN { $a = pid; $b = tid; $c = uid; $d = gid; $e = nsecs; $f = elapsed; $g = cpu; $h = comm; $i = probe; }')).toEqual([
      'uint32', 'uint32', 'uint64', 'uint64', 'uint64', 'uint64', 'uint32', 'string[16]', 'string[6]',
    ]);
  });

  it('sizes probe to the longest probe name plus NUL', () => {
    expect(types('tracepoint:syscalls:sys_enter_open* { $p = probe; }')).toEqual(['string[37]']);
  });

  it('types argN and retval in kprobes and their tracepoint fallbacks', () => {
    expect(types('kprobe:sys_execve { $a = arg0; $b = arg2; }')).toEqual(['uint64', 'uint64']);
    expect(types('kretprobe:sys_openat { $r = retval; }')).toEqual(['int64']);
    expect(types('kprobe:vfs_read { $a = arg5; }', [], { hasKprobes: true })).toEqual(['uint64']);
    expect(types('kretprobe:vfs_read { $r = retval; }', [], { hasKprobes: true })).toEqual(['int64']);
  });

  it('types tracepoint fields from their format', () => {
    expect(
      types('tracepoint:syscalls:sys_enter_openat { $a = args.dfd; $b = args->filename; $c = args.__syscall_nr; $d = args.mode; }'),
    ).toEqual(['uint64', 'uint64', 'int32', 'uint64']);
    expect(types('tracepoint:sched:sched_switch { $a = args.prev_comm; $b = args->next_pid; $c = args.prev_state; }')).toEqual([
      'string[16]', 'int32', 'int64',
    ]);
  });

  it('resolves a field per attach point of a wildcard probe', () => {
    const c = check('tracepoint:syscalls:sys_enter_open* { $f = args.filename; }');
    const e = values(c)[0]!;
    if (e.kind !== 'FieldAccess') throw new Error('not a field access');
    expect(c.probes[0]!.attaches.map((a) => c.fieldOf(e, a).field.offset)).toEqual([24, 16]);
  });
});

describe('expression types', () => {
  it('types literals: int64, uint64 beyond int64, strings with their NUL', () => {
    expect(types('BEGIN { $a = 1; $b = 9223372036854775807; $c = 9223372036854775808; $d = "abc"; $e = ""; }')).toEqual([
      'int64', 'int64', 'uint64', 'string[4]', 'string[1]',
    ]);
  });

  it('gives arithmetic int64 when either side is signed, else uint64', () => {
    expect(
      types('BEGIN { $a = pid + 1; $b = pid * nsecs; $c = nsecs / cpu; $d = 1 - 2; $e = cpu << 3; $f = cpu % cpu; $g = nsecs & 1; }'),
    ).toEqual(['int64', 'uint64', 'uint64', 'int64', 'int64', 'uint64', 'int64']);
  });

  it('gives comparisons, logic and ! int64; unary - int64; ~ keeps the signedness', () => {
    expect(
      types('BEGIN { $a = pid == 1; $b = comm == "bash"; $c = comm != "x"; $d = pid && 0; $e = !pid; $f = -pid; $g = ~nsecs; $h = ~1; $i = nsecs > cpu; }'),
    ).toEqual(['int64', 'int64', 'int64', 'int64', 'int64', 'int64', 'uint64', 'int64', 'int64']);
  });

  it('types ternaries: 64-bit ints, or the larger string', () => {
    expect(types('BEGIN { $a = pid ? pid : cpu; $b = 1 ? pid : -1; $c = pid ? "ab" : comm; }')).toEqual(['uint64', 'int64', 'string[16]']);
  });

  it('types str() as string[64] and str($N) as the positional text', () => {
    expect(types('tracepoint:syscalls:sys_enter_openat { $a = str(args.filename); $b = str(args.filename, 8); $c = str($1); $d = str($2); }', ['hello'])).toEqual([
      'string[64]', 'string[64]', 'string[6]', 'string[1]',
    ]);
  });

  it('warns when str() is asked for more than the string size', () => {
    const r = analyze(parse(new SourceFile('stdin', 'kprobe:sys_execve { $a = str(arg0, 100); $b = str(arg0, 64); }')), fakeEnv(), { positionals: [] });
    expect(r.warnings.map((w) => `${w.span!.line}:${w.span!.column}: ${w.message}`)).toEqual([
      '1:36: str(): a length of 100 is more than the string size; at most 64 bytes are read',
    ]);
  });

  it('warns, as bpftrace 0.17 does, that print() ignores top and div on stats() maps', () => {
    const warnings = (text: string) =>
      analyze(parse(new SourceFile('stdin', text)), fakeEnv(), { positionals: [] }).warnings.map((w) => `${w.span!.column}-${w.span!.endColumn}: ${w.message}`);
    expect(warnings('BEGIN { @s = stats(1); print(@s, 0, 3); print(@s); }')).toEqual([
      "24-39: print()'s top and div arguments are ignored when used on stats() maps.",
    ]);
    expect(warnings('BEGIN { @s = avg(1); print(@s, 0, 3); }')).toEqual([]);
  });

  it('types positional parameters: integers, strings, missing as 0, $# as int64', () => {
    expect(types('BEGIN { $a = $1; $b = $2; $c = $3; $d = $4; $e = $#; }', ['42', '0x1f', 'name'])).toEqual([
      'int64', 'int64', 'string[5]', 'int64', 'int64',
    ]);
    expect(check('BEGIN { $a = $1; }', ['7', 'x']).positionals).toEqual(['7', 'x']);
  });

  it('types a cast as the named integer type', () => {
    expect(types('BEGIN { $a = (uint8)257; $b = (int16)pid; $c = (uint64)-1; }')).toEqual([
      'uint8',
      'int16',
      'uint64',
    ]);
  });

  it('types a postfix/prefix increment as its target', () => {
    expect(types('BEGIN { $x = 1; $y = $x++; $z = ++@n; }')).toEqual(['int64', 'int64', 'int64']);
  });
});

describe('scratch variables', () => {
  it('keeps a variable\'s integer width, growing to the widest value stored, with the first signedness', () => {
    const c = check('BEGIN { $u = pid; $s = -1; $u = -5; $t = comm; $p = (uint16)1; $p = bswap($p); $b = (int8)1; $b = (uint32)2; }');
    expect([...c.probes[0]!.variables].map(([k, t]) => `${k}:${typeName(t)}`)).toEqual([
      'u:uint64', 's:int64', 't:string[16]', 'p:uint16', 'b:int32',
    ]);
  });

  it('widens a string variable to its largest assignment, also for earlier reads', () => {
    const c = check('BEGIN { $s = "a"; printf("%s\\n", $s); $s = "abcdef"; }');
    expect(typeName(c.probes[0]!.variables.get('s')!)).toBe('string[7]');
    expect(c.printfs[0]!.argTypes.map(typeName)).toEqual(['string[7]']);
  });

  it('keeps variables of different probes apart', () => {
    const c = check('BEGIN { $x = 1; } END { $x = "s"; }');
    expect(c.probes.map((p) => typeName(p.variables.get('x')!))).toEqual(['int64', 'string[2]']);
    const x = c.probes[1]!.probe.body.stmts[0]!;
    if (x.kind !== 'AssignStmt' || x.target.kind !== 'ScratchVar') throw new Error('unexpected');
    expect(typeName(c.variableType(c.probes[1]!, x.target))).toBe('string[2]');
  });
});

describe('maps', () => {
  it('keeps keys and values consistent across probes', () => {
    const c = check(
      'tracepoint:syscalls:sys_enter_openat { @opens[comm, pid] = count(); @last[pid] = args.filename; @names[pid] = "x"; }\n' +
        'END { @last[1] = 2; @names[2] = "longer"; @total = sum(cpu); @m = min(-1); @a = avg(pid); @x = max(3); @ = 1; }',
    );
    expect([...c.maps.values()].map((m) => `${m.name}[${m.keys.map(typeName).join(',')}]=${typeName(m.value)}`)).toEqual([
      '@opens[string[16],uint64]=count',
      '@last[uint64]=uint64',
      '@names[uint64]=string[7]',
      '@total[]=sum',
      '@m[]=min',
      '@a[]=avg',
      '@x[]=max',
      '@[]=int64',
    ]);
    expect([...c.maps.values()].filter((m) => m.value.kind === 'agg').map((m) => m.value.kind === 'agg' && m.value.signed)).toEqual([
      false, false, true, false, true,
    ]);
  });

  it('widens string keys to the largest seen', () => {
    const c = check('BEGIN { @m["a"] = 1; } END { @m[comm] = 2; printf("%d\\n", @m["abc"]); }');
    expect(c.maps.get('@m')!.keys.map(typeName)).toEqual(['string[16]']);
  });

  it('lets reads precede the assignment in program order', () => {
    const c = check('BEGIN { printf("%s %d\\n", @s, @n[1]); } END { @s = comm; @n[5] = 7; }');
    expect(c.printfs[0]!.argTypes.map(typeName)).toEqual(['string[16]', 'int64']);
  });

  it('accepts ++, += on plain int maps and the map functions', () => {
    const c = check('BEGIN { @c++; @d[pid] += 5; --@c; @e = count(); print(@e); clear(@d); delete(@d[1]); delete(@d, 2); exit(); exit(1); }');
    expect([...c.maps.values()].map((m) => `${m.name}=${typeName(m.value)}`)).toEqual(['@c=int64', '@d=int64', '@e=count']);
    const stmts = c.probes[0]!.probe.body.stmts;
    const print = stmts[4]!;
    if (print.kind !== 'ExprStmt' || print.expr.kind !== 'Call' || print.expr.args[0]!.kind !== 'MapAccess') throw new Error('unexpected');
    expect(c.mapOf(print.expr.args[0]).name).toBe('@e');
  });
});

describe('printf and the checked program', () => {
  it('assigns printf ids in order and records argument types', () => {
    const c = check('BEGIN { printf("a\\n"); } END { printf("%d %s %u\\n", pid, comm, 5); }');
    expect(c.printfs.map((p) => [p.id, p.argTypes.map(typeName)])).toEqual([
      [0, []],
      [1, ['uint32', 'string[16]', 'int64']],
    ]);
    const call = c.probes[1]!.probe.body.stmts[0]!;
    if (call.kind !== 'ExprStmt' || call.expr.kind !== 'Call') throw new Error('unexpected');
    expect(c.printfOf(call.expr).id).toBe(1);
    expect(typeName(c.typeOf(call.expr))).toBe('none');
  });

  it('throws an internal error for nodes it never saw', () => {
    const c = check('BEGIN { $a = 1; }');
    const other = check('BEGIN { $b = 2; }');
    expect(() => c.typeOf(values(other)[0]!)).toThrow(/internal error: semantic analysis has no type/);
  });

  it('types predicates and if conditions', () => {
    const c = check('BEGIN /pid > 1/ { if (comm == "x") { $a = 1; } else if (pid) { $b = 2; } }');
    expect(typeName(c.typeOf(c.probes[0]!.probe.predicate!))).toBe('int64');
  });
});
