// The events `software:EVENT[:COUNT]` and `hardware:EVENT[:COUNT]` probes can name, with their
// perf aliases and the sample period bpftrace 0.17 uses when COUNT is left out
// (src/probe_matcher.h, SW_PROBE_LIST and HW_PROBE_LIST). The runtime maps names to the
// kernel's PERF_COUNT_SW_* / PERF_COUNT_HW_* numbers.

export type CounterKind = 'software' | 'hardware';

export interface CounterEvent {
  readonly name: string;
  readonly alias?: string;
  readonly defaultPeriod: bigint;
}

export const SOFTWARE_EVENTS: readonly CounterEvent[] = [
  { name: 'alignment-faults', defaultPeriod: 1n },
  { name: 'bpf-output', defaultPeriod: 1n },
  { name: 'context-switches', alias: 'cs', defaultPeriod: 1000n },
  { name: 'cpu-clock', alias: 'cpu', defaultPeriod: 1000000n },
  { name: 'cpu-migrations', defaultPeriod: 1n },
  { name: 'dummy', defaultPeriod: 1n },
  { name: 'emulation-faults', defaultPeriod: 1n },
  { name: 'major-faults', defaultPeriod: 1n },
  { name: 'minor-faults', defaultPeriod: 100n },
  { name: 'page-faults', alias: 'faults', defaultPeriod: 100n },
  { name: 'task-clock', defaultPeriod: 1n },
];

export const HARDWARE_EVENTS: readonly CounterEvent[] = [
  { name: 'backend-stalls', defaultPeriod: 1000000n },
  { name: 'branch-instructions', alias: 'branches', defaultPeriod: 100000n },
  { name: 'branch-misses', defaultPeriod: 100000n },
  { name: 'bus-cycles', defaultPeriod: 100000n },
  { name: 'cache-misses', defaultPeriod: 1000000n },
  { name: 'cache-references', defaultPeriod: 1000000n },
  { name: 'cpu-cycles', alias: 'cycles', defaultPeriod: 1000000n },
  { name: 'frontend-stalls', defaultPeriod: 1000000n },
  { name: 'instructions', defaultPeriod: 1000000n },
  { name: 'ref-cycles', defaultPeriod: 1000000n },
];

/** The event `name` (or alias) of a counter kind, or undefined. */
export function counterEvent(kind: CounterKind, name: string): CounterEvent | undefined {
  return (kind === 'software' ? SOFTWARE_EVENTS : HARDWARE_EVENTS).find((e) => e.name === name || e.alias === name);
}
