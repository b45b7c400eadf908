import { describe, expect, it } from 'vitest';
import { formatInet, formatIPv6, formatTimestamp } from '../../runtime/formatted.ts';

function inet(af: number, bytes: number[]): Buffer {
  const b = Buffer.alloc(24 + 3);
  b.writeBigUInt64LE(BigInt(af), 3);
  Buffer.from(bytes).copy(b, 3 + 8);
  return b;
}

describe('ntop values', () => {
  it('prints IPv4, IPv6 and nothing for another family', () => {
    expect(formatInet(inet(2, [127, 0, 0, 1]), 3)).toBe('127.0.0.1');
    expect(formatInet(inet(10, [0x7f, 0, 0, 1]), 3)).toBe('7f00:1::');
    expect(formatInet(inet(3, [127, 0, 0, 1]), 3)).toBe('');
  });

  // Expected values are glibc's inet_ntop output.
  it.each([
    ['::', '00000000000000000000000000000000'],
    ['::1', '00000000000000000000000000000001'],
    ['::2', '00000000000000000000000000000002'],
    ['::1.2.3.4', '00000000000000000000000001020304'],
    ['::ffff:1.2.3.4', '00000000000000000000ffff01020304'],
    ['fe80::1', 'fe800000000000000000000000000001'],
    ['2001:db8::1:0:0:1', '20010db8000000000001000000000001'],
    ['2001:db8:0:1:1:1:1:1', '20010db8000000010001000100010001'],
    ['1::', '00010000000000000000000000000000'],
    ['1:0:0:2::3', '00010000000000020000000000000003'],
  ])('%s', (text, hex) => {
    expect(formatIPv6(Buffer.from(hex, 'hex'))).toBe(text);
  });
});

describe('strftime values', () => {
  it('moves boot time to the wall clock and substitutes %f with microseconds', () => {
    const t = { kind: 'timestamp' as const, format: '%Y-%m-%d %H:%M:%S.%f %%f' };
    // 2026-11-25 17:00:00 UTC is 1795626000 s after the epoch; the event is 1.5 ms past it.
    const offset = 1_795_626_000_000_000_000n - 5_000_000_000n;
    expect(formatTimestamp(t, 5_001_500_000n, 'UTC', offset)).toBe('2026-11-25 17:00:00.001500 %f');
  });
});
