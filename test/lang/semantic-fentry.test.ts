import { describe, expect, it } from 'vitest';
import { parse } from '../../lang/parser.ts';
import { SourceFile } from '../../lang/source.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { CompileError, formatDiagnostics } from '../../lang/diagnostics.ts';
import type { CheckedAttach, CheckedProgram } from '../../lang/checked.ts';
import { typeName } from '../../lang/types.ts';
import { FAKE_KERNEL_FUNCTIONS, fakeEnv, type FakeEnvOptions } from '../support/fake-env.ts';

const WITH_FENTRY: FakeEnvOptions = { hasFentry: true };

function check(src: string, env: FakeEnvOptions = WITH_FENTRY): CheckedProgram {
  return analyze(parse(new SourceFile('stdin', src)), fakeEnv(env), { positionals: [] }).checked;
}

function attaches(src: string, env: FakeEnvOptions = WITH_FENTRY): CheckedAttach[] {
  return check(src, env).probes.flatMap((p) => [...p.attaches]);
}

/** Map name -> type of the expression assigned to it (maps widen integers; the expression's own type does not). */
function mapTypes(src: string, env: FakeEnvOptions = WITH_FENTRY): Record<string, string> {
  const c = check(src, env);
  const out: Record<string, string> = {};
  for (const p of c.probes) {
    for (const s of p.probe.body.stmts) {
      if (s.kind === 'AssignStmt' && s.target.kind === 'MapAccess') out[s.target.name] = typeName(c.typeOf(s.value));
    }
  }
  return out;
}

/** Every error formatted as the CLI prints it. */
function errors(src: string, env: FakeEnvOptions = WITH_FENTRY): string {
  const source = new SourceFile('stdin', src);
  try {
    analyze(parse(source), fakeEnv(env), { positionals: [] });
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return formatDiagnostics(e.diagnostics, source);
  }
  throw new Error('expected a CompileError');
}

const openat2 = FAKE_KERNEL_FUNCTIONS.find((f) => f.name === 'do_sys_openat2')!;

describe('fentry/fexit attach points on a kernel with fentry', () => {
  it('resolves fentry and fexit and their aliases to the function BTF id and signature', () => {
    const a = attaches('fentry:do_sys_openat2, f:do_sys_openat2, kfunc:do_sys_openat2, fexit:vfs_read, fr:vfs_read, kretfunc:vmlinux:vfs_read {}');
    expect(a.map((x) => x.probeName)).toEqual([
      'fentry:do_sys_openat2', 'fentry:do_sys_openat2', 'fentry:do_sys_openat2', 'fexit:vfs_read', 'fexit:vfs_read', 'fexit:vfs_read',
    ]);
    expect(a[0]!.resolved).toEqual({
      kind: 'fentry',
      fn: 'do_sys_openat2',
      btfId: 76201,
      ret: false,
      params: openat2.params.map((p, i) => ({ ...p, offset: 8 * i })),
      returns: openat2.returns,
      retOffset: 24,
    });
    expect(a[3]!.resolved).toMatchObject({ kind: 'fentry', fn: 'vfs_read', btfId: 119873, ret: true });
    expect(a.every((x) => x.notice === undefined)).toBe(true);
  });

  it('maps sys_NAME to __x64_sys_NAME when BTF has only the latter', () => {
    expect(attaches('fentry:sys_openat {}')[0]!.resolved).toMatchObject({ kind: 'fentry', fn: '__x64_sys_openat', btfId: 80001 });
  });

  it('types args.NAME from the parameter: ints by size and sign, pointers as uint64', () => {
    expect(mapTypes('fentry:do_sys_openat2 { @d = args.dfd; @f = args->filename; @h = args.how; }')).toEqual({ '@d': 'int32', '@f': 'uint64', '@h': 'uint64' });
    expect(mapTypes('fentry:vfs_read { @c = args.count; } fentry:fake_by_value { @s = args.small; }')).toEqual({ '@c': 'uint64', '@s': 'int16' });
    expect(mapTypes('fentry:do_sys_openat2 { @[str(args.filename)] = count(); }')).toEqual({ '@': 'count' });
  });

  it('describes args.NAME as the ctx slot 8*i with the parameter size and sign', () => {
    const c = check('fentry:vfs_read { @ = args.count; }');
    const probe = c.probes[0]!;
    const stmt = probe.probe.body.stmts[0]!;
    if (stmt.kind !== 'AssignStmt' || stmt.value.kind !== 'FieldAccess') throw new Error('unexpected AST');
    expect(c.fieldOf(stmt.value, probe.attaches[0]!)).toEqual({
      kind: 'funcArg',
      field: { name: 'count', cType: 'size_t', offset: 16, size: 8, signed: false, isCharArray: false },
    });
  });

  it('types retval in fexit from the return type', () => {
    expect(mapTypes('fexit:vfs_read { @r = retval; } fexit:do_sys_openat2 { @o = retval; } fexit:fake_by_value { @u = retval; }')).toEqual({
      '@r': 'int64', '@o': 'int32', '@u': 'uint8',
    });
    // Several functions with different return types: retval is an int64.
    expect(mapTypes('fexit:vfs_read, fexit:do_sys_openat2 { @r = retval; }')).toEqual({ '@r': 'int64' });
  });

  it('reports unknown functions, parameters, and values it cannot read', () => {
    expect(errors('fentry:no_such_fn {}')).toBe(
      "stdin:1:1-18: ERROR: fentry:no_such_fn: no kernel function named 'no_such_fn' in the kernel's BTF (/sys/kernel/btf/vmlinux)\n" +
        'fentry:no_such_fn {}\n~~~~~~~~~~~~~~~~~',
    );
    expect(errors('fentry:vfs_read { @ = args.nope; }')).toBe(
      'stdin:1:23-32: ERROR: Can\'t find function parameter nope of vfs_read\n' +
        'fentry:vfs_read { @ = args.nope; }\n                      ~~~~~~~~~\n' +
        'parameters of vfs_read: struct file *file, char *buf, size_t count, loff_t *pos',
    );
    expect(errors('fentry:fake_by_value { @ = args.ts; }')).toContain(
      "ERROR: Parameter 'ts' of fake_by_value has type 'struct timespec64', which tsbpf can not read yet",
    );
    expect(errors('fexit:fake_void_fn { @ = retval; }')).toContain('ERROR: The retval builtin is not available in fexit:fake_void_fn: fake_void_fn returns void');
    expect(errors('fentry:vfs_read { @ = retval; }')).toContain(
      'ERROR: The retval builtin can only be used with kretprobe, uretprobe and fexit probes (fentry used here)',
    );
    expect(errors('kprobe:vfs_read { @ = args.x; }', { hasFentry: true, hasKprobes: true, symbols: ['vfs_read'] })).toContain(
      'ERROR: The args builtin can only be used with tracepoint probes (kprobe used here)',
    );
    expect(errors('fentry:mod:vfs_read {}')).toContain('ERROR: fentry:mod:vfs_read: functions of kernel modules are not supported yet (only vmlinux)');
    expect(errors('fentry:vfs_* {}')).toContain('ERROR: fentry:vfs_*: wildcards in fentry function names are not supported yet');
    expect(errors('fentry {}')).toContain('ERROR: fentry probe type requires 1 argument');
  });
});

