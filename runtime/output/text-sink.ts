// bpftrace's text output (the default, `-f text`): printf and time() text as they are, maps as
// runtime/output/maps.ts prints them, `Attaching N probes...` and `Lost N events` on stderr.
import type { BpfObject } from '../../codegen/object.ts';
import { formatUserMap } from './maps.ts';
import { PrintingSink, type MapAccess, type OutputFormat, type SinkOptions } from './sink.ts';
import type { OutputWriter } from './writer.ts';

export type { MapAccess } from './sink.ts';

/** The warning for events the ring buffer had no room for (stderr). */
export function lostEventsMessage(lost: bigint | number): string {
  return `Lost ${lost} events\n`;
}

export const textFormat: OutputFormat = {
  printf: (text) => text,
  time: (text) => text,
  join: (text) => `${text}\n`,
  cat: (text) => text,
  map: formatUserMap,
  attachedProbes: (n) => `Attaching ${n} probe${n === 1 ? '' : 's'}...\n`,
  lostEvents: lostEventsMessage,
  noticesInOutput: false,
};

export class TextSink extends PrintingSink {
  constructor(obj: BpfObject, out: OutputWriter, maps: MapAccess, onExit: (code: number) => void, options: SinkOptions = {}) {
    super(obj, out, maps, onExit, textFormat, options);
  }
}
