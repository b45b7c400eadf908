import { describe, expect, it } from 'vitest';
import { Assembler } from '../../codegen/asm.ts';
import { Reg } from '../../codegen/insn.ts';
import { exit, imm, ldImm64, ldMapFd, mov, reg } from '../../codegen/ops.ts';
import type { Span } from '../../lang/source.ts';

const span = (line: number): Span => ({ file: 'stdin', line, column: 1, offset: 0, endLine: line, endColumn: 5, endOffset: 4 });

describe('Assembler', () => {
  it('resolves a forward label to the slot after the skipped instructions', () => {
    const a = new Assembler();
    const done = a.newLabel('done');
    a.jmp('jeq', Reg.R0, imm(0), done);
    a.emit(mov(Reg.R0, imm(1)), mov(Reg.R0, imm(2)));
    a.bind(done);
    a.emit(exit());
    const { insns } = a.finish();
    expect(insns[0]).toEqual({ kind: 'jmp', op: 'jeq', width: 64, dst: Reg.R0, src: { imm: 0 }, off: 2 });
  });

  it('resolves a backward label to a negative offset (loop to itself is -1)', () => {
    const a = new Assembler();
    const top = a.newLabel('top');
    a.bind(top);
    a.emit(mov(Reg.R1, imm(0)));
    a.jmp('jlt', Reg.R1, reg(Reg.R2), top, 32);
    const self = a.newLabel('self');
    a.bind(self);
    a.ja(self);
    const { insns } = a.finish();
    expect(insns[1]).toEqual({ kind: 'jmp', op: 'jlt', width: 32, dst: Reg.R1, src: { reg: Reg.R2 }, off: -2 });
    expect(insns[2]).toEqual({ kind: 'ja', off: -1 });
  });

  it('counts ld_imm64 and ld_map_fd as two slots in both directions', () => {
    const a = new Assembler();
    const top = a.newLabel();
    const end = a.newLabel();
    a.bind(top);
    a.ja(end); // skips two wide loads: 4 slots
    a.emit(ldImm64(Reg.R1, 1n << 40n), ldMapFd(Reg.R2, '@m'));
    a.bind(end);
    a.jmp('jne', Reg.R0, imm(0), top); // at slot 5, back to 0
    const { insns } = a.finish();
    expect(insns[0]).toEqual({ kind: 'ja', off: 4 });
    expect(insns[3]).toEqual({ kind: 'jmp', op: 'jne', width: 64, dst: Reg.R0, src: { imm: 0 }, off: -6 });
  });

  it('allows a label bound past the last instruction', () => {
    const a = new Assembler();
    const end = a.newLabel();
    a.ja(end);
    a.bind(end);
    expect(a.finish().insns).toEqual([{ kind: 'ja', off: 0 }]);
  });

  it('throws on a jump to a label never bound', () => {
    const a = new Assembler();
    const lost = a.newLabel('lost');
    a.ja(lost);
    expect(() => a.finish()).toThrow('label lost0 never bound');
  });

  it('throws when a label is bound twice', () => {
    const a = new Assembler();
    const l = a.newLabel('x');
    a.bind(l);
    expect(() => a.bind(l)).toThrow('label x0 bound twice');
  });

  it('numbers labels per assembler', () => {
    const a = new Assembler();
    expect([a.newLabel().name, a.newLabel('exit').name, a.newLabel().name]).toEqual(['L0', 'exit1', 'L2']);
  });

  it('carries the active span per instruction, restoring the outer span after withSpan', () => {
    const a = new Assembler();
    const l = a.newLabel();
    a.emit(mov(Reg.R0, imm(0)));
    a.withSpan(span(1), () => {
      a.emit(mov(Reg.R1, imm(1)));
      a.withSpan(span(2), () => a.ja(l));
      a.withSpan(undefined, () => a.emit(mov(Reg.R2, imm(2)))); // keeps the enclosing span
      a.bind(l);
      a.emit(ldImm64(Reg.R3, 3n));
    });
    a.emit(exit());
    const { insns, spans } = a.finish();
    expect(insns).toHaveLength(6);
    expect(spans.map((s) => s?.line)).toEqual([undefined, 1, 2, 1, 1, undefined]);
    expect(a.length).toBe(6);
  });

  it('restores the span when the callback throws', () => {
    const a = new Assembler();
    expect(() => a.withSpan(span(4), () => { throw new Error('boom'); })).toThrow('boom');
    a.emit(exit());
    expect(a.finish().spans).toEqual([undefined]);
  });
});
