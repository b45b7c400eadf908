// bpftrace's JSON lines output (`-f json`): every printf, time(), map, attached-probes and
// lost-events notice is one JSON object on its own line (runtime/output/json.ts), all on the
// trace output.
import type { BpfObject } from '../../codegen/object.ts';
import { formatJsonUserMap, jsonCounter, jsonMessage } from './json.ts';
import { PrintingSink, type MapAccess, type OutputFormat, type SinkOptions } from './sink.ts';
import type { OutputWriter } from './writer.ts';

export const jsonFormat: OutputFormat = {
  printf: (text) => jsonMessage('printf', text),
  time: (text) => jsonMessage('time', text),
  join: (text) => jsonMessage('join', text),
  cat: (text) => jsonMessage('cat', text),
  map: formatJsonUserMap,
  attachedProbes: (n) => jsonCounter('attached_probes', 'probes', n),
  lostEvents: (n) => jsonCounter('lost_events', 'events', n),
  noticesInOutput: true,
};

export class JsonSink extends PrintingSink {
  constructor(obj: BpfObject, out: OutputWriter, maps: MapAccess, onExit: (code: number) => void, options: SinkOptions = {}) {
    super(obj, out, maps, onExit, jsonFormat, options);
  }
}
