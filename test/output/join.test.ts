import { describe, expect, it } from 'vitest';
import { EVENT_HEADER_SIZE, JOIN_ARG_SIZE, JOIN_ARGS } from '../../codegen/object.ts';
import { jsonFormat } from '../../runtime/output/json-sink.ts';
import { joinedStrings } from '../../runtime/output/join.ts';
import { textFormat } from '../../runtime/output/text-sink.ts';

/** A join record with `parts` in its first slots; the other slots hold garbage after a NUL. */
function record(parts: readonly (string | Uint8Array)[]): DataView {
  const bytes = new Uint8Array(EVENT_HEADER_SIZE + JOIN_ARGS * JOIN_ARG_SIZE).fill(0x41);
  parts.forEach((p, i) => {
    const b = typeof p === 'string' ? new TextEncoder().encode(`${p}\0`) : p;
    bytes.set(b, EVENT_HEADER_SIZE + i * JOIN_ARG_SIZE);
  });
  if (parts.length < JOIN_ARGS) bytes[EVENT_HEADER_SIZE + parts.length * JOIN_ARG_SIZE] = 0;
  return new DataView(bytes.buffer);
}

describe('join records', () => {
  it('joins the strings up to the first empty slot with the separator', () => {
    expect(joinedStrings(record(['/bin/echo', 'hello', 'wörld']), ', ')).toBe('/bin/echo, hello, wörld');
    expect(joinedStrings(record(['a', '', 'c']), ' ')).toBe('a');
    expect(joinedStrings(record([]), ' ')).toBe('');
  });

  it('reads all 16 slots, and a slot without a NUL to its end', () => {
    const full = Array.from({ length: JOIN_ARGS }, (_, i) => String(i));
    expect(joinedStrings(record(full), '')).toBe('0123456789101112131415');
    const unterminated = new Uint8Array(JOIN_ARG_SIZE).fill(0x7a);
    expect(joinedStrings(record([unterminated]), ' ')).toBe('z'.repeat(JOIN_ARG_SIZE));
  });

  it('prints as a text line and as a JSON "join" message', () => {
    expect(textFormat.join('a b')).toBe('a b\n');
    expect(jsonFormat.join('a\t"b"')).toBe('{"type": "join", "data": "a\\t\\"b\\""}\n');
  });
});
