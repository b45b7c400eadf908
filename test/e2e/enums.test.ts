// Kernel enum constants on the live kernel: values must be the ones bpftool reads from BTF.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { hasCommand, tsbpf } from './cli.ts';

/** The value bpftool gives enumerator `name` in vmlinux BTF. */
function bpftoolEnumerator(dump: string, name: string): string {
  const m = new RegExp(`^\\s+'${name}' val=(-?\\d+)$`, 'm').exec(dump);
  if (!m) throw new Error(`bpftool shows no enumerator ${name}`);
  return m[1]!;
}

describe.skipIf(!kernelAvailable || !hasCommand('bpftool'))('kernel enum constants (live kernel)', () => {
  it('enumerators evaluate to their BTF values, as u64 (bpftrace 0.17)', () => {
    const dump = execFileSync('bpftool', ['btf', 'dump', 'file', '/sys/kernel/btf/vmlinux'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    const est = bpftoolEnumerator(dump, 'TCP_ESTABLISHED');
    const drop = bpftoolEnumerator(dump, 'SKB_DROP_REASON_NOT_SPECIFIED');
    const close = bpftoolEnumerator(dump, 'TCP_CLOSE');
    const r = tsbpf(['-e', 'BEGIN { printf("%d %d %u\\n", TCP_ESTABLISHED, SKB_DROP_REASON_NOT_SPECIFIED, -TCP_CLOSE); @s = TCP_CLOSE; exit(); }']);
    expect(r).toEqual({
      code: 0,
      signal: null,
      // %u prints 32 bits, as bpftrace 0.17 does (4294967289 for -TCP_CLOSE).
      stdout: `${est} ${drop} ${(1n << 32n) - BigInt(close)}\n\n\n@s: ${close}\n`,
      stderr: 'Attaching 1 probe...\n',
    });
  });

  it('a name no enum declares is an unknown identifier', () => {
    const r = tsbpf(['-e', 'BEGIN { printf("%d\\n", TASK_RUNNING); exit(); }']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe("stdin:1:24-36: ERROR: Unknown identifier: 'TASK_RUNNING'\nBEGIN { printf(\"%d\\n\", TASK_RUNNING); exit(); }\n                       ~~~~~~~~~~~~\n");
  });
});
