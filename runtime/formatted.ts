// Values the kernel side records raw and userspace turns into text, as bpftrace does: ntop()
// addresses and strftime() timestamps (printed with %s, as map keys and as map values).
import { INET_SIZE, type TimestampType } from '../lang/types.ts';
import { brokenDownTime, strftime } from './output/strftime.ts';

const AF_INET = 2;
const AF_INET6 = 10;

/** An ntop() value at `offset` (u64 family, 16 address bytes): `127.0.0.1`, `::1`, or '' for an
 *  unknown family (as inet_ntop fails and bpftrace prints nothing). */
export function formatInet(buf: Buffer, offset: number): string {
  if (buf.length < offset + INET_SIZE) return '';
  const af = buf.readBigUInt64LE(offset);
  const addr = buf.subarray(offset + 8, offset + INET_SIZE);
  if (af === BigInt(AF_INET)) return `${addr[0]}.${addr[1]}.${addr[2]}.${addr[3]}`;
  if (af === BigInt(AF_INET6)) return formatIPv6(addr);
  return '';
}

/** The text glibc's inet_ntop writes: the longest run (the first of equals) of two or more zero
 *  groups becomes `::`, and `::a.b.c.d` / `::ffff:a.b.c.d` end in dotted IPv4 form. */
export function formatIPv6(addr: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((addr[i]! << 8) | addr[i + 1]!);
  let best = -1;
  let bestLen = 0;
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j === i ? i + 1 : j;
  }
  if (bestLen < 2) best = -1;
  const embedsV4 = best === 0 && (bestLen === 6 || (bestLen === 5 && groups[5] === 0xffff));
  let out = '';
  for (let i = 0; i < 8; i++) {
    if (best >= 0 && i >= best && i < best + bestLen) {
      if (i === best) out += ':';
      continue;
    }
    if (i > 0) out += ':';
    if (i === 6 && embedsV4) return out + `${addr[12]}.${addr[13]}.${addr[14]}.${addr[15]}`;
    out += groups[i]!.toString(16);
  }
  return best >= 0 && best + bestLen === 8 ? out + ':' : out;
}

/**
 * A strftime() value: nanoseconds on the clock of the `nsecs` builtin (CLOCK_MONOTONIC, which
 * process.hrtime reads) moved to wall-clock time, then formatted like strftime(3) in the local
 * time zone, with bpftrace's `%f` (microseconds, six digits) substituted first.
 */
export function formatTimestamp(t: TimestampType, ns: bigint, timeZone?: string, wallOffsetNs = monotonicToWallNs()): string {
  const wallNs = ns + wallOffsetNs;
  const micros = String((wallNs / 1000n) % 1_000_000n).padStart(6, '0');
  const format = t.format.replace(/%(%|f)/g, (m, c: string) => (c === 'f' ? micros : m));
  return strftime(format, brokenDownTime(Number(wallNs / 1_000_000n), timeZone));
}

/** What to add to a CLOCK_MONOTONIC time for the wall-clock time (ns since the epoch). */
function monotonicToWallNs(): bigint {
  return BigInt(Date.now()) * 1_000_000n - process.hrtime.bigint();
}
