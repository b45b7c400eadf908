// End to end through the built CLI: integer literal forms, bswap(), ntop(), strftime(), has_key()
// and `if` without parentheses; compared with the installed bpftrace 0.17 where it has the feature.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { hasCommand, tsbpf } from './cli.ts';

/** bpftrace's stdout for `script`, without its `Attaching N probes...` line. */
function bpftraceStdout(script: string): string {
  const out = execFileSync('bpftrace', ['-e', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.slice(out.indexOf('\n') + 1);
}

const haveBpftrace = hasCommand('bpftrace');

describe.skipIf(!kernelAvailable)('language items (live kernel)', () => {
  const LITERALS = 'BEGIN { printf("%d %d %d %d\\n", 1e6, 5e3, 1_000u, 2e1 * 3); @x = 1e9; exit(); }';
  it('1e6-style literals', () => {
    const r = tsbpf(['-q', '-e', LITERALS]);
    expect(r.stdout).toBe('1000000 5000 1000 60\n\n\n@x: 1000000000\n');
  });
  it.skipIf(!haveBpftrace)('1e6-style literals as bpftrace 0.17 prints them', () => {
    expect(tsbpf(['-q', '-e', LITERALS]).stdout).toBe(bpftraceStdout(LITERALS));
  });

  it('duration suffixes are nanoseconds (bpftrace HEAD syntax)', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { printf("%d %d %d %d %lld\\n", 100ns, 5us, 10ms, 1s, 2m); exit(); }']);
    expect(r.stdout).toBe('100 5000 10000000 1000000000 120000000000\n\n\n');
  });

  // `$p = bswap($p)` on a 16-bit variable, as the tcp*.bt tools turn skc_dport around.
  const BSWAP = 'BEGIN { printf("%x %x %x %x\\n", bswap((uint16)0x1234), bswap((uint32)0x12345678), bswap(0x0102030405060708), bswap((uint8)0xab)); @ = bswap((int16)-2); $p = (uint16)0xd711; $p = bswap($p); printf("%d\\n", $p); exit(); }';
  it('bswap() by the operand width, a variable\'s included', () => {
    expect(tsbpf(['-q', '-e', BSWAP]).stdout).toBe('3412 78563412 4030201 ab\n4567\n\n\n@: 65279\n');
  });
  it.skipIf(!haveBpftrace)('bswap() as bpftrace 0.17 prints it', () => {
    expect(tsbpf(['-q', '-e', BSWAP]).stdout).toBe(bpftraceStdout(BSWAP));
  });

  const NTOP =
    'BEGIN { printf("%s|%s|%-12s|%s|[%s]\\n", ntop(0x0100007f), ntop(2, 0x0100007f), ntop((uint16)258), ntop(10, 0x0100007f), ntop(3, 1)); ' +
    '@[ntop(0x0101a8c0)] = count(); @v = ntop(0x08080808); $x = ntop(16777343); printf("%s\\n", $x); exit(); }';
  it('ntop() in printf, map keys, map values and variables', () => {
    expect(tsbpf(['-q', '-e', NTOP]).stdout).toBe('127.0.0.1|127.0.0.1|2.1.0.0     |7f00:1::|[]\n127.0.0.1\n\n\n@[192.168.1.1]: 1\n@v: 8.8.8.8\n');
  });
  it.skipIf(!haveBpftrace)('ntop() as bpftrace 0.17 prints it', () => {
    expect(tsbpf(['-q', '-e', NTOP]).stdout).toBe(bpftraceStdout(NTOP));
  });

  it('strftime() formats boot-relative nanoseconds as wall-clock time, with %f', () => {
    const before = Date.now();
    const r = tsbpf(['-q', '-e', 'BEGIN { printf("%s\\n", strftime("%s.%f", nsecs)); @y[strftime("%Y", nsecs)] = count(); exit(); }']);
    const after = Date.now();
    const [line, , , map] = r.stdout.split('\n');
    const ms = Number(line!.replace('.', '')) / 1000;
    expect(ms).toBeGreaterThanOrEqual(before - 5);
    expect(ms).toBeLessThanOrEqual(after + 5);
    expect(line).toMatch(/^\d+\.\d{6}$/);
    expect(map).toBe(`@y[${new Date(after).getFullYear()}]: 1`);
  });
  const STRFTIME = 'BEGIN { printf("%s\\n", strftime("%Y", 0)); @t = strftime("%Y", 1e9); exit(); }';
  it.skipIf(!haveBpftrace)('strftime() as bpftrace 0.17 prints it', () => {
    expect(tsbpf(['-q', '-e', STRFTIME]).stdout).toBe(bpftraceStdout(STRFTIME));
  });

  it('has_key() (bpftrace HEAD)', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { @m[1, "a"] = 5; printf("%d %d\\n", has_key(@m, 1, "a"), has_key(@m, 2, "a")); if (!has_key(@m, 3, "b")) { printf("no\\n") } exit(); }']);
    expect(r.stdout).toBe('1 0\nno\n\n\n@m[1, a]: 5\n');
  });

  it('if without parentheses, in { } and < > blocks (bpftrace HEAD)', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { $x = 5; if $x > 1 { printf("big\\n") } else if $x == 1 { printf("one\\n") } } END < $y = 0; if $y > 1 { printf("no\\n") } else { printf("end\\n") } > BEGIN { exit() }']);
    expect(r.stdout).toBe('big\nend\n\n\n');
  });

  it('let declarations (bpftrace HEAD)', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { let $a; let $b = 5; let $c: uint8 = 300; let $d: int16; if $b > 1 { $a = ntop(0x0100007f) } printf("%s %d %d %d\\n", $a, $b, $c, $d); exit(); }']);
    expect(r.stdout).toBe('127.0.0.1 5 44 0\n\n\n');
  });

  it('ntop/strftime values through ternaries, map values read back, multi-key maps; the calls as statements', () => {
    const r = tsbpf(['-q', '-e', 'BEGIN { @m[1] = 1; bswap(1); ntop(1); strftime("%H", 1); has_key(@m, 1); $t = 1 > 0 ? ntop(1) : ntop(2); @n[1] = ntop(2, 0x0100007f); $u = @n[1]; $v = @n[2]; @k[ntop(1), 2] = 3; printf("%s %s [%s]\\n", $t, $u, $v); exit(); }']);
    expect(r.stdout).toBe('1.0.0.0 127.0.0.1 []\n\n\n@k[1.0.0.0, 2]: 3\n@m[1]: 1\n@n[1]: 127.0.0.1\n');
  });
});
