import { describe, expect, it } from 'vitest';
import { CompileError } from '../../lang/diagnostics.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { fakeEnv, type FakeEnvOptions } from '../support/fake-env.ts';

/** `line:column-endColumn: message` of every error, in source order. */
function errors(src: string, positionals: string[] = [], env: FakeEnvOptions = {}): string[] {
  try {
    analyze(parse(new SourceFile('stdin', src)), fakeEnv(env), { positionals });
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.span ? `${d.span.line}:${d.span.column}-${d.span.endColumn}: ` : ''}${d.message}`);
  }
  throw new Error('expected a CompileError');
}

const one = (body: string, positionals: string[] = []): string[] => errors(`BEGIN { ${body} }`, positionals);

describe('identifiers and builtins', () => {
  it('rejects unknown identifiers and functions', () => {
    expect(one('$a = foo;')).toEqual(["1:14-17: Unknown identifier: 'foo'"]);
    expect(one('foo();')).toEqual(['1:9-12: Unknown function: foo']);
    expect(one('$h = uaddr("x");')).toEqual(['1:14-24: uaddr() is not supported yet']);
    expect(one('$k = username;')).toEqual(['1:14-22: The username builtin is not supported yet']);
  });

  it('allows args only in tracepoint probes, argN only in kprobes, retval only in kretprobes', () => {
    expect(one('$a = args->x;')).toEqual(['1:14-18: The args builtin can only be used with tracepoint probes (BEGIN used here)']);
    expect(one('$a = arg0;')).toEqual(['1:14-18: The arg0 builtin can only be used with kprobe probes (BEGIN used here)']);
    expect(one('$a = retval;')).toEqual(['1:14-20: The retval builtin can only be used with kretprobe probes (BEGIN used here)']);
    expect(errors('kprobe:sys_execve { $a = retval; $b = args.filename; }')).toEqual([
      '1:26-32: The retval builtin can only be used with kretprobe probes (kprobe used here)',
      '1:39-43: The args builtin can only be used with tracepoint probes (kprobe used here)',
    ]);
    expect(errors('tracepoint:sched:sched_switch, interval:s:1 { $a = args.prev_pid; }')).toEqual([
      '1:52-56: The args builtin can only be used with tracepoint probes (interval used here)',
    ]);
    expect(errors('kretprobe:sys_openat { $a = arg0; }')).toEqual([
      '1:29-33: The arg0 builtin can only be used with kprobe probes (kretprobe used here)',
    ]);
  });

  it('rejects argN beyond the syscall arguments on the tracepoint fallback', () => {
    expect(errors('kprobe:sys_execve { $a = arg3; }')).toEqual([
      '1:26-30: arg3 is not available in kprobe:sys_execve: it runs on tracepoint:syscalls:sys_enter_execve, whose syscall has 3 arguments',
    ]);
  });

  it('rejects args without a field, unknown fields and fields that differ between tracepoints', () => {
    expect(errors('tracepoint:syscalls:sys_enter_openat { $a = args; }')).toEqual([
      '1:45-49: The args builtin can only be used to access a field of the tracepoint record, e.g. args.NAME',
    ]);
    expect(errors('tracepoint:syscalls:sys_enter_openat { $a = args.nope; }')).toEqual([
      "1:45-54: Struct/union of type 'struct _tracepoint_syscalls_sys_enter_openat' does not contain a field named 'nope'",
    ]);
    expect(errors('tracepoint:syscalls:sys_enter_open* { $a = args->dfd; }')).toEqual([
      "1:44-53: Struct/union of type 'struct _tracepoint_syscalls_sys_enter_open' does not contain a field named 'dfd'",
    ]);
    expect(errors('tracepoint:sched:sched_process_exec { $f = args.filename; }')).toEqual([
      "1:44-57: Field 'filename' of tracepoint sched:sched_process_exec has type '__data_loc char[]', which tsbpf can not read yet",
    ]);
    expect(errors('tracepoint:syscalls:sys_enter_openat { $a = comm.x; }')).toEqual([
      "1:45-51: Can not access field 'x' on expression of type 'string[16]'",
    ]);
  });

  it('lists the fields of the tracepoint in a note', () => {
    let thrown: unknown;
    try {
      analyze(parse(new SourceFile('stdin', 'tracepoint:syscalls:sys_exit_openat { $a = args.nope; }')), fakeEnv(), { positionals: [] });
    } catch (e) {
      thrown = e;
    }
    expect((thrown as CompileError).diagnostics[0]!.notes).toEqual(['fields of tracepoint syscalls:sys_exit_openat: __syscall_nr, ret']);
  });

  it('rejects fields whose type differs between the tracepoints of one probe', () => {
    const env: FakeEnvOptions = {
      tracepoints: [
        { category: 'a', event: 'x', id: 1, fields: [{ name: 'f', cType: 'int', offset: 8, size: 4, signed: true, isCharArray: false }] },
        { category: 'a', event: 'y', id: 2, fields: [{ name: 'f', cType: 'char[8]', offset: 8, size: 8, signed: false, isCharArray: true }] },
      ],
    };
    expect(errors('tracepoint:a:* { $v = args.f; }', [], env)).toEqual([
      "1:23-29: Field 'f' has different types in the tracepoints of this probe: 'int32' in a:x, 'string[8]' in a:y",
    ]);
  });
});

describe('operators', () => {
  it('casts integers only', () => {
    expect(one('$a = (uint8)"str";')).toEqual(['1:14-26: Casts are not supported for type: "string[4]"']);
    expect(one('$a = (int64)comm;')).toEqual(['1:14-25: Casts are not supported for type: "string[16]"']);
  });

  it('rejects operators on strings', () => {
    expect(one('$a = "a" + 1;')).toEqual(["1:14-21: Type mismatch for '+': comparing 'string[2]' with 'int64'"]);
    expect(one('$a = pid == comm;')).toEqual(["1:14-25: Type mismatch for '==': comparing 'uint32' with 'string[16]'"]);
    expect(one('$a = "a" < "b";')).toEqual(['1:14-23: The < operator can not be used on expressions of types string[2], string[2]']);
    expect(one('$a = comm && 1;')).toEqual(["1:14-23: Type mismatch for '&&': comparing 'string[16]' with 'int64'"]);
    expect(one('$x = -"a";')).toEqual(["1:14-15: The - operator can not be used on expressions of type 'string[2]'"]);
    expect(one('$x = !comm;')).toEqual(["1:14-15: The ! operator can not be used on expressions of type 'string[16]'"]);
    expect(one('$x = ~"a";')).toEqual(["1:14-15: The ~ operator can not be used on expressions of type 'string[2]'"]);
  });

  it('checks ternaries, predicates and if conditions', () => {
    expect(one('$x = 1 ? "a" : 2;')).toEqual(["1:14-25: Ternary operator must return the same type: have 'string' and 'integer'"]);
    expect(one('$x = "a" ? 1 : 2;')).toEqual(['1:14-25: Invalid condition in ternary: string']);
    expect(errors('BEGIN /"a"/ { }')).toEqual(['1:8-11: Invalid type for predicate: string']);
    expect(one('if (comm) { }')).toEqual(['1:13-17: Invalid condition in if(): string']);
  });

  it('rejects ++/-- and compound assignment on non-integers', () => {
    expect(one('$x = "a"; $x++;')).toEqual(["1:19-23: The ++ operator can not be used on expressions of type 'string[2]'"]);
    expect(one('$x = "a"; $x += 1;')).toEqual([
      "1:19-26: Type mismatch for $x: trying to assign value of type 'int64' when variable already contains a value of type 'string[2]'",
    ]);
    expect(one('$x = 1; $x -= "a";')).toEqual([
      "1:17-26: Type mismatch for $x: trying to assign value of type 'string[2]' when variable already contains a value of type 'int64'",
    ]);
    expect(one('@c = count(); @c++;')).toEqual(["1:23-27: The ++ operator can not be used on expressions of type 'count'"]);
    expect(one('@c = count(); @c += 2;')).toEqual([
      "1:23-25: Type mismatch for @c: trying to assign value of type 'int64' when map already contains a value of type 'count'",
    ]);
    expect(one('@n = 1; @n <<= comm;')).toEqual([
      "1:17-19: Type mismatch for @n: trying to assign value of type 'string[16]' when map already contains a value of type 'int64'",
    ]);
    expect(one('@s = comm; --@s;')).toEqual(["1:20-24: The -- operator can not be used on expressions of type 'string[16]'"]);
  });
});

describe('variables', () => {
  it('fixes a variable type at its first assignment', () => {
    expect(one('$x = 1; $x = "a";')).toEqual([
      "1:22-25: Type mismatch for $x: trying to assign value of type 'string[2]' when variable already contains a value of type 'int64'",
    ]);
    expect(one('$x = comm; $x = pid;')).toEqual([
      "1:25-28: Type mismatch for $x: trying to assign value of type 'uint32' when variable already contains a value of type 'string[16]'",
    ]);
  });

  it('rejects variables used before any assignment', () => {
    expect(one('printf("%d\\n", $y);')).toEqual(['1:24-26: Undefined or undeclared variable: $y']);
    expect(one('$y = $y + 1;')).toEqual(['1:14-16: Undefined or undeclared variable: $y']);
    expect(one('$z++;')).toEqual(['1:9-11: Undefined or undeclared variable: $z']);
    expect(one('$z += 1;')).toEqual(['1:9-11: Undefined or undeclared variable: $z']);
    expect(errors('BEGIN { $x = 1; } END { $a = $x; }')).toEqual(['1:30-32: Undefined or undeclared variable: $x']);
  });
});

describe('maps', () => {
  it('requires the same keys at every access', () => {
    expect(one('@x[1] = 1; @x["a"] = 2;')).toEqual([
      '1:20-27: Argument mismatch for @x: trying to access with arguments: [string[2]] when map expects arguments: [int64]',
    ]);
    expect(errors('BEGIN { @x[comm] = 1; } END { @x[1, 2] = 1; }')).toEqual([
      '1:31-39: Argument mismatch for @x: trying to access with arguments: [int64, int64] when map expects arguments: [string[16]]',
    ]);
    expect(one('@x[1] = 1; delete(@x);')).toEqual(['1:27-29: Argument mismatch for @x: trying to access with arguments: [] when map expects arguments: [int64]']);
    expect(one('@x[1] = 1; delete(@x, "k");')).toEqual([
      '1:20-35: Argument mismatch for @x: trying to access with arguments: [string[2]] when map expects arguments: [int64]',
    ]);
  });

  it('fixes the value type of a map', () => {
    expect(one('@x = count(); @x = 1;')).toEqual([
      "1:23-25: Type mismatch for @x: trying to assign value of type 'int64' when map already contains a value of type 'count'",
    ]);
    expect(one('@x = 1; @x = count();')).toEqual([
      "1:17-19: Type mismatch for @x: trying to assign value of type 'count' when map already contains a value of type 'int64'",
    ]);
    expect(errors('BEGIN { @x = 1; } END { @x = comm; }')).toEqual([
      "1:25-27: Type mismatch for @x: trying to assign value of type 'string[16]' when map already contains a value of type 'int64'",
    ]);
    expect(one('@x = count(); @x = sum(1);')).toEqual([
      "1:23-25: Type mismatch for @x: trying to assign value of type 'sum' when map already contains a value of type 'count'",
    ]);
  });

  it('allows aggregations only as the whole value of a map assignment', () => {
    expect(one('$x = count();')).toEqual(['1:14-21: count() should be directly assigned to a map']);
    expect(one('@y[count()] = 1;')).toEqual(['1:12-19: count() should be directly assigned to a map']);
    expect(one('@y = sum(1) + 1;')).toEqual(['1:14-20: sum() should be directly assigned to a map']);
    expect(one('@y += count();')).toEqual(['1:15-22: count() should be directly assigned to a map']);
    expect(one('count();')).toEqual(['1:9-16: count() should be directly assigned to a map']);
  });

  it('checks aggregation arguments', () => {
    expect(one('@x = count(1);')).toEqual(['1:14-22: count() requires no arguments (1 provided)']);
    expect(one('@x = sum();')).toEqual(['1:14-19: sum() requires one argument (0 provided)']);
    expect(one('@x = avg(1, 2);')).toEqual(['1:14-23: avg() requires one argument (2 provided)']);
    expect(one('@x = max("a");')).toEqual(['1:14-22: max() only supports integer arguments (string provided)']);
  });

  it('rejects reading aggregation values and maps never assigned', () => {
    expect(one('@x = count(); $y = @x;')).toEqual(['1:28-30: Reading the value of @x (a count() map) in an expression is not supported yet']);
    expect(one('$y = @nope[1];')).toEqual(['1:14-22: Undefined map: @nope']);
    expect(one('clear(@nope);')).toEqual(['1:15-20: Undefined map: @nope']);
  });
});

describe('function calls', () => {
  it('checks printf', () => {
    expect(one('printf("%d\\n", "a");')).toEqual(['1:9-28: printf: %d specifier expects a value of type integer (string supplied)']);
    expect(one('printf("%x %c\\n", 1, comm);')).toEqual(['1:9-35: printf: %c specifier expects a value of type integer (string supplied)']);
    expect(one('printf("%d\\n", 1, 2);')).toEqual(['1:9-29: printf: Too many arguments for format string (2 supplied, 1 expected)']);
    expect(one('printf("%d %s\\n");')).toEqual(['1:9-26: printf: Not enough arguments for format string (0 supplied, 2 expected)']);
    expect(one('printf("%k\\n", 1);')).toEqual(["1:9-26: printf: Invalid format specifier: '%k'"]);
    expect(one('printf();')).toEqual(['1:9-17: printf() requires at least one argument (0 provided)']);
    expect(one('$f = "x"; printf($f);')).toEqual(['1:19-29: printf() expects a string literal (string provided)']);
    expect(one('printf(1);')).toEqual(['1:9-18: printf() expects a string literal (integer provided)']);
  });

  it('rejects statement-only functions used as values', () => {
    expect(one('$x = printf("a");')).toEqual(['1:14-25: printf() should not be used in an assignment or as a map key']);
    expect(one('@m[exit()] = 1;')).toEqual(['1:12-18: exit() should not be used in an assignment or as a map key']);
    expect(one('@m = 1; $x = 1 + clear(@m);')).toEqual(['1:26-35: clear() returns no value and can only be used as a statement']);
  });

  it('checks cat() as printf: a literal format and its arguments', () => {
    expect(one('cat("/proc/%d/status");')).toEqual(['1:9-31: cat: Not enough arguments for format string (0 supplied, 1 expected)']);
    expect(one('$f = "x"; cat($f);')).toEqual(['1:19-26: cat() expects a string literal (string provided)']);
    expect(one('$x = cat("/proc/loadavg");')).toEqual(['1:14-34: cat() should not be used in an assignment or as a map key']);
  });

  it('checks cgroupid(): one string literal, looked up at compile time', () => {
    expect(one('$x = cgroupid(1);')).toEqual(['1:14-25: cgroupid() expects a string literal (integer provided)']);
    expect(one('$x = cgroupid();')).toEqual(['1:14-24: cgroupid() requires one argument (0 provided)']);
    // The fake kernel cannot look cgroups up.
    expect(one('$x = cgroupid("/sys/fs/cgroup");')).toEqual(['1:14-40: Failed to get `cgroupid` for path: "/sys/fs/cgroup": cgroups cannot be looked up here']);
  });

  it('checks exit, clear, print, delete and str arguments', () => {
    expect(one('exit("a");')).toEqual(['1:9-18: exit() only supports integer arguments (string provided)']);
    expect(one('exit(1, 2);')).toEqual(['1:9-19: exit() takes up to 1 argument (2 provided)']);
    expect(one('clear(1);')).toEqual(['1:9-17: clear() expects a map to be provided']);
    expect(one('clear();')).toEqual(['1:9-16: clear() requires one argument (0 provided)']);
    expect(one('@m = 1; clear(@m, 2);')).toEqual(['1:17-29: clear() requires one argument (2 provided)']);
    expect(one('print();')).toEqual(['1:9-16: print() requires at least one argument (0 provided)']);
    expect(one('print(1, 2, 3, 4);')).toEqual(['1:9-26: print() takes up to 3 arguments (4 provided)']);
    expect(one('print(1);')).toEqual(['1:9-17: print() expects a map to be provided (printing other values is not supported yet)']);
    expect(one('@y[1] = 1; print(@y[1]);')).toEqual(['1:20-32: The map passed to print() should not be indexed by a key']);
    // bpftrace 0.17's words: top and div must be integer literals.
    expect(one('@y = 1; print(@y, "a");')).toEqual(['1:17-31: print() expects a integer literal (string provided)']);
    expect(one('@y = 1; $t = 2; print(@y, $t);')).toEqual(['1:25-38: print() expects a integer literal (integer provided)']);
    expect(one('delete(1);')).toEqual(['1:9-18: delete() expects a map to be provided']);
    expect(one('delete();')).toEqual(['1:9-17: delete() requires at least one argument (0 provided)']);
    expect(one('@x[1] = 1; delete(@x[1], 2);')).toEqual([
      '1:20-36: delete() takes either a map element or a map and its key: delete(@m[k]) or delete(@m, k) (2 arguments provided)',
    ]);
    expect(one('$x = str();')).toEqual(['1:14-19: str() requires at least one argument (0 provided)']);
    expect(one('$x = str("a");')).toEqual(['1:14-22: str() expects an integer or a pointer type as first argument (string[2] provided)']);
    expect(one('$x = str(1, "a");')).toEqual(['1:14-25: str() only supports integer arguments (string provided)']);
    expect(one('$x = str(1, 2, 3);')).toEqual(['1:14-26: str() takes up to 2 arguments (3 provided)']);
  });
});

describe('error collection', () => {
  it('reports every error of a program at once, in source order', () => {
    expect(
      errors(
        'BEGIN { foo(); $x = 1; $x = "a"; }\n' +
          'kprobe:vfs_read { $y = arg0 + comm; }\n' +
          'tracepoint:syscalls:sys_enter_openat /args.nope/ { printf("%s %d\\n", comm); @m[1] = 1; }\n' +
          'nosuch:x { @m["s"] = $q; }',
      ),
    ).toEqual([
      '1:9-12: Unknown function: foo',
      "1:29-32: Type mismatch for $x: trying to assign value of type 'string[2]' when variable already contains a value of type 'int64'",
      '2:1-16: kprobe:vfs_read: this kernel has no kprobes (CONFIG_KPROBES is off), so kernel functions cannot be probed; use a tracepoint instead (list them under /sys/kernel/tracing/events)',
      "2:24-35: Type mismatch for '+': comparing 'uint64' with 'string[16]'",
      "3:39-48: Struct/union of type 'struct _tracepoint_syscalls_sys_enter_openat' does not contain a field named 'nope'",
      '3:52-75: printf: Not enough arguments for format string (1 supplied, 2 expected)',
      '4:1-9: Invalid probe type: nosuch',
      '4:12-19: Argument mismatch for @m: trying to access with arguments: [string[2]] when map expects arguments: [int64]',
      '4:22-24: Undefined or undeclared variable: $q',
    ]);
  });
});
