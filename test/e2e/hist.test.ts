// hist(), lhist() and stats() end to end through the built CLI: BEGIN-only scripts against
// bpftrace 0.17's recorded output, and a tracepoint workload this test controls (dd reading
// /dev/zero in blocks of known sizes) with exact bucket counts, compared with the installed
// bpftrace tracing the same workload at the same time when it is present.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { HIST_GOLDENS } from '../support/hist-goldens.ts';
import { kernelAvailable } from '../support/kernel.ts';
import { hasCommand, runWorkload, startTsbpf, tsbpf } from './cli.ts';

// dd reads its stdin (fd 0) `count` times in blocks of `bs` bytes: 5 x 1, 3 x 100, 2 x 5000.
const WORKLOAD = ['-c', 'for a in "1 5" "100 3" "5000 2"; do set -- $a; dd bs=$1 count=$2 </dev/zero >/dev/null 2>&1; done'];
// BEGIN runs once every probe is attached: bpftrace 0.17 has no attach handshake of its own.
const SCRIPT =
  'BEGIN { printf("attached\\n"); } tracepoint:syscalls:sys_enter_read /comm == "dd" && args->fd == 0/ { @ = hist(args->count); @l = lhist(args->count, 0, 6000, 1000); @s = stats(args->count); @c[comm] = hist(args->count); }';

const HIST_ROWS =
  '[1]                    5 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
  '[2, 4)                 0 |                                                    |\n' +
  '[4, 8)                 0 |                                                    |\n' +
  '[8, 16)                0 |                                                    |\n' +
  '[16, 32)               0 |                                                    |\n' +
  '[32, 64)               0 |                                                    |\n' +
  '[64, 128)              3 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@                     |\n' +
  '[128, 256)             0 |                                                    |\n' +
  '[256, 512)             0 |                                                    |\n' +
  '[512, 1K)              0 |                                                    |\n' +
  '[1K, 2K)               0 |                                                    |\n' +
  '[2K, 4K)               0 |                                                    |\n' +
  '[4K, 8K)               2 |@@@@@@@@@@@@@@@@@@@@                                |\n';
const EXPECTED =
  `attached\n\n\n@: \n${HIST_ROWS}\n@c[dd]: \n${HIST_ROWS}\n@l: \n` +
  '[0, 1000)              8 |@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@|\n' +
  '[1000, 2000)           0 |                                                    |\n' +
  '[2000, 3000)           0 |                                                    |\n' +
  '[3000, 4000)           0 |                                                    |\n' +
  '[4000, 5000)           0 |                                                    |\n' +
  '[5000, 6000)           2 |@@@@@@@@@@@@@                                       |\n' +
  '\n@s: count 10, average 1030, total 10305\n\n';

/** `p`, or a rejection naming the step that took longer than `ms` (a loaded CI machine is slow,
 *  but a step that hangs should say which one it was). */
function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no result after ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** bpftrace running `script` until SIGINT; resolves once its probes are attached (BEGIN printed). */
async function startBpftrace(script: string): Promise<{ stop(): Promise<string> }> {
  const child = spawn('bpftrace', ['-e', script], { stdio: ['ignore', 'pipe', 'ignore'] });
  let stdout = '';
  const closed = new Promise<void>((resolve) => child.on('close', () => resolve()));
  try {
    await within(
      20_000,
      'bpftrace printing its BEGIN line',
      new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (d: Buffer) => {
          stdout += d.toString();
          if (stdout.includes('attached\n')) resolve();
        });
        closed.then(() => reject(new Error(`bpftrace exited before attaching: ${stdout}`)));
      }),
    );
  } catch (e) {
    child.kill('SIGKILL');
    throw e;
  }
  return {
    async stop() {
      child.kill('SIGINT');
      try {
        await within(20_000, `bpftrace exiting on SIGINT (stdout so far: ${JSON.stringify(stdout)})`, closed);
      } finally {
        child.kill('SIGKILL');
      }
      // Drop the `Attaching N probes...` line.
      return stdout.slice(stdout.indexOf('\n') + 1);
    },
  };
}

describe.skipIf(!kernelAvailable)('hist, lhist and stats through the CLI (live kernel)', () => {
  it.each(HIST_GOLDENS.map((g) => [g.script, g.output]))('%s', (script, output) => {
    expect(tsbpf(['-q', '-e', script])).toEqual({ code: 0, signal: null, stdout: output, stderr: '' });
  });

  it('print() and clear() of hist, lhist and stats maps (bpftrace 0.17 output)', () => {
    const script =
      'BEGIN { @h = hist(3); print(@h); clear(@h); print(@h); @l = lhist(3, 0, 10, 5); print(@l); @s = stats(4); print(@s); @k[1] = hist(1); @k[2] = hist(2); @k[2] = hist(2); exit(); }';
    const row = (label: string, n: number) => `${label.padEnd(16)}${String(n).padStart(8)} |${'@'.repeat(52)}|\n`;
    const l = `@l: \n${row('[0, 5)', 1)}\n`;
    const st = '@s: count 1, average 4, total 4\n\n';
    expect(tsbpf(['-q', '-e', script]).stdout).toBe(
      `@h: \n${row('[2, 4)', 1)}\n` + '\n' + l + st + '\n\n\n' + `@k[1]: \n${row('[1]', 1)}\n@k[2]: \n${row('[2, 4)', 2)}\n` + l + st,
    );
  });

  it('delete() removes every bucket of one hist/lhist key; as a value, whether any was there', () => {
    // bpftrace 0.17 leaves the buckets in place (its delete() misses the per-bucket keys).
    const r = tsbpf(['-q', '-e', 'BEGIN { @h[1] = hist(5); @h[1] = hist(100); @h[2] = hist(3); delete(@h, 1); @l[7] = lhist(5, 0, 100, 10); @l[8] = lhist(50, 0, 100, 10); delete(@l[7]); printf("%d %d\\n", delete(@h[2]), delete(@h[9])); exit(); }']);
    const row = (label: string) => `${label.padEnd(16)}${'1'.padStart(8)} |${'@'.repeat(52)}|\n`;
    expect(r.stdout).toBe(`1 0\n\n\n\n@l[8]: \n${row('[50, 60)')}\n`);
  });

  it('bucket counts of a workload are exact', async () => {
    const run = await startTsbpf(['-e', SCRIPT]);
    expect(await runWorkload('/bin/sh', WORKLOAD).done).toBe(0);
    run.child.kill('SIGINT');
    expect(await run.done).toEqual({ code: 0, signal: null, stdout: EXPECTED, stderr: 'Attaching 2 probes...\n' });
  });

  it.skipIf(!hasCommand('bpftrace'))('prints what the installed bpftrace prints for the same workload', async () => {
    const theirs = await startBpftrace(SCRIPT);
    const ours = await startTsbpf(['-e', SCRIPT]);
    expect(await within(20_000, 'the dd workload', runWorkload('/bin/sh', WORKLOAD).done)).toBe(0);
    ours.child.kill('SIGINT');
    const r = await within(20_000, 'tsbpf exiting on SIGINT', ours.done);
    expect(r.stdout).toBe(await theirs.stop());
    expect(r.stdout).toBe(EXPECTED);
  }, 90_000);
});
