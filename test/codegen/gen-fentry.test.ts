import { describe, expect, test } from 'vitest';
import { dumpProgram } from '../../codegen/dump.ts';
import { generate } from '../../codegen/gen/index.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Reg, type Insn } from '../../codegen/insn.ts';
import type { ProgramSpec } from '../../codegen/object.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { FAKE_KERNEL_FUNCTIONS, fakeEnv } from '../support/fake-env.ts';

function programs(text: string, hasFentry = true): readonly ProgramSpec[] {
  const kernelFunctions = [
    ...FAKE_KERNEL_FUNCTIONS,
    { name: 'get_file', btfId: 1234, params: [{ name: 'f', cType: 'struct file *', shape: { kind: 'pointer' } }], returns: { cType: 'struct file *', shape: { kind: 'pointer' } } },
  ] as const;
  const { checked } = analyze(parse(new SourceFile('stdin', text)), fakeEnv({ hasFentry, kernelFunctions }), { positionals: [] });
  return generate(checked).programs;
}

function only(text: string, hasFentry = true): ProgramSpec {
  const ps = programs(text, hasFentry);
  expect(ps).toHaveLength(1);
  return ps[0]!;
}

/** Loads from ctx (r6) as [size, offset]. */
function ctxLoads(p: ProgramSpec): [number, number][] {
  return p.insns.flatMap((i) => (i.kind === 'ldx' && i.src === Reg.R6 ? [[i.size, i.off] as [number, number]] : []));
}

/** ctx offsets copied with probe_read_kernel (`r3 = r6; r3 += off; call`): pointer slots. */
function ctxCopies(p: ProgramSpec): number[] {
  const out: number[] = [];
  p.insns.forEach((i, k) => {
    const [add, c] = [p.insns[k + 1], p.insns[k + 2]];
    if (i.kind === 'alu' && i.op === 'mov' && i.dst === Reg.R3 && 'reg' in i.src && i.src.reg === Reg.R6 &&
        add?.kind === 'alu' && add.op === 'add' && 'imm' in add.src && c?.kind === 'call' && c.helper === Helper.probe_read_kernel) {
      out.push(add.src.imm);
    }
  });
  return out;
}

function calls(p: ProgramSpec): number[] {
  return p.insns.flatMap((i) => (i.kind === 'call' ? [i.helper] : []));
}

/** The instructions right after the ctx load at `off`. */
function after(p: ProgramSpec, off: number, n: number): Insn[] {
  const at = p.insns.findIndex((i) => i.kind === 'ldx' && i.src === Reg.R6 && i.off === off);
  return p.insns.slice(at + 1, at + 1 + n);
}

describe('fentry/fexit programs', () => {
  test('are tracing programs named after the function', () => {
    const [entry, exit] = programs('fentry:do_sys_openat2 { @a = count(); } fexit:vfs_read { @b = count(); }');
    expect([entry!.progType, entry!.name, entry!.attach.resolved.kind]).toEqual(['tracing', 'fentry_do_sys_o', 'fentry']);
    expect([exit!.progType, exit!.name]).toEqual(['tracing', 'fexit_vfs_read']);
    expect(dumpProgram(entry!).split('\n')[0]).toMatch(/^; program fentry_do_sys_o \(tracing\) for fentry:do_sys_openat2: \d+ instructions/);
  });

  test('read args.NAME from ctx slot 8*i at the parameter width, sign-extending signed ints', () => {
    const p = only('fentry:do_sys_openat2 { @[args.dfd, args.how] = count(); }');
    expect(ctxLoads(p)).toEqual([[4, 0]]);
    expect(ctxCopies(p)).toEqual([16]);
    const dst = p.insns.find((i) => i.kind === 'ldx' && i.src === Reg.R6 && i.off === 0)!;
    if (dst.kind !== 'ldx') throw new Error('unreachable');
    expect(after(p, 0, 2)).toEqual([
      { kind: 'alu', op: 'lsh', width: 64, dst: dst.dst, src: { imm: 32 } },
      { kind: 'alu', op: 'arsh', width: 64, dst: dst.dst, src: { imm: 32 } },
    ]);
    expect(ctxLoads(only('fentry:vfs_read { @ = sum(args.count); }'))).toEqual([[8, 16]]);
  });

  test('pointer parameters are copied out of ctx with probe_read_kernel, so they are plain numbers', () => {
    // A direct load would give the verifier a typed kernel pointer, on which & and * are refused.
    const p = only('fentry:do_sys_openat2 { @[args.how & 0xff, args.how * 2] = count(); }');
    expect(ctxLoads(p)).toEqual([]);
    expect(ctxCopies(p)).toEqual([16, 16]);
  });

  test('str(args.p) reads with the compat helper, which picks user or kernel memory by address', () => {
    const p = only('fentry:do_sys_openat2 { @[str(args.filename)] = count(); }');
    expect(ctxCopies(p)).toEqual([8]);
    expect(calls(p)).toContain(Helper.probe_read_str);
    expect(calls(p)).not.toContain(Helper.probe_read_user_str);
    expect(calls(p)).not.toContain(Helper.probe_read_kernel_str);
  });

  test('retval in fexit is the slot after the parameters, at the return type width', () => {
    expect(ctxLoads(only('fexit:vfs_read { @ = sum(retval); }'))).toEqual([[8, 32]]);
    const p = only('fexit:do_sys_openat2 { @ = sum(retval); }');
    expect(ctxLoads(p)).toEqual([[4, 24]]);
    expect(after(p, 24, 2).map((i) => (i.kind === 'alu' ? [i.op, i.src] : i.kind))).toEqual([
      ['lsh', { imm: 32 }],
      ['arsh', { imm: 32 }],
    ]);
    // A pointer return is copied out like a pointer parameter.
    const ptr = only('fexit:get_file { @[retval & 7, args.f] = count(); }');
    expect([ctxLoads(ptr), ctxCopies(ptr)]).toEqual([[], [8, 0]]);
    // Unsigned: no sign extension after the narrow load. The 16-byte struct parameter before
    // `small` takes two slots, so small is at 16 and the return value at 24.
    const u = only('fexit:fake_by_value { @ = sum(retval); @s = sum(args.small); }');
    expect(ctxLoads(u)).toEqual([[1, 24], [2, 16]]);
    expect(after(u, 24, 1)[0]).not.toMatchObject({ kind: 'alu', op: 'lsh' });
  });

  test('the syscall tracepoint fallback compiles as a tracepoint program reading the record', () => {
    const p = only('fentry:sys_openat { @[str(args.filename)] = count(); }', false);
    expect([p.progType, p.name, p.attach.resolved.kind]).toEqual(['tracepoint', 'fentry_sys_open', 'tracepoint']);
    expect(ctxLoads(p)).toEqual([[8, 24]]);
    expect(calls(p)).toContain(Helper.probe_read_user_str);
    const r = only('fexit:sys_openat { @ = sum(retval); }', false);
    expect([r.progType, ctxLoads(r)]).toEqual(['tracepoint', [[8, 16]]]);
  });
});
