// TextSink: events from the session become text in the writer, in order.
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { BpfObject, MapSpec, PrintfLayout } from '../../codegen/object.ts';
import { s64 } from '../../lang/types.ts';
import type { MapEntry } from '../../runtime/events.ts';
import { TextSink } from '../../runtime/output/text-sink.ts';
import { OutputWriter } from '../../runtime/output/writer.ts';

const span = { file: 'stdin', line: 1, column: 1, offset: 0, endLine: 1, endColumn: 2, endOffset: 1 };
const userMap = (name: string): MapSpec => ({
  name,
  role: 'user',
  kind: 'hash',
  keySize: 8,
  valueSize: 8,
  maxEntries: 16,
  user: { info: { name, keys: [s64], value: s64, span }, keyLayout: [{ offset: 0, type: s64 }] },
});
const printf: PrintfLayout = {
  id: 0,
  parts: [
    { kind: 'text', text: 'n=' },
    { kind: 'conv', spec: '%d', flags: '', length: '', conversion: 'd', arg: 0 },
    { kind: 'text', text: '\n' },
  ],
  args: [{ offset: 8, type: s64 }],
  size: 16,
};
const obj: BpfObject = {
  license: 'GPL',
  maps: [{ name: '.events', role: 'events', kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: 4096 }, userMap('@b'), userMap('@a')],
  programs: [],
  printfs: [printf],
};

describe('TextSink', () => {
  it('prints printf records, print(@m), clears, and the exit maps in name order', () => {
    const path = join(mkdtempSync(join(tmpdir(), 'tsbpf-sink-')), 'out');
    const fd = openSync(path, 'w');
    const out = new OutputWriter(fd);
    const contents = new Map<number, MapEntry[]>([
      [1, [{ keys: [2n], value: 20n }, { keys: [1n], value: 10n }]],
      [2, [{ keys: [7n], value: 1n }]],
    ]);
    const cleared: number[] = [];
    const exits: number[] = [];
    const sink = new TextSink(obj, out, { readMap: (i) => contents.get(i) ?? [], clearMap: (i) => (cleared.push(i), contents.set(i, [])) }, (c) => exits.push(c));
    const rec = new DataView(new ArrayBuffer(16));
    rec.setBigInt64(8, -5n, true);
    sink.printf(printf, rec);
    sink.printMap(1);
    sink.clearMap(1);
    sink.exit(0);
    sink.printExitMaps();
    out.flush();
    closeSync(fd);
    expect(readFileSync(path, 'utf8')).toBe('n=-5\n@b[1]: 10\n@b[2]: 20\n\n\n@a[7]: 1\n\n');
    expect(cleared).toEqual([1]);
    expect(exits).toEqual([0]);
  });
});
