// Code generation: a checked program in, a BpfObject (maps, programs, event layouts) out.
import type { CheckedProgram } from '../../lang/checked.ts';
import type { BpfObject } from '../object.ts';
import type { MapRef, ObjectTables } from './context.ts';
import { buildMapSpecs, checkRingBytes, DEFAULT_RING_BYTES, SMALL_RING_BYTES } from './maps.ts';
import { timeFormatOf } from './events.ts';
import { joinDelimiters } from './join.ts';
import { printfLayout } from './printf.ts';
import { generateProgram } from './program.ts';
import { probeExprs } from './walk.ts';

export interface GenerateOptions {
  /** Size of the events ring buffer in bytes (a power of two); see defaultRingBytes. */
  readonly ringBytes?: number;
  /**
   * The kernel applies CO-RE field relocations at load time (5.17+) and has
   * bpf_get_current_task_btf (5.11+): `comm` is then read straight from the current task's
   * struct instead of through bpf_get_current_comm, which costs an extra helper call per event.
   */
  readonly kernelFields?: boolean;
}

/** Calls that send a record through the events ring buffer. */
const EVENT_CALLS = new Set(['printf', 'cat', 'exit', 'print', 'clear', 'time', 'join']);

/**
 * The ring must absorb bursts from probes that fire at kernel event rates (8 MiB keeps millions
 * of printf lines per second loss-free). When only BEGIN, END and interval probes send events,
 * their rate is bounded by the script itself and a small ring does: the kernel maps every ring
 * page into the reader at mmap time, so an oversized ring costs the process its full size in RSS.
 */
export function defaultRingBytes(checked: CheckedProgram): number {
  const boundedRate = (kind: string): boolean => kind === 'begin' || kind === 'end' || kind === 'interval';
  const busy = checked.probes.some(
    (p) =>
      p.attaches.some((a) => !boundedRate(a.resolved.kind)) &&
      probeExprs(p.probe).some((e) => e.kind === 'Call' && EVENT_CALLS.has(e.name)),
  );
  return busy ? DEFAULT_RING_BYTES : SMALL_RING_BYTES;
}

export function generate(checked: CheckedProgram, opts: GenerateOptions = {}): BpfObject {
  const ringBytes = checkRingBytes(opts.ringBytes ?? defaultRingBytes(checked));
  const needsGlobals = checked.probes.some((p) => probeExprs(p.probe).some((e) => e.kind === 'Builtin' && (e.name === 'elapsed' || e.name === 'cpid')));
  const maps = buildMapSpecs(checked, ringBytes, needsGlobals);
  const printfs = checked.printfs.map(printfLayout);
  const timeFormats = [...new Set(checked.probes.flatMap((p) => probeExprs(p.probe).flatMap((e) => (e.kind === 'Call' && e.name === 'time' ? [timeFormatOf(e)] : []))))];
  const tables: ObjectTables = {
    maps: new Map<string, MapRef>(maps.map((spec, index) => [spec.name, { spec, index }])),
    printfs,
    timeFormats,
    ringBytes,
    kernelFields: opts.kernelFields === true,
  };
  const programs = checked.probes.flatMap((probe) => probe.attaches.map((a) => generateProgram(checked, probe, a, tables)));
  const joins = joinDelimiters(checked);
  return {
    license: 'GPL', maps, programs, printfs,
    ...(timeFormats.length > 0 ? { timeFormats } : {}),
    ...(joins.length > 0 ? { joinDelimiters: joins } : {}),
    ...(checked.config.missingProbes !== 'error' ? { missingProbes: checked.config.missingProbes } : {}),
  };
}
