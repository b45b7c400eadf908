// strftime against glibc: strftime-glibc.json was produced by strftime-glibc.c (gcc, glibc, C
// locale) for several zones, epochs and formats; brokenDownTime + strftime must give the same bytes,
// %Z included (abbreviations from the TZif files, before 1970 and after the last transition too).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { brokenDownTime, strftime } from '../../runtime/output/strftime.ts';

const golden = JSON.parse(readFileSync(new URL('./strftime-glibc.json', import.meta.url), 'utf8')) as [string, number, string, string][];

describe('strftime matches glibc', () => {
  it('has the golden cases', () => {
    expect(golden.length).toBe(5 * 13 * 51);
  });
  for (const zone of new Set(golden.map((g) => g[0]))) {
    it(`in ${zone}`, () => {
      const mismatches = golden
        .filter((g) => g[0] === zone)
        .map(([, epoch, fmt, want]) => ({ epoch, fmt, want, got: strftime(fmt, brokenDownTime(epoch * 1000, zone)) }))
        .filter((c) => c.got !== c.want);
      expect(mismatches).toEqual([]);
    });
  }
});

describe('brokenDownTime', () => {
  it('splits an instant in a zone with a half-hour offset', () => {
    expect(brokenDownTime(1764090025_999, 'Asia/Kolkata')).toEqual({
      year: 2025, month: 10, day: 25, hour: 22, minute: 30, second: 25, weekday: 2, yearDay: 328,
      utcOffset: 19800, zone: 'IST', epochSeconds: 1764090025,
    });
  });

  it('follows daylight saving time', () => {
    expect(brokenDownTime(1710053999_000, 'America/New_York')).toMatchObject({ hour: 1, minute: 59, utcOffset: -18000, zone: 'EST' });
    expect(brokenDownTime(1710054000_000, 'America/New_York')).toMatchObject({ hour: 3, minute: 0, utcOffset: -14400, zone: 'EDT' });
  });
});

describe('strftime edge cases', () => {
  const t = brokenDownTime(0, 'UTC');
  it('copies a trailing %, an unknown conversion and an invalid modifier as written', () => {
    expect(strftime('a%', t)).toBe('a%');
    expect(strftime('%f %q %Ox %Ed', t)).toBe('%f %q %Ox %Ed');
  });
  it('formats bpftrace tools\' default', () => {
    expect(strftime('%H:%M:%S ', brokenDownTime(1764090025_000, 'UTC'))).toBe('17:00:25 ');
  });
});
