// e[i]: tracepoint array fields, kernel struct array members and pointers, with literal
// indices only and bpftrace 0.17's messages.
import { describe, expect, it } from 'vitest';
import type { Index } from '../../lang/ast.ts';
import type { CheckedProgram } from '../../lang/checked.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import type { KernelEnvironment, TracepointFormat } from '../../lang/env.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { pointeeOf } from '../../lang/semantic/index-access.ts';
import { SourceFile } from '../../lang/source.ts';
import { typeName } from '../../lang/types.ts';
import { FAKE_KERNEL_TYPES } from '../support/fake-btf.ts';
import { FAKE_TRACEPOINTS, fakeEnv } from '../support/fake-env.ts';
import { RAW_SYS_ENTER } from '../codegen/gen-compile.ts';

/** sock:inet_sock_set_state as this machine's tracefs describes it, plus a 6-byte array. */
const SOCK_STATE: TracepointFormat = {
  category: 'sock',
  event: 'inet_sock_set_state',
  id: 2287,
  fields: [
    { name: 'family', cType: '__u16', offset: 28, size: 2, signed: false, isCharArray: false },
    { name: 'saddr', cType: '__u8[4]', offset: 32, size: 4, signed: false, isCharArray: false },
    { name: 'saddr_v6', cType: '__u8[16]', offset: 40, size: 16, signed: false, isCharArray: false },
    { name: 'mac', cType: '__u8[6]', offset: 72, size: 6, signed: false, isCharArray: false },
  ],
};

function env(): KernelEnvironment {
  return { ...fakeEnv({ tracepoints: [...FAKE_TRACEPOINTS, RAW_SYS_ENTER, SOCK_STATE] }), kernelTypes: () => FAKE_KERNEL_TYPES };
}

function check(src: string): CheckedProgram {
  return analyze(parse(new SourceFile('stdin', src)), env(), { positionals: [] }).checked;
}

/** For each `@name = e[i]`: the value's type and where the element is. */
function elements(src: string): Record<string, [string, unknown]> {
  const c = check(src);
  const out: Record<string, [string, unknown]> = {};
  for (const p of c.probes) {
    for (const s of p.probe.body.stmts) {
      if (s.kind !== 'AssignStmt' || s.target.kind !== 'MapAccess') continue;
      const v = s.value.kind === 'Call' ? s.value.args[0]! : s.value;
      out[s.target.name] = [typeName(c.typeOf(v)), v.kind === 'Index' ? c.indexOf!(v as Index, p.attaches[0]!) : undefined];
    }
  }
  return out;
}

function errors(src: string): string[] {
  try {
    analyze(parse(new SourceFile('stdin', src)), env(), { positionals: [] });
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return e.diagnostics.map((d) => `${d.span!.column}-${d.span!.endColumn}: ${d.message}`);
  }
  throw new Error('expected errors');
}

describe('indexing', () => {
  it('reads tracepoint array fields in place: raw_syscalls args[N] is a u64 at 16 + 8N', () => {
    expect(elements('tracepoint:raw_syscalls:sys_enter { @a = args->args[0]; @b = args.args[5]; }')).toEqual({
      '@a': ['uint64', { kind: 'context', offset: 16, size: 8 }],
      '@b': ['uint64', { kind: 'context', offset: 56, size: 8 }],
    });
  });

  it('follows tracepoint pointer fields into the program\'s memory: argv[1] is a pointer, filename[0] a char', () => {
    expect(elements('tracepoint:syscalls:sys_enter_execve { @a = args->argv[1]; @f = args.filename[2]; }')).toEqual({
      '@a': ['uint64', { kind: 'pointer', offset: 8, size: 8, space: 'program' }],
      '@f': ['int8', { kind: 'pointer', offset: 2, size: 1, space: 'program' }],
    });
  });

  it('reads kernel struct array members and what BTF pointers point to', () => {
    expect(elements('BEGIN { @i = curtask->ids[3]; @c = curtask->counts[2]; @p = curtask->parents[1]->pid; @q = curtask->parents[0]; }')).toEqual({
      '@i': ['uint32', { kind: 'member', offset: 12, size: 4 }],
      '@c': ['uint64', { kind: 'pointer', offset: 16, size: 8, space: 'kernel' }],
      '@p': ['int32', undefined],
      '@q': ['struct task_struct *', { kind: 'member', offset: 0, size: 8 }],
    });
  });

  it('reports what bpftrace 0.17 reports', () => {
    expect(errors('tracepoint:raw_syscalls:sys_enter { @ = args.args[6]; }')).toEqual(['41-53: the index 6 is out of bounds for array of size 6']);
    expect(errors('tracepoint:raw_syscalls:sys_enter { $i = 1; @ = args.args[$i]; }')).toEqual(['49-62: The array index operator [] only accepts literal integer indices.']);
    expect(errors('BEGIN { @ = curtask->ids[4]; }')).toEqual(['13-28: the index 4 is out of bounds for array of size 4']);
    expect(errors('BEGIN { $x = 5; @ = $x[0]; }')).toEqual(['21-26: The array index operator [] can only be used on arrays and pointers, found int64.']);
    expect(errors('BEGIN { @ = curtask->stack[0]; }')).toEqual(['13-30: The array index operator [] cannot be used on a pointer to an unsized type (void *).']);
    expect(errors('BEGIN { @ = curtask->ids; }')).toEqual(["13-25: Can not use a value of type 'unsigned int[4]' here: take one of its elements, e.g. [0]"]);
    expect(errors('BEGIN { @ = curtask->ids.x; }')).toEqual(["13-27: Can not access field 'x' on type 'unsigned int[4]': take one of its elements first, e.g. [0]"]);
  });
});

