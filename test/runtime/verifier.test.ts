import { describe, expect, it } from 'vitest';
import { Reg } from '../../codegen/insn.ts';
import { exit, imm, ldImm64, ldMapFd, mov } from '../../codegen/ops.ts';
import { LoadError } from '../../runtime/bpf-syscall.ts';
import { failedRelocation, finalComplaint, lastInstructionSlot, loadErrorDiagnostic, slotToInsnIndex } from '../../runtime/verifier.ts';
import { checkedAttach, programSpec, spanAt } from './programs.ts';

// A real 6.18 log (level 1) for a read past the end of an 8-byte map value.
const MAP_LOG = [
  '0: R1=ctx() R10=fp0',
  '0: (62) *(u32 *)(r10 -4) = 0          ; R10=fp0 fp-8=0000????',
  '1: (18) r1 = 0xffff88810439a800       ; R1=map_ptr(ks=4,vs=8)',
  '3: (bf) r2 = r10                      ; R2=fp0 R10=fp0',
  '4: (07) r2 += -4                      ; R2=fp-4',
  '5: (85) call bpf_map_lookup_elem#1    ; R0=map_value(ks=4,vs=8)',
  '6: (15) if r0 == 0x0 goto pc+1        ; R0=map_value(ks=4,vs=8)',
  '7: (79) r1 = *(u64 *)(r0 +8)',
  'invalid access to map value, value_size=8 off=8 size=8',
  'R0 min value is outside of the allowed memory range',
  'processed 7 insns (limit 1000000) max_states_per_insn 0 total_states 0 peak_states 0 mark_read 0',
  '',
].join('\n');

describe('verifier log parsing', () => {
  it('finds the last instruction slot and the complaint after it', () => {
    expect(lastInstructionSlot(MAP_LOG)).toBe(7);
    expect(finalComplaint(MAP_LOG)).toBe(
      'invalid access to map value, value_size=8 off=8 size=8; R0 min value is outside of the allowed memory range',
    );
    expect(lastInstructionSlot('no instructions here')).toBeUndefined();
    expect(finalComplaint('')).toBeUndefined();
    expect(finalComplaint('processed 2 insns (limit 1000000)\n')).toBeUndefined();
  });

  it('maps slots to instructions, counting ld_imm64 as two slots', () => {
    const spec = { insns: [mov(Reg.R0, imm(0)), ldMapFd(Reg.R1, 'm'), ldImm64(Reg.R2, 1n), exit()] };
    expect([0, 1, 2, 3, 4, 5].map((s) => slotToInsnIndex(spec, s))).toEqual([0, 1, 1, 2, 2, 3]);
    expect(slotToInsnIndex(spec, 6)).toBeUndefined();
  });

  it('builds a diagnostic at the failing instruction, or at the probe for an empty log', () => {
    const spec = programSpec('p', 'kprobe', checkedAttach('kprobe:f', { kind: 'kprobe', fn: 'f', offset: 0, ret: false }, spanAt(1, 1, 8)), (a) => {
      a.withSpan(spanAt(2), () => a.emit(mov(Reg.R0, imm(0)), ldMapFd(Reg.R1, 'm')));
      a.withSpan(spanAt(3), () => a.emit(ldImm64(Reg.R2, 1n), mov(Reg.R3, imm(0)), mov(Reg.R4, imm(0)), mov(Reg.R5, imm(0)), exit()));
    });
    const d = loadErrorDiagnostic(spec, new LoadError('p', 13, MAP_LOG));
    expect(d.span).toEqual(spanAt(3)); // slot 7 = instruction 5
    expect(d.message).toBe(
      'the BPF verifier rejected the program for kprobe:f: invalid access to map value, value_size=8 off=8 size=8; R0 min value is outside of the allowed memory range',
    );
    expect(d.notes!.length).toBe(12);

    const eperm = loadErrorDiagnostic(spec, new LoadError('p', 1, ''));
    expect(eperm).toEqual({
      severity: 'error',
      message: 'the kernel refused to load the program for kprobe:f: EPERM',
      span: spanAt(1, 1, 8),
      notes: [
        'loading program p failed: EPERM (operation not permitted)',
        'this kernel does not support this kind of probe (or BPF is restricted by a security policy)',
      ],
    });
  });

  it('names the member when a CO-RE relocation found no target, not the invalid call that replaced it', () => {
    // A real 6.18 log for a relocated load of a task_struct member that does not exist.
    const log = [
      'CO-RE relocating STRUCT task_struct: found target candidate [114]',
      "prog '': relo #0: <byte_off> [6] STRUCT task_struct.nope (0:0 @ offset 0)",
      "prog '': relo #0: non-matching candidate #0 <byte_off> [114] STRUCT task_struct (0 @ offset 0)",
      "prog '': relo #0: no matching targets found",
      "prog '': relo #0: substituting insn #1 w/ invalid insn",
      '0: R1=ctx() R10=fp0',
      '0: (85) call bpf_get_current_task_btf#158     ; R0=trusted_ptr_task_struct()',
      '1: (85) call unknown#195896080',
      'invalid func unknown#195896080',
      '',
    ].join('\n');
    expect(failedRelocation(log)).toBe('task_struct.nope');
    expect(failedRelocation(MAP_LOG)).toBeUndefined();
    const spec = programSpec('p', 'tracepoint', checkedAttach('tracepoint:a:b', { kind: 'begin' }, spanAt(1, 1, 8)), (a) => {
      a.withSpan(spanAt(1), () => a.emit(mov(Reg.R0, imm(0))));
      a.withSpan(spanAt(2), () => a.emit(mov(Reg.R0, imm(0)), exit()));
    });
    const d = loadErrorDiagnostic(spec, new LoadError('p', 22, log));
    expect(d.span).toEqual(spanAt(2));
    expect(d.message).toBe('the kernel could not find task_struct.nope in its BTF for tracepoint:a:b');
  });
});
