// Code generation for uprobes (kprobe programs reading pt_regs and user memory) and for cpid.
import { describe, expect, test } from 'vitest';
import { generate } from '../../codegen/gen/index.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Reg } from '../../codegen/insn.ts';
import { GLOBALS_CPID, type ProgramSpec } from '../../codegen/object.ts';
import { parse } from '../../lang/parser.ts';
import { analyze } from '../../lang/semantic/index.ts';
import { SourceFile } from '../../lang/source.ts';
import { fakeEnv } from '../support/fake-env.ts';

function programs(text: string): readonly ProgramSpec[] {
  const { checked } = analyze(parse(new SourceFile('stdin', text)), fakeEnv(), { positionals: [] });
  return generate(checked).programs;
}

const ctxLoads = (p: ProgramSpec): number[] => p.insns.flatMap((i) => (i.kind === 'ldx' && i.src === Reg.R6 ? [i.off] : []));
const calls = (p: ProgramSpec): number[] => p.insns.flatMap((i) => (i.kind === 'call' ? [i.helper] : []));

describe('uprobe programs', () => {
  test('are kprobe programs whose arguments and return value come from pt_regs', () => {
    const [up, ret] = programs('uprobe:app:add { @[arg0, arg1, arg2, arg3, arg4, arg5] = count(); } uretprobe:app:add { @r = sum(retval); }');
    expect([up!.progType, up!.name, ctxLoads(up!)]).toEqual(['kprobe', 'uprobe_add', [112, 104, 96, 88, 72, 64]]);
    expect([ret!.progType, ret!.name, ctxLoads(ret!)]).toEqual(['kprobe', 'uretprobe_add', [80]]);
  });

  test('str() reads user memory', () => {
    const [p] = programs('uprobe:libc:malloc { @[str(arg0)] = count(); }');
    expect(calls(p!)).toContain(Helper.probe_read_user_str);
    expect(calls(p!)).not.toContain(Helper.probe_read_kernel_str);
  });

  test('one program per wildcard match', () => {
    expect(programs('uprobe:app:add* { @ = count(); }').map((p) => p.attach.probeName)).toEqual([
      'uprobe:/opt/app/bin/app:add',
      'uprobe:/opt/app/bin/app:add_one',
    ]);
  });
});

describe('cpid', () => {
  test('is a u32 loaded from the globals the runtime fills in', () => {
    const { checked } = analyze(parse(new SourceFile('stdin', 'BEGIN { @ = cpid; }')), fakeEnv(), { positionals: [], hasChild: true });
    const obj = generate(checked);
    expect(obj.maps.find((m) => m.role === 'globals')).toMatchObject({ valueSize: 16, kind: 'array' });
    const insns = obj.programs[0]!.insns;
    const at = insns.findIndex((i) => i.kind === 'ld_map_value' && i.offset === GLOBALS_CPID);
    expect(at).toBeGreaterThanOrEqual(0);
    const ld = insns[at]!;
    expect(insns[at + 1]).toEqual({ kind: 'ldx', size: 4, dst: ld.kind === 'ld_map_value' ? ld.dst : -1, src: ld.kind === 'ld_map_value' ? ld.dst : -1, off: 0 });
  });
});
