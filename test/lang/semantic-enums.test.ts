// Bare identifiers that name kernel enumerators (BTF) are u64 constants, as in bpftrace 0.17.
import { describe, expect, it } from 'vitest';
import type { Builtin, Expr } from '../../lang/ast.ts';
import type { CheckedProgram } from '../../lang/checked.ts';
import { CompileError, formatDiagnostics } from '../../lang/diagnostics.ts';
import type { KernelEnvironment, KernelTypes } from '../../lang/env.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { typeName } from '../../lang/types.ts';
import { FAKE_KERNEL_TYPES } from '../support/fake-btf.ts';
import { fakeEnv } from '../support/fake-env.ts';

function env(types: KernelTypes | undefined, asked?: string[]): KernelEnvironment {
  const base = fakeEnv({});
  return {
    ...base,
    kernelTypes: () => {
      asked?.push('kernelTypes');
      return types;
    },
  };
}

function check(src: string, e = env(FAKE_KERNEL_TYPES)): CheckedProgram {
  return analyze(parse(new SourceFile('stdin', src)), e, { positionals: [] }).checked;
}

function errors(src: string, e = env(FAKE_KERNEL_TYPES)): string {
  try {
    check(src, e);
  } catch (err) {
    if (err instanceof CompileError) return formatDiagnostics(err.diagnostics, new SourceFile('stdin', src));
    throw err;
  }
  throw new Error('expected a compile error');
}

/** The identifiers of the first statement's printf/assignment with their types and values. */
function identifiers(c: CheckedProgram): [string, string, bigint | undefined][] {
  const out: [string, string, bigint | undefined][] = [];
  const visit = (e: Expr): void => {
    if (e.kind === 'Builtin') out.push([e.name, typeName(c.typeOf(e)), c.constantOf!(e as Builtin)]);
    if (e.kind === 'Call') e.args.forEach(visit);
    if (e.kind === 'Binary') { visit(e.left); visit(e.right); }
    if (e.kind === 'Unary') visit(e.operand);
  };
  for (const s of c.probes[0]!.probe.body.stmts) {
    if (s.kind === 'ExprStmt') visit(s.expr);
    if (s.kind === 'AssignStmt') visit(s.value);
  }
  return out;
}

describe('kernel enum constants', () => {
  it('types enumerators as u64 constants with their values (negative ones wrapped), builtins untouched', () => {
    const c = check('BEGIN { printf("%d %d %d %d %d\\n", TCP_ESTABLISHED, NEG_ONE, BIG64, -TCP_CLOSE, pid); }');
    expect(identifiers(c)).toEqual([
      ['TCP_ESTABLISHED', 'uint64', 1n],
      ['NEG_ONE', 'uint64', (1n << 64n) - 1n],
      ['BIG64', 'uint64', 1n << 40n],
      ['TCP_CLOSE', 'uint64', 7n],
      ['pid', 'uint32', undefined],
    ]);
  });

  it('an enumerator assigned to a map and a variable types them as u64', () => {
    const c = check('BEGIN { $s = TCP_CLOSE; @m[TCP_ESTABLISHED] = $s; }');
    expect(typeName(c.maps.get('@m')!.value)).toBe('uint64');
    expect(c.maps.get('@m')!.keys.map(typeName)).toEqual(['uint64']);
  });

  it('an identifier no enum declares is still an unknown identifier', () => {
    expect(errors('BEGIN { printf("%d\\n", TASK_RUNNING); }')).toBe(
      "stdin:1:24-36: ERROR: Unknown identifier: 'TASK_RUNNING'\nBEGIN { printf(\"%d\\n\", TASK_RUNNING); }\n                       ~~~~~~~~~~~~",
    );
  });

  it('without BTF an enumerator name is an unknown identifier', () => {
    expect(errors('BEGIN { @ = TCP_ESTABLISHED; }', env(undefined))).toContain("ERROR: Unknown identifier: 'TCP_ESTABLISHED'");
  });

  it('a builtin that is not supported keeps its message even if an enum declared the name', () => {
    const withUsername: KernelTypes = { ...FAKE_KERNEL_TYPES, enumerator: () => 5n };
    expect(errors('BEGIN { @ = username; }', env(withUsername))).toContain('ERROR: The username builtin is not supported yet');
  });

  it('reads BTF only when an unknown identifier appears', () => {
    const asked: string[] = [];
    check('BEGIN { @ = pid + 1; }', env(FAKE_KERNEL_TYPES, asked));
    expect(asked).toEqual([]);
    check('BEGIN { @ = TCP_CLOSE; }', env(FAKE_KERNEL_TYPES, asked));
    expect(asked).toEqual(['kernelTypes']);
  });
});