describe('fentry/fexit on a kernel without tracing programs', () => {
  const NO_FENTRY: FakeEnvOptions = { hasFentry: false };

  it('falls back to the syscall tracepoints for syscalls, with a notice', () => {
    const a = attaches('fentry:sys_openat { @[str(args.filename)] = count(); } fexit:__x64_sys_openat { @r = retval; }', NO_FENTRY);
    expect(a.map((x) => [x.probeName, x.resolved.kind === 'tracepoint' ? [x.resolved.format.event, x.resolved.fallbackFrom] : x.resolved, x.notice])).toEqual([
      [
        'fentry:sys_openat',
        ['sys_enter_openat', { provider: 'fentry', fn: 'sys_openat' }],
        'fentry:sys_openat: this kernel cannot run fentry/fexit programs (BPF_PROG_TYPE_TRACING); attaching to tracepoint:syscalls:sys_enter_openat instead',
      ],
      [
        'fexit:__x64_sys_openat',
        ['sys_exit_openat', { provider: 'fexit', fn: '__x64_sys_openat' }],
        'fexit:__x64_sys_openat: this kernel cannot run fentry/fexit programs (BPF_PROG_TYPE_TRACING); attaching to tracepoint:syscalls:sys_exit_openat instead',
      ],
    ]);
    // On the fallback args are the tracepoint's fields and retval the syscall's int64 result.
    expect(mapTypes('fentry:sys_openat { @f = args.flags; } fexit:sys_openat { @r = retval; }', NO_FENTRY)).toEqual({ '@f': 'uint64', '@r': 'int64' });
  });

  it('rejects other functions with a clear error that suggests alternatives', () => {
    expect(errors('fentry:vfs_read { @ = count(); }', NO_FENTRY)).toBe(
      'stdin:1:1-16: ERROR: fentry:vfs_read: this kernel cannot run fentry/fexit programs (BPF_PROG_TYPE_TRACING), so kernel functions cannot be probed this way\n' +
        'fentry:vfs_read { @ = count(); }\n~~~~~~~~~~~~~~~\n' +
        "HINT: this kernel has no kprobes either; use a tracepoint instead (list them with: tsbpf -l 'tracepoint:*')",
    );
    expect(errors('fexit:vfs_read {}', { hasFentry: false, hasKprobes: true })).toContain('HINT: use kretprobe:vfs_read instead, or a tracepoint');
    // A syscall whose tracepoint does not exist cannot fall back either.
    expect(errors('fentry:sys_nosuch {}', NO_FENTRY)).toContain('ERROR: fentry:sys_nosuch: this kernel cannot run fentry/fexit programs');
  });
});
