import { describe, expect, it } from 'vitest';
import { parseFormat } from '../../lang/semantic/format.ts';

describe('printf format parsing', () => {
  it('splits text and conversions, folding %% into text', () => {
    expect(parseFormat('pid %d: 100%% of %s\n')).toEqual({
      ok: true,
      argCount: 2,
      parts: [
        { kind: 'text', text: 'pid ' },
        { kind: 'conv', spec: '%d', flags: '', length: '', conversion: 'd', arg: 0 },
        { kind: 'text', text: ': 100% of ' },
        { kind: 'conv', spec: '%s', flags: '', length: '', conversion: 's', arg: 1 },
        { kind: 'text', text: '\n' },
      ],
    });
  });

  it('parses flags, width, precision and length modifiers', () => {
    expect(parseFormat('%-10lu|%08llx|%+ #5.3hhd|%.s|%zX%jo%tc%p%i')).toEqual({
      ok: true,
      argCount: 9,
      parts: [
        { kind: 'conv', spec: '%-10lu', flags: '-', width: 10, length: 'l', conversion: 'u', arg: 0 },
        { kind: 'text', text: '|' },
        { kind: 'conv', spec: '%08llx', flags: '0', width: 8, length: 'll', conversion: 'x', arg: 1 },
        { kind: 'text', text: '|' },
        { kind: 'conv', spec: '%+ #5.3hhd', flags: '+ #', width: 5, precision: 3, length: 'hh', conversion: 'd', arg: 2 },
        { kind: 'text', text: '|' },
        { kind: 'conv', spec: '%.s', flags: '', precision: 0, length: '', conversion: 's', arg: 3 },
        { kind: 'text', text: '|' },
        { kind: 'conv', spec: '%zX', flags: '', length: 'z', conversion: 'X', arg: 4 },
        { kind: 'conv', spec: '%jo', flags: '', length: 'j', conversion: 'o', arg: 5 },
        { kind: 'conv', spec: '%tc', flags: '', length: 't', conversion: 'c', arg: 6 },
        { kind: 'conv', spec: '%p', flags: '', length: '', conversion: 'p', arg: 7 },
        { kind: 'conv', spec: '%i', flags: '', length: '', conversion: 'i', arg: 8 },
      ],
    });
  });

  it('accepts plain text and the empty string', () => {
    expect(parseFormat('hello')).toEqual({ ok: true, argCount: 0, parts: [{ kind: 'text', text: 'hello' }] });
    expect(parseFormat('')).toEqual({ ok: true, argCount: 0, parts: [] });
    expect(parseFormat('%%')).toEqual({ ok: true, argCount: 0, parts: [{ kind: 'text', text: '%' }] });
  });

  it('rejects unknown or incomplete conversions', () => {
    expect(parseFormat('%k')).toEqual({ ok: false, message: "printf: Invalid format specifier: '%k'" });
    expect(parseFormat('%5.2f')).toEqual({ ok: false, message: "printf: Invalid format specifier: '%5.2f'" });
    expect(parseFormat('50%')).toEqual({ ok: false, message: "printf: Invalid format specifier: '%'" });
    expect(parseFormat('%*d')).toEqual({ ok: false, message: "printf: Invalid format specifier: '%*'" });
  });
});