describe('dereference', () => {
  it('reads what a BTF pointer points to, and a u64 at an integer address', () => {
    expect(elements('BEGIN { @a = *curtask->counts; @b = *curtask->real_parent->counts; @c = *(curtask->counts + 8); @d = *0x1000; }')).toEqual({
      '@a': ['uint64', undefined],
      '@b': ['uint64', undefined],
      '@c': ['uint64', undefined],
      '@d': ['uint64', undefined],
    });
    // A pointer to a struct is not a value: take its fields.
    expect(errors('BEGIN { @ = *curtask->parents[0]; }')).toEqual(["13-33: Can not use a value of type 'struct task_struct' here: take one of its fields with ->"]);
    const c = check('BEGIN { @a = *curtask->counts; @d = *0x1000; }');
    const infos = c.probes[0]!.probe.body.stmts.map((st) => (st.kind === 'AssignStmt' && st.value.kind === 'Deref' ? c.indexOf!(st.value, c.probes[0]!.attaches[0]!) : undefined));
    expect(infos).toEqual([
      { kind: 'pointer', offset: 0, size: 8, space: 'kernel' },
      { kind: 'pointer', offset: 0, size: 8, space: 'program' },
    ]);
  });

  it('reports what cannot be dereferenced', () => {
    expect(errors('BEGIN { @ = *curtask; }')).toEqual(["13-21: Can not use a value of type 'struct task_struct' here: take one of its fields with ->"]);
    expect(errors('BEGIN { @ = *curtask->stack; }')).toEqual(['13-28: Can not dereference a pointer to void']);
    expect(errors('BEGIN { @ = *comm; }')).toEqual(["13-18: The * operator can not be used on expressions of type 'string[16]'"]);
  });
});

describe('pointeeOf (tracepoint pointer field types)', () => {
  it('reads the element type out of the C declaration', () => {
    expect(pointeeOf('const char *const *')).toEqual({ type: { kind: 'int', bits: 64, signed: false }, size: 8 });
    expect(pointeeOf('const char *')).toEqual({ type: { kind: 'int', bits: 8, signed: true }, size: 1 });
    expect(pointeeOf('int *')).toEqual({ type: { kind: 'int', bits: 32, signed: true }, size: 4 });
    expect(pointeeOf('unsigned long * vec')).toEqual({ type: { kind: 'int', bits: 64, signed: false }, size: 8 });
    expect(pointeeOf('struct foo *')).toBeUndefined();
    expect(pointeeOf('int')).toBeUndefined();
  });
});

describe('ntop() of byte arrays', () => {
  it('takes 4- and 16-byte tracepoint array fields and kernel char array members, typed as the bytes they are', () => {
    const c = check('tracepoint:sock:inet_sock_set_state { @a = ntop(args->saddr); @b = ntop(args.family, args->saddr_v6); @c = ntop(curtask->comm); }');
    const stmts = c.probes[0]!.probe.body.stmts;
    const addrTypes = stmts.map((st) => (st.kind === 'AssignStmt' && st.value.kind === 'Call' ? typeName(c.typeOf(st.value.args[st.value.args.length - 1]!)) : ''));
    expect(addrTypes).toEqual(['string[4]', 'string[16]', 'string[16]']);
    expect(stmts.map((st) => (st.kind === 'AssignStmt' ? typeName(c.typeOf(st.value)) : ''))).toEqual(['inet', 'inet', 'inet']);
  });

  it('rejects other sizes, and still reads other fields as integers', () => {
    expect(errors('tracepoint:sock:inet_sock_set_state { @a = ntop(args->mac); }')).toEqual(['44-59: ntop() expects an array of 4 or 16 bytes (6 provided)']);
    expect(check('tracepoint:sock:inet_sock_set_state { @a = ntop(args->family); }').probes).toHaveLength(1);
    // An integer member is an integer address, typed like any other expression.
    const c = check('BEGIN { @a = ntop(curtask->pid); }');
    const st = c.probes[0]!.probe.body.stmts[0]!;
    expect(st.kind === 'AssignStmt' && st.value.kind === 'Call' ? typeName(c.typeOf(st.value.args[0]!)) : '').toBe('int32');
    expect(errors('BEGIN { @a = ntop(curtask->ids); }')).toEqual(["19-31: Can not use a value of type 'unsigned int[4]' here: take one of its elements, e.g. [0]"]);
  });
});
