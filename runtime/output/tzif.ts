// Time zone abbreviations as the C library finds them (for strftime's %Z): from the zone's TZif
// file (tzfile(5)) — the Intl API spells many of them as offsets (`GMT+1` for CET).
import { readFileSync } from 'node:fs';

const ZONEINFO = '/usr/share/zoneinfo';

interface ZoneInfo {
  /** Transition times (seconds since the epoch), ascending, and the local time type from each. */
  readonly transitions: readonly number[];
  readonly typeOf: readonly number[];
  readonly types: readonly { readonly utcOffset: number; readonly abbreviation: string }[];
  /** From the footer's POSIX TZ string: the names for times after the last transition. */
  readonly footer: { readonly std: string; readonly stdOffset: number; readonly dst?: string } | undefined;
}

const cache = new Map<string, ZoneInfo | undefined>();

/** The file glibc reads for `timeZone` (an IANA name), or for the local zone ($TZ, /etc/localtime). */
function zoneFile(timeZone: string | undefined): string | undefined {
  const name = timeZone ?? process.env.TZ;
  if (name === undefined || name === '') return '/etc/localtime';
  const n = name.startsWith(':') ? name.slice(1) : name;
  if (n.startsWith('/')) return n;
  if (n.includes('..')) return undefined;
  return `${ZONEINFO}/${n}`;
}

/**
 * The abbreviation in force at `epochSeconds` with offset `utcOffset`, or undefined when the
 * zone has no readable TZif file (a bare POSIX TZ string, a missing tzdata).
 */
export function zoneAbbreviation(epochSeconds: number, utcOffset: number, timeZone?: string): string | undefined {
  const file = zoneFile(timeZone);
  if (file === undefined) return undefined;
  let info = cache.get(file);
  if (!cache.has(file)) {
    info = readZone(file);
    cache.set(file, info);
  }
  if (!info) return undefined;
  const { transitions, typeOf, types, footer } = info;
  if (transitions.length > 0 && epochSeconds >= transitions[transitions.length - 1]! && footer) {
    return utcOffset === footer.stdOffset || footer.dst === undefined ? footer.std : footer.dst;
  }
  let lo = 0;
  let hi = transitions.length - 1;
  let at = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (transitions[mid]! <= epochSeconds) {
      at = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  const type = at >= 0 ? types[typeOf[at]!] : types[0];
  if (!type) return footer?.std;
  return type.abbreviation;
}

function readZone(file: string): ZoneInfo | undefined {
  let buf: Buffer;
  try {
    buf = readFileSync(file);
  } catch {
    return undefined;
  }
  if (buf.length < 44 || buf.toString('latin1', 0, 4) !== 'TZif') return undefined;
  const version = buf[4]!;
  const first = header(buf, 0);
  // Version 2+ files repeat the data with 64-bit times after the version 1 block.
  if (version === 0) return body(buf, 0, first, 4, undefined);
  const v1Size = first.timecnt * 5 + first.typecnt * 6 + first.charcnt + first.leapcnt * 8 + first.isstdcnt + first.isutcnt;
  const second = 44 + v1Size;
  const h2 = header(buf, second);
  const dataEnd = second + 44 + h2.timecnt * 9 + h2.typecnt * 6 + h2.charcnt + h2.leapcnt * 12 + h2.isstdcnt + h2.isutcnt;
  const footerText = buf.toString('latin1', dataEnd).split('\n')[1];
  return body(buf, second, h2, 8, footerText ? parsePosixTz(footerText) : undefined);
}

interface Counts {
  readonly isutcnt: number;
  readonly isstdcnt: number;
  readonly leapcnt: number;
  readonly timecnt: number;
  readonly typecnt: number;
  readonly charcnt: number;
}

function header(buf: Buffer, at: number): Counts {
  const n = (i: number): number => buf.readUInt32BE(at + 20 + i * 4);
  return { isutcnt: n(0), isstdcnt: n(1), leapcnt: n(2), timecnt: n(3), typecnt: n(4), charcnt: n(5) };
}

function body(buf: Buffer, at: number, c: Counts, timeSize: 4 | 8, footer: ZoneInfo['footer']): ZoneInfo {
  let p = at + 44;
  const transitions: number[] = [];
  for (let i = 0; i < c.timecnt; i++, p += timeSize) transitions.push(timeSize === 8 ? Number(buf.readBigInt64BE(p)) : buf.readInt32BE(p));
  const typeOf: number[] = [];
  for (let i = 0; i < c.timecnt; i++) typeOf.push(buf[p++]!);
  const raw: { utcOffset: number; index: number }[] = [];
  for (let i = 0; i < c.typecnt; i++, p += 6) raw.push({ utcOffset: buf.readInt32BE(p), index: buf[p + 5]! });
  const chars = buf.toString('latin1', p, p + c.charcnt);
  const types = raw.map((t) => ({ utcOffset: t.utcOffset, abbreviation: chars.slice(t.index, chars.indexOf('\0', t.index)) }));
  return { transitions, typeOf, types, footer };
}

/** The names and standard offset of a POSIX TZ string (`CET-1CEST,M3.5.0,M10.5.0/3`, `<+0545>-5:45`). */
function parsePosixTz(tz: string): ZoneInfo['footer'] {
  const m = /^(<[^>]*>|[A-Za-z]{3,})([+-]?\d{1,2}(?::\d{1,2}){0,2})(<[^>]*>|[A-Za-z]{3,})?/.exec(tz);
  if (!m) return undefined;
  const name = (s: string): string => s.replace(/^<|>$/g, '');
  const [h = 0, mi = 0, s = 0] = m[2]!.replace(/^[+-]/, '').split(':').map(Number);
  const west = (h * 3600 + mi * 60 + s) * (m[2]!.startsWith('-') ? -1 : 1);
  return { std: name(m[1]!), stdOffset: -west, ...(m[3] ? { dst: name(m[3]) } : {}) };
}
