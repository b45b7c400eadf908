import { describe, expect, test } from 'vitest';
import { generate } from '../../codegen/gen/index.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Reg, type Insn } from '../../codegen/insn.ts';
import type { ProgramSpec } from '../../codegen/object.ts';
import { parse } from '../../lang/parser.ts';
import type { TracepointFormat } from '../../lang/env.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { FAKE_KERNEL_TYPES } from '../support/fake-btf.ts';
import { FAKE_TRACEPOINTS, fakeEnv } from '../support/fake-env.ts';

const NANOSLEEP: TracepointFormat = {
  category: 'syscalls',
  event: 'sys_enter_clock_nanosleep',
  id: 900,
  fields: [{ name: 'rqtp', cType: 'const struct __kernel_timespec *', offset: 32, size: 8, signed: false, isCharArray: false }],
};

function only(text: string): ProgramSpec {
  const env = { ...fakeEnv({ hasKprobes: true, tracepoints: [...FAKE_TRACEPOINTS, NANOSLEEP] }), kernelTypes: () => FAKE_KERNEL_TYPES };
  const { checked } = analyze(parse(new SourceFile('stdin', text)), env, { positionals: [] });
  const ps = generate(checked).programs;
  expect(ps).toHaveLength(1);
  return ps[0]!;
}

const calls = (p: ProgramSpec): number[] => p.insns.flatMap((i) => (i.kind === 'call' ? [i.helper] : []));

const immOf = (i: Insn | undefined, op: string, dst: Reg): number | undefined =>
  i?.kind === 'alu' && i.op === op && i.dst === dst && 'imm' in i.src ? i.src.imm : undefined;

/** Each probe_read_kernel as [offset added to r3 before it (0 if none), bytes read]. */
function reads(p: ProgramSpec, helper = Helper.probe_read_kernel): [number, number][] {
  const out: [number, number][] = [];
  p.insns.forEach((i, k) => {
    if (i.kind !== 'call' || i.helper !== helper) return;
    const size = immOf(p.insns[k - 1], 'mov', Reg.R2) ?? -1;
    let off = 0;
    for (let j = k - 2; j >= Math.max(0, k - 8); j--) {
      const a = immOf(p.insns[j], 'add', Reg.R3);
      if (a !== undefined) {
        off = a;
        break;
      }
    }
    out.push([off, size]);
  });
  return out;
}

describe('kernel struct members', () => {
  test('curtask is bpf_get_current_task; each pointer hop is one probe_read_kernel at pointer + offset', () => {
    const p = only('BEGIN { @ = curtask->real_parent->pid; }');
    expect(calls(p).slice(0, 3)).toEqual([Helper.get_current_task, Helper.probe_read_kernel, Helper.probe_read_kernel]);
    expect(reads(p)).toEqual([[2480, 8], [2464, 4]]);
    // pid_t is signed: the 4 loaded bytes are sign-extended.
    const k = p.insns.map((i) => i.kind === 'call' && i.helper === Helper.probe_read_kernel).lastIndexOf(true);
    const [load, lsh, arsh] = p.insns.slice(k + 1, k + 4);
    expect(load).toMatchObject({ kind: 'ldx', size: 4, src: Reg.R10 });
    expect([lsh, arsh]).toMatchObject([{ kind: 'alu', op: 'lsh', src: { imm: 32 } }, { kind: 'alu', op: 'arsh', src: { imm: 32 } }]);
  });

  test('the destination slot is zeroed before the read, so a NULL pointer reads 0', () => {
    const p = only('BEGIN { @ = curtask->mm->map_count; }');
    const k = p.insns.findIndex((i) => i.kind === 'call' && i.helper === Helper.probe_read_kernel);
    const slot = p.insns[k - 2];
    expect(slot).toMatchObject({ kind: 'alu', op: 'add', dst: Reg.R1 });
    const off = slot!.kind === 'alu' && 'imm' in slot.src ? slot.src.imm : NaN;
    expect(p.insns[k - 4]).toEqual({ kind: 'st', size: 8, dst: Reg.R10, off, imm: 0 });
  });

  test('embedded members fold into one read at the summed offset', () => {
    const p = only('kprobe:tcp_connect { @[((struct sock *)arg0)->__sk_common.skc_dport] = count(); }');
    expect(reads(p)).toEqual([[20, 2]]);
    expect(calls(p).filter((h) => h === Helper.probe_read_kernel)).toHaveLength(1);
  });

  test('a bitfield is shifted and masked after the read', () => {
    const p = only('BEGIN { @ = curtask->sched_reset_on_fork; }');
    expect(reads(p)).toEqual([[1200, 1]]);
    const k = p.insns.findIndex((i) => i.kind === 'call' && i.helper === Helper.probe_read_kernel);
    const load = p.insns[k + 1]!;
    if (load.kind !== 'ldx') throw new Error('expected a load');
    expect(p.insns.slice(k + 2, k + 4)).toEqual([
      { kind: 'alu', op: 'rsh', width: 64, dst: load.dst, src: { imm: 3 } },
      { kind: 'alu', op: 'and', width: 64, dst: load.dst, src: { imm: 1 } },
    ]);
  });

  test('char arrays read straight into the string buffer; str() of a BTF pointer reads kernel memory', () => {
    const p = only('tracepoint:syscalls:sys_enter_openat { @[str(curtask->comm), str(curtask->stack)] = count(); }');
    expect(reads(p)).toEqual([[3000, 15], [24, 8]]);
    expect(calls(p)).toContain(Helper.probe_read_kernel_str);
    expect(calls(p)).not.toContain(Helper.probe_read_user_str);
  });

  test('syscall tracepoint struct pointer fields are followed in user memory; casts are kernel pointers', () => {
    const p = only('tracepoint:syscalls:sys_enter_clock_nanosleep { @ = args->rqtp->tv_nsec + ((struct open_how *)args.rqtp)->mode; }');
    expect(calls(p).filter((h) => h === Helper.probe_read_kernel || h === Helper.probe_read_user)).toEqual([Helper.probe_read_user, Helper.probe_read_kernel]);
    expect(reads(p, Helper.probe_read_user)).toEqual([[8, 8]]);
  });
});
