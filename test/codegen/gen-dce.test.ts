import { describe, expect, test } from 'vitest';
import { Assembler } from '../../codegen/asm.ts';
import { removeUnreachable } from '../../codegen/gen/dce.ts';
import { Reg } from '../../codegen/insn.ts';
import { exit, imm, ldImm64, mov } from '../../codegen/ops.ts';
import { SourceFile } from '../../lang/source.ts';

const src = new SourceFile('t', 'abcdef');

describe('removeUnreachable', () => {
  test('drops dead code and re-targets jumps across two-slot instructions', () => {
    const a = new Assembler();
    const end = a.newLabel('end');
    const skip = a.newLabel('skip');
    a.withSpan(src.span(0, 1), () => {
      a.jmp('jeq', Reg.R1, imm(0), skip);
      a.emit(ldImm64(Reg.R0, 1n << 40n));
      a.ja(end);
      a.emit(mov(Reg.R0, imm(7))); // unreachable
    });
    a.bind(skip);
    a.withSpan(src.span(2, 3), () => a.emit(ldImm64(Reg.R0, 2n << 40n)));
    a.bind(end);
    a.emit(exit());
    const out = removeUnreachable(a.finish());
    expect(out.insns).toEqual([
      { kind: 'jmp', op: 'jeq', width: 64, dst: Reg.R1, src: { imm: 0 }, off: 3 },
      { kind: 'ld_imm64', dst: Reg.R0, imm: 1n << 40n },
      { kind: 'ja', off: 2 },
      { kind: 'ld_imm64', dst: Reg.R0, imm: 2n << 40n },
      { kind: 'exit' },
    ]);
    expect(out.spans.map((s) => s?.offset)).toEqual([0, 0, 0, 2, undefined]);
  });

  test('drops jumps to the next instruction, keeping jumps over them right', () => {
    const a = new Assembler();
    const l1 = a.newLabel();
    const l2 = a.newLabel();
    a.jmp('jne', Reg.R1, imm(1), l2);
    a.ja(l1);
    a.bind(l1);
    a.bind(l2);
    a.emit(mov(Reg.R0, imm(0)), exit());
    expect(removeUnreachable(a.finish()).insns).toEqual([
      { kind: 'jmp', op: 'jne', width: 64, dst: Reg.R1, src: { imm: 1 }, off: 0 },
      mov(Reg.R0, imm(0)),
      exit(),
    ]);
  });
});
