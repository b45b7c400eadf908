// Code generation: a checked program in, a BpfObject (maps, programs, event layouts) out.
import type { CheckedProgram } from '../../lang/checked.ts';
import type { BpfObject } from '../object.ts';
import type { MapRef, ObjectTables } from './context.ts';
import { buildMapSpecs, checkRingBytes, DEFAULT_RING_BYTES } from './maps.ts';
import { printfLayout } from './printf.ts';
import { generateProgram } from './program.ts';
import { probeExprs } from './walk.ts';

export interface GenerateOptions {
  /** Size of the events ring buffer in bytes (a power of two); 8 MiB by default. */
  readonly ringBytes?: number;
}

export function generate(checked: CheckedProgram, opts: GenerateOptions = {}): BpfObject {
  const ringBytes = checkRingBytes(opts.ringBytes ?? DEFAULT_RING_BYTES);
  const needsGlobals = checked.probes.some((p) => probeExprs(p.probe).some((e) => e.kind === 'Builtin' && e.name === 'elapsed'));
  const maps = buildMapSpecs(checked, ringBytes, needsGlobals);
  const printfs = checked.printfs.map(printfLayout);
  const tables: ObjectTables = {
    maps: new Map<string, MapRef>(maps.map((spec, index) => [spec.name, { spec, index }])),
    printfs,
    ringBytes,
  };
  const programs = checked.probes.flatMap((probe) => probe.attaches.map((a) => generateProgram(checked, probe, a, tables)));
  return { license: 'GPL', maps, programs, printfs };
}
