// time(): one EventKind.Time record per call, its format kept in BpfObject.timeFormats.
import { describe, expect, it } from 'vitest';
import { EventKind } from '../../codegen/object.ts';
import { compile } from './gen-compile.ts';

describe('time() codegen', () => {
  it('collects each format once, the default one as bpftrace spells it', () => {
    const obj = compile('BEGIN { time("%H:%M:%S "); time(); } END { time(); time("%H:%M:%S "); time("%s"); }');
    expect(obj.timeFormats).toEqual(['%H:%M:%S ', '%H:%M:%S\n', '%s']);
  });

  it('writes a Time header with the format id and sends 8 bytes', () => {
    const obj = compile('BEGIN { time("%s"); time(); }');
    const insns = obj.programs[0]!.insns;
    const stores = insns.filter((i) => i.kind === 'st' && i.size === 4).map((i) => (i as { imm: number }).imm);
    expect(stores).toEqual([EventKind.Time, 0, EventKind.Time, 1]);
  });

  it('has no timeFormats without time()', () => {
    expect(compile('BEGIN { printf("x\\n"); }').timeFormats).toBeUndefined();
  });
});
