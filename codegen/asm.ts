// An assembler for one BPF program: instructions are appended in order, jumps name a Label,
// and finish() turns labels into the kernel's slot-relative offsets. Each instruction remembers
// the source span active when it was emitted, so verifier errors and `-d` output can point at
// the script line an instruction came from.
import type { Span } from '../lang/source.ts';
import type { Insn, JmpOp, Operand, Reg } from './insn.ts';
import { slots } from './insn.ts';

/** A jump target. Created by Assembler.newLabel, placed with Assembler.bind. */
export class Label {
  /** @internal */ position: number | undefined = undefined;
  constructor(readonly name: string) {}
}

type Pending =
  | { readonly kind: 'insn'; readonly insn: Insn }
  | { readonly kind: 'jmp'; readonly op: JmpOp; readonly width: 32 | 64; readonly dst: Reg; readonly src: Operand; readonly target: Label }
  | { readonly kind: 'ja'; readonly target: Label };

export interface AssembledProgram {
  readonly insns: readonly Insn[];
  /** spans[i] is the source of insns[i]. */
  readonly spans: readonly (Span | undefined)[];
}

export class Assembler {
  private readonly items: Pending[] = [];
  private readonly itemSpans: (Span | undefined)[] = [];
  private span: Span | undefined = undefined;
  private labelCount = 0;

  /** Number of instructions emitted so far. */
  get length(): number {
    return this.items.length;
  }

  newLabel(hint = 'L'): Label {
    return new Label(`${hint}${this.labelCount++}`);
  }

  /** Places `label` at the next instruction to be emitted. */
  bind(label: Label): void {
    if (label.position !== undefined) throw new Error(`label ${label.name} bound twice`);
    label.position = this.items.length;
  }

  emit(...insns: Insn[]): void {
    for (const insn of insns) this.push({ kind: 'insn', insn });
  }

  /** if (dst OP src) goto target */
  jmp(op: JmpOp, dst: Reg, src: Operand, target: Label, width: 32 | 64 = 64): void {
    this.push({ kind: 'jmp', op, width, dst, src, target });
  }

  /** goto target */
  ja(target: Label): void {
    this.push({ kind: 'ja', target });
  }

  /** Runs `f` with `span` as the source of every instruction it emits. */
  withSpan<T>(span: Span | undefined, f: () => T): T {
    const saved = this.span;
    if (span) this.span = span;
    try {
      return f();
    } finally {
      this.span = saved;
    }
  }

  /** Resolves labels into offsets. Throws if a jump targets a label never bound. */
  finish(): AssembledProgram {
    // Slot index of each item, plus one past the end (a label may be bound there).
    const slotAt: number[] = [];
    let slot = 0;
    for (const item of this.items) {
      slotAt.push(slot);
      slot += item.kind === 'insn' ? slots(item.insn) : 1;
    }
    slotAt.push(slot);
    const target = (label: Label, from: number): number => {
      if (label.position === undefined) throw new Error(`label ${label.name} never bound`);
      return slotAt[label.position]! - (slotAt[from]! + 1);
    };
    const insns = this.items.map((item, i): Insn => {
      switch (item.kind) {
        case 'insn':
          return item.insn;
        case 'jmp':
          return { kind: 'jmp', op: item.op, width: item.width, dst: item.dst, src: item.src, off: target(item.target, i) };
        case 'ja':
          return { kind: 'ja', off: target(item.target, i) };
      }
    });
    return { insns, spans: this.itemSpans.slice() };
  }

  private push(p: Pending): void {
    this.items.push(p);
    this.itemSpans.push(this.span);
  }
}
