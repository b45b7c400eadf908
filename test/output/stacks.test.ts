// kstack/ustack/ksym/usym as bpftrace 0.17 prints them: the frame layout was taken from its
// real output on this machine (map keys indent frames by 4, values and printf by 8; perf mode
// uses a tab and the address; a missing stack is an empty string).
import { describe, expect, it } from 'vitest';
import type { PrintfLayout } from '../../codegen/object.ts';
import { parseFormat } from '../../lang/semantic/format.ts';
import type { StackType } from '../../lang/types.ts';
import type { MapEntry, Stack } from '../../runtime/events.ts';
import { KernelSymbols } from '../../runtime/ksyms.ts';
import { formatMap } from '../../runtime/output/maps.ts';
import { compilePrintf } from '../../runtime/output/printf.ts';
import { formatStack } from '../../runtime/output/stacks.ts';
import { Symbolizer } from '../../runtime/symbolizer.ts';
import { UserSymbols } from '../../runtime/usyms.ts';

const kstack: StackType = { kind: 'stack', user: false, limit: 127, mode: 'bpftrace' };
const stack = (...frames: string[]): Stack => ({ frames, perf: false });
const SYSCALL = stack('perf_syscall_enter+397', 'syscall_trace_enter+384', 'do_syscall_64+506', 'entry_SYSCALL_64_after_hwframe+118');

describe('stacks in maps', () => {
  it('prints a stack key as bpftrace: frames on their own lines, indented by 4', () => {
    expect(formatMap('@', kstack, true, [{ keys: [SYSCALL], value: 1n }])).toBe(
      '@[\n    perf_syscall_enter+397\n    syscall_trace_enter+384\n    do_syscall_64+506\n    entry_SYSCALL_64_after_hwframe+118\n]: 1\n',
    );
  });

  it('prints a missing stack as an empty key, and sorts entries by value', () => {
    const entries: MapEntry[] = [
      { keys: [stack('a+1')], value: 5n },
      { keys: [stack()], value: 2n },
    ];
    expect(formatMap('@', { kind: 'agg', fn: 'count', signed: false }, true, entries)).toBe('@[]: 2\n@[\n    a+1\n]: 5\n');
  });

  it('joins a stack with other keys by ", " after its last frame', () => {
    const entries: MapEntry[] = [{ keys: [stack('g+15', 'f+28'), stack('perf_syscall_enter+397'), 5n], value: 1n }];
    expect(formatMap('@s', { kind: 'agg', fn: 'count', signed: false }, true, entries)).toBe(
      '@s[\n    g+15\n    f+28\n, \n    perf_syscall_enter+397\n, 5]: 1\n',
    );
  });

  it('indents a stack value by 8, which leaves a blank line after it', () => {
    expect(formatMap('@x', kstack, false, [{ keys: [], value: stack('g+0', 'f+28') }])).toBe('@x: \n        g+0\n        f+28\n\n');
    expect(formatMap('@y', kstack, true, [{ keys: [1n], value: stack() }])).toBe('@y[1]: \n');
  });

  it('perf mode frames carry a tab and the address instead of the indent', () => {
    const s: Stack = { frames: ['\tffffffff812495ca x64_sys_call+1434', '\tffffffff821ef691 do_syscall_64+113'], perf: true };
    expect(formatStack(s, 4)).toBe('\n\tffffffff812495ca x64_sys_call+1434\n\tffffffff821ef691 do_syscall_64+113\n');
  });
});

describe('Symbolizer', () => {
  const kallsyms = 'ffffffff81001000 T do_syscall_64\nffffffff81002000 T entry_SYSCALL_64_after_hwframe\n';
  const stacks = new Map<number, bigint[]>([[7, [0xffffffff81001071n, 0xffffffff81002076n, 0n, 0n]]]);
  const noUser = new UserSymbols({ maps: () => undefined, alive: () => false, elf: () => { throw new Error('none'); }, debugFile: () => undefined });
  const sym = new Symbolizer((user, limit, id) => (user || limit !== 4 ? undefined : stacks.get(id)), () => KernelSymbols.parse(kallsyms), noUser);

  it('reads frames by stack id up to the first zero and names them', () => {
    expect(sym.stack({ ...kstack, limit: 4 }, 7n)).toEqual(stack('do_syscall_64+113', 'entry_SYSCALL_64_after_hwframe+118'));
    expect(sym.stack({ ...kstack, limit: 4, mode: 'perf' }, 7n)).toEqual({
      frames: ['\tffffffff81001071 do_syscall_64+113', '\tffffffff81002076 entry_SYSCALL_64_after_hwframe+118'],
      perf: true,
    });
  });

  it('gives no frames for an error id (the kernel had no stack) or an unknown one', () => {
    expect(sym.stack({ ...kstack, limit: 4 }, BigInt.asUintN(64, -14n))).toEqual(stack());
    expect(sym.stack({ ...kstack, limit: 4 }, 8n)).toEqual(stack());
  });

  it('prints unresolved user frames and symbols as hex, perf mode with [unknown]', () => {
    const u = new Symbolizer(() => [0x55dc5102d168n, 0n], () => KernelSymbols.parse(''), noUser);
    const ustack: StackType = { kind: 'stack', user: true, limit: 2, mode: 'perf' };
    expect(u.stack(ustack, (1234n << 32n) | 3n)).toEqual({ frames: ['\t55dc5102d168 0x55dc5102d168 ([unknown])'], perf: true });
    expect(u.usym(0x401000n, 1234)).toBe('0x401000');
    expect(sym.ksym(0xffffffff81001071n)).toBe('do_syscall_64');
    expect(sym.ksym(0n)).toBe('0');
  });

  it('symbolizes printf arguments: stacks indented by 8, symbols by name', () => {
    const parsed = parseFormat('[%s] %s %-8s|\n');
    if (!parsed.ok) throw new Error(parsed.message);
    const layout: PrintfLayout = {
      id: 0,
      parts: parsed.parts,
      args: [
        { offset: 8, type: { ...kstack, limit: 4 } },
        { offset: 16, type: { kind: 'symbol', user: false } },
        { offset: 24, type: { kind: 'symbol', user: true } },
      ],
      size: 40,
    };
    const rec = new DataView(new ArrayBuffer(40));
    rec.setBigUint64(8, 7n, true);
    rec.setBigUint64(16, 0xffffffff81002000n, true);
    rec.setBigUint64(24, 0x1fn, true);
    rec.setBigUint64(32, 99n, true);
    expect(compilePrintf(layout, sym)(rec)).toBe('[\n        do_syscall_64+113\n        entry_SYSCALL_64_after_hwframe+118\n] entry_SYSCALL_64_after_hwframe 0x1f    |\n');
  });
});
