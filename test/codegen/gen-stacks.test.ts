// Code generation for kstack/ustack (bpf_get_stackid into per-(kind, limit) stack maps), ksym/usym and func.
import { describe, expect, test } from 'vitest';
import { Helper } from '../../codegen/helpers.ts';
import { Reg, type Insn } from '../../codegen/insn.ts';
import type { ProgramSpec } from '../../codegen/object.ts';
import { compile } from './gen-compile.ts';

const calls = (p: ProgramSpec): number[] => p.insns.flatMap((i) => (i.kind === 'call' ? [i.helper] : []));

/** The three instructions that set up r1-r3 before each get_stackid call. */
function stackidArgs(p: ProgramSpec): Insn[][] {
  return p.insns.flatMap((i, at) => (i.kind === 'call' && i.helper === Helper.get_stackid ? [p.insns.slice(at - 3, at)] : []));
}

describe('stack maps', () => {
  test('one stack_trace map per (kernel/user, limit), shared across modes, key u32 and limit u64 frames', () => {
    const obj = compile('profile:hz:99 { @a[kstack] = count(); @b[kstack(perf)] = count(); @c[ustack(5)] = count(); @d[kstack(perf, 5)] = count(); }');
    expect(obj.maps.filter((m) => m.role === 'stack')).toEqual([
      { name: '.kstack127', role: 'stack', kind: 'stack_trace', keySize: 4, valueSize: 1016, maxEntries: 4096 },
      { name: '.kstack5', role: 'stack', kind: 'stack_trace', keySize: 4, valueSize: 40, maxEntries: 4096 },
      { name: '.ustack5', role: 'stack', kind: 'stack_trace', keySize: 4, valueSize: 40, maxEntries: 4096 },
    ]);
  });

  test('none without stacks', () => {
    expect(compile('profile:hz:99 { @[ksym(1)] = count(); }').maps.some((m) => m.role === 'stack')).toBe(false);
  });
});

describe('kstack and ustack', () => {
  test('kstack is get_stackid(ctx, map, 0), stored as an 8-byte key', () => {
    const [p] = compile('profile:hz:99 { @[kstack] = count(); }').programs;
    expect(p!.insns[0]).toEqual({ kind: 'alu', op: 'mov', width: 64, dst: Reg.R6, src: { reg: Reg.R1 } });
    expect(stackidArgs(p!)).toEqual([
      [
        { kind: 'alu', op: 'mov', width: 64, dst: Reg.R1, src: { reg: Reg.R6 } },
        { kind: 'ld_map_fd', dst: Reg.R2, map: '.kstack127' },
        { kind: 'alu', op: 'mov', width: 64, dst: Reg.R3, src: { imm: 0 } },
      ],
    ]);
    expect(calls(p!)).not.toContain(Helper.get_current_pid_tgid);
  });

  test('ustack passes BPF_F_USER_STACK and puts the pid in the upper 32 bits', () => {
    const [p] = compile('tracepoint:syscalls:sys_enter_openat { @[ustack(3)] = count(); }').programs;
    expect(stackidArgs(p!)[0]![1]).toEqual({ kind: 'ld_map_fd', dst: Reg.R2, map: '.ustack3' });
    expect(stackidArgs(p!)[0]![2]).toEqual({ kind: 'alu', op: 'mov', width: 64, dst: Reg.R3, src: { imm: 256 } });
    const at = p!.insns.findIndex((i) => i.kind === 'call' && i.helper === Helper.get_stackid);
    expect(p!.insns.slice(at + 1, at + 6)).toEqual([
      { kind: 'alu', op: 'mov', width: 32, dst: Reg.R7, src: { reg: Reg.R0 } },
      { kind: 'call', helper: Helper.get_current_pid_tgid },
      { kind: 'alu', op: 'rsh', width: 64, dst: Reg.R0, src: { imm: 32 } },
      { kind: 'alu', op: 'lsh', width: 64, dst: Reg.R0, src: { imm: 32 } },
      { kind: 'alu', op: 'or', width: 64, dst: Reg.R0, src: { reg: Reg.R7 } },
    ]);
  });

  test('stacks go into printf records and map values as u64s', () => {
    const obj = compile('profile:hz:99 { printf("%s %s\\n", kstack(2), ustack); @v[cpu] = kstack(2); }');
    expect(obj.printfs[0]!.args.map((a) => [a.offset, a.type])).toEqual([
      [8, { kind: 'stack', user: false, limit: 2, mode: 'bpftrace' }],
      [16, { kind: 'stack', user: true, limit: 127, mode: 'bpftrace' }],
    ]);
    expect(obj.maps.find((m) => m.name === '@v')).toMatchObject({ keySize: 8, valueSize: 8, kind: 'hash' });
  });
});

describe('ksym, usym and func', () => {
  test('ksym keeps the address (8 bytes); usym adds the pid (16 bytes)', () => {
    const obj = compile('uprobe:app:add { @k[ksym(arg0)] = count(); @u[usym(arg1)] = count(); }');
    expect(obj.maps.find((m) => m.name === '@k')!.keySize).toBe(8);
    expect(obj.maps.find((m) => m.name === '@u')!.keySize).toBe(16);
    const p = obj.programs[0]!;
    expect(calls(p)).toContain(Helper.get_current_pid_tgid);
    expect(calls(p)).not.toContain(Helper.get_stackid);
  });

  test('func is the probed function as a constant string', () => {
    const obj = compile('uprobe:app:add* { printf("%s\\n", func); }');
    expect(obj.printfs[0]!.args[0]!.type).toEqual({ kind: 'string', size: 8 });
    const words = (p: ProgramSpec) => p.insns.flatMap((i) => (i.kind === 'st' && i.size === 8 && i.off > -64 ? [i.imm] : []));
    // "add\0" and "add_one\0" as little-endian words.
    expect(words(obj.programs[0]!)).toContain(0x646461);
    expect(obj.programs[1]!.insns.some((i) => i.kind === 'ld_imm64' && i.imm === 0x656e6f5f646461n)).toBe(true);
  });
});
