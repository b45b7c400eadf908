// Decoding a join() record (codegen EventKind.Join): up to JOIN_ARGS NUL-terminated strings of
// JOIN_ARG_SIZE bytes each after the header; as in bpftrace 0.17, the first empty one ends the list.
import { EVENT_HEADER_SIZE, JOIN_ARG_SIZE, JOIN_ARGS } from '../../codegen/object.ts';

const utf8 = new TextDecoder('utf-8');

/** The strings of a join record, joined with `sep`. */
export function joinedStrings(record: DataView, sep: string): string {
  const parts: string[] = [];
  for (let i = 0; i < JOIN_ARGS; i++) {
    const start = EVENT_HEADER_SIZE + i * JOIN_ARG_SIZE;
    if (start + JOIN_ARG_SIZE > record.byteLength) break;
    const bytes = new Uint8Array(record.buffer, record.byteOffset + start, JOIN_ARG_SIZE);
    const nul = bytes.indexOf(0);
    if (nul === 0) break;
    parts.push(utf8.decode(bytes.subarray(0, nul < 0 ? JOIN_ARG_SIZE : nul)));
  }
  return parts.join(sep);
}
