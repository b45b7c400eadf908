import { describe, expect, it } from 'vitest';
import type { FieldAccess } from '../../lang/ast.ts';
import type { CheckedProgram } from '../../lang/checked.ts';
import { CompileError, formatDiagnostics } from '../../lang/diagnostics.ts';
import type { KernelEnvironment, KernelFunction } from '../../lang/env.ts';
import { parse } from '../../lang/parser.ts';
import { printProgram } from '../../lang/printer.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { typeName } from '../../lang/types.ts';
import { FAKE_KERNEL_TYPES, FT } from '../support/fake-btf.ts';
import { fakeEnv } from '../support/fake-env.ts';

const OPENAT2: KernelFunction = {
  name: 'do_sys_openat2',
  btfId: 76201,
  params: [
    { name: 'dfd', cType: 'int', shape: { kind: 'int', size: 4, signed: true } },
    { name: 'how', cType: 'struct open_how *', shape: { kind: 'pointer', target: FT.openHowPtr - 1 } },
  ],
  returns: { cType: 'long', shape: { kind: 'int', size: 8, signed: true } },
};

function env(btf = true): KernelEnvironment {
  const base = fakeEnv({ hasKprobes: true, hasFentry: true, kernelFunctions: [OPENAT2] });
  return btf ? { ...base, kernelTypes: () => FAKE_KERNEL_TYPES } : base;
}

function check(src: string, btf = true): CheckedProgram {
  return analyze(parse(new SourceFile('stdin', src)), env(btf), { positionals: [] }).checked;
}

/** Map name -> type name of the expression assigned to it. */
function assigned(src: string, btf = true): Record<string, string> {
  const c = check(src, btf);
  const out: Record<string, string> = {};
  for (const p of c.probes) {
    for (const s of p.probe.body.stmts) {
      if (s.kind === 'AssignStmt' && s.target.kind === 'MapAccess') out[s.target.name] = typeName(c.typeOf(s.value));
    }
  }
  return out;
}

function errors(src: string, btf = true): string {
  const source = new SourceFile('stdin', src);
  try {
    analyze(parse(source), env(btf), { positionals: [] });
  } catch (e) {
    if (!(e instanceof CompileError)) throw e;
    return formatDiagnostics(e.diagnostics, source);
  }
  throw new Error('expected errors');
}

describe('pointer casts in the parser', () => {
  it('parses (struct NAME *) and (union NAME **) as Cast nodes and prints them back', () => {
    const prog = parse(new SourceFile('stdin', 'BEGIN { @ = (struct sock *)arg0 + (union u **)0; @b = (sock)->x; }'));
    const stmts = prog.probes[0]!.body.stmts;
    const first = stmts[0]!.kind === 'AssignStmt' ? stmts[0]!.value : undefined;
    expect(first).toMatchObject({
      kind: 'Binary',
      left: { kind: 'Cast', typeName: 'struct sock *', operand: { kind: 'Builtin', name: 'arg0' } },
      right: { kind: 'Cast', typeName: 'union u **', operand: { kind: 'IntLit', value: 0n } },
    });
    // Without `struct`, a parenthesized name is an expression, not a cast.
    expect(stmts[1]).toMatchObject({ kind: 'AssignStmt', value: { kind: 'FieldAccess', object: { kind: 'Builtin', name: 'sock' }, field: 'x' } });
    expect(printProgram(prog)).toContain('(struct sock *)arg0 + (union u **)0');
  });

  it('rejects pointers to pointers in semantic analysis', () => {
    expect(errors('BEGIN { @ = (struct sock **)0; }')).toContain('ERROR: Casts to pointers to pointers (struct sock **) are not supported yet');
  });
});

