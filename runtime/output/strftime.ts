// strftime(3) as glibc does it in the C locale, for time(): bpftrace hands the format to the C
// library when the event arrives, so users expect its conversions, flags (`_ - 0 ^ #`), widths
// and its habit of copying an unknown conversion (`%f`, `%5q`) through unchanged.
import { zoneAbbreviation } from './tzif.ts';

/** A point in time split into calendar fields in some time zone, like C's `struct tm`. */
export interface BrokenDownTime {
  readonly year: number;
  /** 0-11 */
  readonly month: number;
  /** 1-31 */
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
  readonly second: number;
  /** 0 = Sunday */
  readonly weekday: number;
  /** 0-365 */
  readonly yearDay: number;
  /** Seconds east of UTC. */
  readonly utcOffset: number;
  /** The zone's abbreviation (`UTC`, `CET`): from tzdata as glibc reads it, else as Intl names it. */
  readonly zone: string;
  /** Seconds since the epoch. */
  readonly epochSeconds: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string | undefined): Intl.DateTimeFormat {
  const key = timeZone ?? '';
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      ...(timeZone !== undefined ? { timeZone } : {}),
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
      timeZoneName: 'short',
    });
    formatters.set(key, f);
  }
  return f;
}

/** `epochMs` in `timeZone` (an IANA name; default: the process's local zone, which follows $TZ). */
export function brokenDownTime(epochMs: number, timeZone?: string): BrokenDownTime {
  const epochSeconds = Math.floor(epochMs / 1000);
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(epochSeconds * 1000)) parts[p.type] = p.value;
  const year = Number(parts.year);
  const month = Number(parts.month) - 1;
  const day = Number(parts.day);
  const hour = Number(parts.hour);
  const minute = Number(parts.minute);
  const second = Number(parts.second);
  const wallMs = Date.UTC(year, month, day, hour, minute, second);
  const date = new Date(wallMs);
  const utcOffset = Math.round((wallMs - epochSeconds * 1000) / 1000);
  return {
    year,
    month,
    day,
    hour,
    minute,
    second,
    weekday: date.getUTCDay(),
    yearDay: Math.round((Date.UTC(year, month, day) - Date.UTC(year, 0, 1)) / 86_400_000),
    utcOffset,
    zone: zoneAbbreviation(epochSeconds, utcOffset, timeZone) ?? parts.timeZoneName ?? 'UTC',
    epochSeconds,
  };
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** Conversions that accept the E and O modifiers. */
const MODIFIABLE: Record<string, string> = { E: 'cCxXyY', O: 'bBhdeHIklmMSuUVwWyg' };

interface Spec {
  /** `_` spaces, `-` none, `0` zeros, or undefined for the conversion's default. */
  readonly pad: '_' | '-' | '0' | undefined;
  readonly upper: boolean;
  readonly swapCase: boolean;
  readonly width: number;
}

/** Formats `t` with a strftime format, the way glibc does in the C locale. */
export function strftime(format: string, t: BrokenDownTime): string {
  let out = '';
  let i = 0;
  while (i < format.length) {
    const pct = format.indexOf('%', i);
    if (pct < 0) {
      out += format.slice(i);
      break;
    }
    out += format.slice(i, pct);
    let j = pct + 1;
    let pad: Spec['pad'];
    let upper = false;
    let swapCase = false;
    for (; j < format.length; j++) {
      const c = format[j]!;
      if (c === '_' || c === '-' || c === '0') pad = c;
      else if (c === '^') upper = true;
      else if (c === '#') swapCase = true;
      else break;
    }
    let width = 0;
    while (j < format.length && format[j]! >= '0' && format[j]! <= '9') width = width * 10 + Number(format[j++]);
    // E and O select alternative representations, which the C locale does not have; glibc still
    // rejects them before conversions that have none.
    let modifier: string | undefined;
    if (format[j] === 'E' || format[j] === 'O') modifier = format[j++];
    const conv = format[j];
    const spec: Spec = { pad, upper, swapCase, width };
    const valid = conv !== undefined && (modifier === undefined || MODIFIABLE[modifier]!.includes(conv));
    const text = valid ? convert(conv, t, spec) : undefined;
    if (text === undefined) {
      // Unknown (or a `%` ending the format): copied as written, padded to the width.
      out += padToWidth(format.slice(pct, conv === undefined ? format.length : j + 1), spec);
    } else {
      out += text;
    }
    i = conv === undefined ? format.length : j + 1;
  }
  return out;
}

