// One BPF program for one attach point of a probe.
import type { CheckedAttach, CheckedProbe, CheckedProgram } from '../../lang/checked.ts';
import { Label } from '../asm.ts';
import { Reg } from '../insn.ts';
import type { ProgramSpec, ProgType } from '../object.ts';
import { exit, imm, mov, reg } from '../ops.ts';
import { removeUnreachable } from './dce.ts';
import { CTX, Gen, type ObjectTables } from './context.ts';
import { branch } from './expr.ts';
import { slotSize } from './maps.ts';
import { block } from './stmt.ts';
import { zero } from './strings.ts';
import { probeExprs, usesContext, varsNeedingInit } from './walk.ts';
import type { Span } from '../../lang/source.ts';

export function progType(a: CheckedAttach): ProgType {
  switch (a.resolved.kind) {
    case 'begin':
    case 'end':
      return 'raw_tracepoint';
    case 'tracepoint':
      return 'tracepoint';
    case 'kprobe':
    case 'uprobe': // uprobes run kprobe programs (ctx is pt_regs)
      return 'kprobe';
    case 'fentry':
      return 'tracing';
    case 'interval':
    case 'profile':
    case 'perf_counter':
      return 'perf_event';
  }
}

/** A kernel-visible name: [A-Za-z0-9_], at most 15 chars. */
export function progName(a: CheckedAttach): string {
  const r = a.resolved;
  const clean = (s: string) => s.replace(/[^A-Za-z0-9_]/g, '_');
  let name: string;
  switch (r.kind) {
    case 'begin':
      name = 'BEGIN';
      break;
    case 'end':
      name = 'END';
      break;
    case 'tracepoint':
      name = r.fallbackFrom ? `${r.fallbackFrom.provider}_${r.fallbackFrom.fn}` : `tp_${r.format.event}`;
      break;
    case 'kprobe':
      name = `${r.ret ? 'kretprobe' : 'kprobe'}_${r.fn}`;
      break;
    case 'uprobe':
      name = `${r.ret ? 'uretprobe' : 'uprobe'}_${r.fn}`;
      break;
    case 'fentry':
      name = `${r.ret ? 'fexit' : 'fentry'}_${r.fn}`;
      break;
    case 'interval':
    case 'profile':
      name = [r.kind, ...a.attachPoint.parts].join('_');
      break;
    case 'perf_counter':
      name = `${r.counter === 'software' ? 'sw' : 'hw'}_${r.event}`;
      break;
  }
  return clean(name).slice(0, 15);
}

export function generateProgram(checked: CheckedProgram, probe: CheckedProbe, attach: CheckedAttach, tables: ObjectTables): ProgramSpec {
  const p = probe.probe;
  const exitLabel = new Label('exit');
  const g = new Gen(checked, probe, attach, tables, exitLabel);
  g.asm.withSpan(p.span, () => {
    if (usesContext(p)) g.emit(mov(CTX, reg(Reg.R1)));
    const init = varsNeedingInit(p);
    const firstUse = new Map<string, Span>();
    for (const e of probeExprs(p)) if (e.kind === 'ScratchVar' && !firstUse.has(e.name)) firstUse.set(e.name, e.span);
    for (const [name, type] of probe.variables) {
      const off = g.stack.alloc(slotSize(type), firstUse.get(name) ?? p.span, `variable ${name.startsWith('$') ? name : `$${name}`}`);
      g.vars.set(name, { type, off });
      if (init.has(name)) zero(g, off, slotSize(type));
    }
  });
  if (p.predicate) {
    const pred = p.predicate;
    g.asm.withSpan(pred.span, () => branch(g, pred, exitLabel, false));
  }
  block(g, p.body);
  g.asm.withSpan(p.span, () => {
    g.asm.bind(exitLabel);
    g.emit(mov(Reg.R0, imm(0)), exit());
  });
  const { insns, spans } = removeUnreachable(g.asm.finish());
  return { name: progName(attach), progType: progType(attach), attach, probeIndex: probe.index, insns, spans };
}
