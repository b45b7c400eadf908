// Removes instructions no path reaches (after `exit()`, under `if (0)`, a constant ternary...),
// which the verifier rejects, and then jumps to the next instruction, which are no-ops.
import type { Span } from '../../lang/source.ts';
import type { AssembledProgram } from '../asm.ts';
import { slots, type Insn } from '../insn.ts';

/** Slot number of each instruction, and the instruction at each slot. */
function slotIndex(insns: readonly Insn[]): { slotOf: number[]; indexAt: Map<number, number> } {
  const slotOf: number[] = [];
  const indexAt = new Map<number, number>();
  let slot = 0;
  insns.forEach((insn, i) => {
    slotOf.push(slot);
    indexAt.set(slot, i);
    slot += slots(insn);
  });
  indexAt.set(slot, insns.length);
  return { slotOf, indexAt };
}

function jumpTarget(insns: readonly Insn[], i: number, idx: ReturnType<typeof slotIndex>): number | undefined {
  const insn = insns[i]!;
  if (insn.kind !== 'ja' && insn.kind !== 'jmp') return undefined;
  const t = idx.indexAt.get(idx.slotOf[i]! + 1 + insn.off);
  if (t === undefined) throw new Error(`internal: jump from instruction ${i} lands inside an instruction`);
  return t;
}

/** Keeps the instructions `keep` selects; a jump to a dropped one goes to the next kept one. */
function compact(p: AssembledProgram, keep: readonly boolean[]): AssembledProgram {
  const idx = slotIndex(p.insns);
  const newIndex: number[] = [];
  let n = 0;
  for (let i = 0; i <= p.insns.length; i++) {
    newIndex.push(n);
    if (i < p.insns.length && keep[i]) n++;
  }
  const kept = p.insns.map((_, i) => i).filter((i) => keep[i]);
  const newSlot: number[] = [];
  let slot = 0;
  for (const i of kept) {
    newSlot.push(slot);
    slot += slots(p.insns[i]!);
  }
  newSlot.push(slot);
  const insns: Insn[] = [];
  const spans: (Span | undefined)[] = [];
  kept.forEach((i, k) => {
    const insn = p.insns[i]!;
    const t = jumpTarget(p.insns, i, idx);
    if (t !== undefined && (insn.kind === 'ja' || insn.kind === 'jmp')) {
      insns.push({ ...insn, off: newSlot[newIndex[t]!]! - (newSlot[k]! + 1) });
    } else {
      insns.push(insn);
    }
    spans.push(p.spans[i]);
  });
  return { insns, spans };
}

function reachable(p: AssembledProgram): boolean[] {
  const idx = slotIndex(p.insns);
  const reached = p.insns.map(() => false);
  const work = [0];
  while (work.length > 0) {
    const i = work.pop()!;
    if (i >= p.insns.length || reached[i]) continue;
    reached[i] = true;
    const insn = p.insns[i]!;
    if (insn.kind === 'exit') continue;
    const t = jumpTarget(p.insns, i, idx);
    if (t !== undefined) work.push(t);
    if (insn.kind !== 'ja') work.push(i + 1);
  }
  return reached;
}

export function removeUnreachable(p: AssembledProgram): AssembledProgram {
  const live = reachable(p);
  const q = live.every(Boolean) ? p : compact(p, live);
  const useful = q.insns.map((insn) => !(insn.kind === 'ja' && insn.off === 0));
  return useful.every(Boolean) ? q : compact(q, useful);
}