function convert(conv: string, t: BrokenDownTime, s: Spec): string | undefined {
  const num = (digits: number, v: number): string => number(v, digits, '0', s);
  const spaced = (digits: number, v: number): string => number(v, digits, ' ', s);
  const str = (v: string, swapTo: 'upper' | 'lower' = 'upper'): string => text(v, s, swapTo);
  const hour12 = t.hour % 12 === 0 ? 12 : t.hour % 12;
  switch (conv) {
    case '%':
      return text('%', s, 'upper');
    case 'a':
      return str(DAYS[t.weekday]!.slice(0, 3));
    case 'A':
      return str(DAYS[t.weekday]!);
    case 'b':
    case 'h':
      return str(MONTHS[t.month]!.slice(0, 3));
    case 'B':
      return str(MONTHS[t.month]!);
    case 'c':
      return str(strftime('%a %b %e %H:%M:%S %Y', t));
    case 'C':
      return num(2, Math.floor(t.year / 100));
    case 'd':
      return num(2, t.day);
    case 'D':
      return str(strftime('%m/%d/%y', t));
    case 'e':
      return spaced(2, t.day);
    case 'F':
      return str(strftime('%Y-%m-%d', t));
    case 'g':
      return num(2, ((isoWeek(t).year % 100) + 100) % 100);
    case 'G':
      return num(1, isoWeek(t).year);
    case 'H':
      return num(2, t.hour);
    case 'I':
      return num(2, hour12);
    case 'j':
      return num(3, t.yearDay + 1);
    case 'k':
      return spaced(2, t.hour);
    case 'l':
      return spaced(2, hour12);
    case 'm':
      return num(2, t.month + 1);
    case 'M':
      return num(2, t.minute);
    case 'n':
      return str('\n');
    case 'p':
      return str(t.hour < 12 ? 'AM' : 'PM', 'lower');
    case 'P':
      return str(t.hour < 12 ? 'am' : 'pm');
    case 'r':
      return str(strftime('%I:%M:%S %p', t));
    case 'R':
      return str(strftime('%H:%M', t));
    case 's':
      return num(1, t.epochSeconds);
    case 'S':
      return num(2, t.second);
    case 't':
      return str('\t');
    case 'T':
      return str(strftime('%H:%M:%S', t));
    case 'u':
      return num(1, t.weekday === 0 ? 7 : t.weekday);
    case 'U':
      return num(2, Math.floor((t.yearDay + 7 - t.weekday) / 7));
    case 'V':
      return num(2, isoWeek(t).week);
    case 'w':
      return num(1, t.weekday);
    case 'W':
      return num(2, Math.floor((t.yearDay + 7 - ((t.weekday + 6) % 7)) / 7));
    case 'x':
      return str(strftime('%m/%d/%y', t));
    case 'X':
      return str(strftime('%H:%M:%S', t));
    case 'y':
      return num(2, ((t.year % 100) + 100) % 100);
    case 'Y':
      return num(1, t.year);
    case 'z': {
      const abs = Math.abs(t.utcOffset);
      const hhmm = Math.floor(abs / 3600) * 100 + Math.floor((abs % 3600) / 60);
      return (t.utcOffset < 0 ? '-' : '+') + number(hhmm, 4, '0', { ...s, width: Math.max(0, s.width - 1) });
    }
    case 'Z':
      return str(t.zone, 'lower');
    default:
      return undefined;
  }
}

/** A number padded to `digits` (or the given width) with the conversion's default or the flag's pad. */
function number(v: number, digits: number, defaultPad: '0' | ' ', s: Spec): string {
  const negative = v < 0;
  const body = Math.abs(v).toString();
  // `-` drops the default padding; an explicit width still pads, with spaces.
  const pad = s.pad === '_' || s.pad === '-' ? ' ' : s.pad === '0' ? '0' : defaultPad;
  const width = s.pad === '-' ? s.width : Math.max(digits, s.width);
  const len = body.length + (negative ? 1 : 0);
  if (len >= width) return (negative ? '-' : '') + body;
  if (pad === '0') return (negative ? '-' : '') + '0'.repeat(width - len) + body;
  return ' '.repeat(width - len) + (negative ? '-' : '') + body;
}

function padToWidth(v: string, s: Spec): string {
  return v.length >= s.width ? v : (s.pad === '0' ? '0' : ' ').repeat(s.width - v.length) + v;
}

/** Text with `^` (upper case), `#` (swap: upper, or lower for %p and %Z) and a width. */
function text(v: string, s: Spec, swapTo: 'upper' | 'lower'): string {
  let r = v;
  if (s.upper || (s.swapCase && swapTo === 'upper')) r = r.toUpperCase();
  else if (s.swapCase) r = r.toLowerCase();
  return padToWidth(r, s);
}

/** ISO 8601 week number and week-based year: weeks start on Monday, week 1 holds January 4th. */
function isoWeek(t: BrokenDownTime): { year: number; week: number } {
  const isoWeekday = (t.weekday + 6) % 7; // Monday = 0
  const thursday = t.yearDay - isoWeekday + 3; // the yearDay of this week's Thursday
  if (thursday < 0) {
    const prevDays = isLeap(t.year - 1) ? 366 : 365;
    return { year: t.year - 1, week: Math.floor((thursday + prevDays) / 7) + 1 };
  }
  const days = isLeap(t.year) ? 366 : 365;
  if (thursday >= days) return { year: t.year + 1, week: 1 };
  return { year: t.year, week: Math.floor(thursday / 7) + 1 };
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
}