describe('kernel struct members through BTF', () => {
  it('types curtask, casts and member chains from the struct layouts', () => {
    expect(
      assigned(
        'BEGIN { $t = (struct task_struct *)curtask; @a = curtask; @b = $t->real_parent->pid; @c = str($t->comm); @d = $t.comm; ' +
          '@e = curtask->mm->mmap_base; @f = curtask->mm; @g = $t->stack; @h = curtask.flags2; @i = curtask->sched_reset_on_fork; }',
      ),
    ).toEqual({
      '@a': 'struct task_struct *', '@b': 'int32', '@c': 'string[16]', '@d': 'string[16]', '@e': 'uint64',
      '@f': 'struct mm_struct *', '@g': 'void *', '@h': 'uint32', '@i': 'uint64',
    });
  });

  it('records where each access reads: through a pointer, or inside an embedded struct', () => {
    const c = check('kprobe:tcp_connect { @ = ((struct sock *)arg0)->__sk_common.skc_dport; @x = curtask->real_parent->tgid; }');
    const [dport, tgid] = c.probes[0]!.probe.body.stmts.map((s) => (s.kind === 'AssignStmt' ? (s.value as FieldAccess) : undefined));
    expect(c.memberOf!(dport!)).toEqual({ via: 'record', offset: 12, size: 2, record: false });
    expect(c.memberOf!(dport!.object as FieldAccess)).toEqual({ via: 'pointer', offset: 8, size: 136, record: true });
    expect(c.memberOf!(tgid!)).toEqual({ via: 'pointer', offset: 2468, size: 4, record: false });
    expect(c.memberOf!(tgid!.object as FieldAccess)).toEqual({ via: 'pointer', offset: 2480, size: 8, record: false });
    expect(typeName(c.typeOf(dport!))).toBe('uint16');
  });

  it('a bitfield records its shift and width; an anonymous union member is found at its offset', () => {
    const c = check('BEGIN { @a = curtask->sched_reset_on_fork; @b = curtask->flags3; }');
    const [a, b] = c.probes[0]!.probe.body.stmts.map((s) => (s.kind === 'AssignStmt' ? (s.value as FieldAccess) : undefined));
    expect(c.memberOf!(a!)).toEqual({ via: 'pointer', offset: 1200, size: 1, record: false, bitfield: { shift: 3, bits: 1 } });
    expect(c.memberOf!(b!)).toEqual({ via: 'pointer', offset: 16, size: 8, record: false });
  });

  it('follows fentry struct pointer parameters (args.how->flags, args.how.mode)', () => {
    expect(assigned('fentry:do_sys_openat2 { @a = args.how->flags; @b = args.how.mode; @c = args.how; }')).toEqual({
      '@a': 'uint64', '@b': 'uint64', '@c': 'struct open_how *',
    });
  });

  it('a scratch variable and a map keep the pointer type; it names the type in mismatches', () => {
    expect(errors('BEGIN { @p = curtask; @p = comm; }')).toBe(
      "stdin:1:23-25: ERROR: Type mismatch for @p: trying to assign value of type 'string[16]' when map already contains a value of type 'struct task_struct *'\n" +
        'BEGIN { @p = curtask; @p = comm; }\n' +
        '                      ~~',
    );
  });

  it('pointers to different structs clash in one variable; a plain integer does not', () => {
    expect(errors('kprobe:f { $p = curtask; $p = (struct sock *)arg0; }')).toContain(
      "ERROR: Type mismatch for $p: trying to assign value of type 'struct sock *' when variable already contains a value of type 'struct task_struct *'",
    );
    expect(assigned('BEGIN { $p = curtask; $p = 0; @ = $p->pid; }')).toEqual({ '@': 'int32' });
  });

  it('reports an unknown field with the struct type', () => {
    expect(errors('BEGIN { $t = curtask; @ = $t->real_parent->nope; }')).toBe(
      "stdin:1:27-48: ERROR: Struct/union of type 'struct task_struct' does not contain a field named 'nope'\n" +
        'BEGIN { $t = curtask; @ = $t->real_parent->nope; }\n' +
        '                          ~~~~~~~~~~~~~~~~~~~~~',
    );
  });

  it('reports an unknown struct in a cast with a hint', () => {
    expect(errors('BEGIN { @ = ((struct nosuch *)0)->x; }')).toBe(
      'stdin:1:14-32: ERROR: Cannot resolve unknown type "struct nosuch"\n' +
        'BEGIN { @ = ((struct nosuch *)0)->x; }\n' +
        '             ~~~~~~~~~~~~~~~~~~\n' +
        "HINT: the kernel's BTF has no struct named 'nosuch'; check the spelling",
    );
  });

  it('rejects fields of non-pointers, struct values, casts of strings and missing BTF', () => {
    expect(errors('BEGIN { @ = pid->x; }')).toContain("ERROR: Can not access field 'x' on expression of type 'uint32'");
    expect(errors('BEGIN { @ = curtask->mm->map_count->x; }')).toContain("ERROR: Can not access field 'x' on expression of type 'int32'");
    expect(errors('kprobe:f { @ = ((struct sock *)arg0)->__sk_common; }')).toContain(
      "ERROR: Can not use a value of type 'struct sock_common' here: take one of its fields",
    );
    expect(errors('BEGIN { @ = (struct sock *)comm; }')).toContain('ERROR: Casts are not supported for type: "string[16]"');
    expect(errors('BEGIN { @ = curtask->stack->x; }')).toContain("ERROR: Can not access field 'x' on type 'void'");
    expect(errors('BEGIN { @ = (struct sock *)0; }', false)).toContain(
      'ERROR: Cannot resolve type "struct sock": kernel struct types need the kernel\'s BTF (/sys/kernel/btf/vmlinux), which this system does not have',
    );
    // Without BTF curtask is the task's address, a plain integer.
    expect(assigned('BEGIN { @ = curtask; }', false)).toEqual({ '@': 'uint64' });
  });
});
