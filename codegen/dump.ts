// `tsbpf -d`: the generated object as text. Each program's listing is interleaved with the
// script line its instructions came from, so a reader can see what each statement costs.
import type { SourceFile } from '../lang/source.ts';
import { formatProgram } from './disasm.ts';
import { slots } from './insn.ts';
import type { BpfObject, MapSpec, ProgramSpec } from './object.ts';

function mapLine(m: MapSpec, index: number): string {
  return `; map ${index}: ${m.name} ${m.kind} key ${m.keySize} value ${m.valueSize} entries ${m.maxEntries}`;
}

function slotCount(p: ProgramSpec): number {
  return p.insns.reduce((n, i) => n + slots(i), 0);
}

export function dumpProgram(p: ProgramSpec, source?: SourceFile): string {
  const out = [`; program ${p.name} (${p.progType}) for ${p.attach.probeName}: ${p.insns.length} instructions, ${slotCount(p)} slots`];
  const listing = formatProgram(p.insns, { absoluteTargets: true }).split('\n');
  let lastLine: number | undefined;
  p.insns.forEach((_, i) => {
    const span = p.spans[i];
    if (source && span && span.file === source.name && span.line !== lastLine) {
      lastLine = span.line;
      out.push(`; ${source.lineText(span.line).trim()}`);
    }
    out.push(listing[i]!);
  });
  return out.join('\n');
}

export function dumpObject(obj: BpfObject, source?: SourceFile): string {
  const parts = [obj.maps.map(mapLine).join('\n'), ...obj.programs.map((p) => dumpProgram(p, source))];
  return `${parts.filter((s) => s !== '').join('\n\n')}\n`;
}
