// The example tools in examples/*.bt: each compiles (`tsbpf -d`), and on a live kernel each runs
// under a workload the test starts once its probes are attached, then ends (SIGINT, exit() or its
// -c command) with output of the expected shape and nothing but the attach line on stderr.
import { readdirSync, readFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { ROOT, hasCommand, runWorkload, startTsbpf, tsbpf, type Result } from './cli.ts';

const EXAMPLES = readdirSync(`${ROOT}examples`)
  .filter((f) => f.endsWith('.bt'))
  .sort();

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Runs `cmd args` to completion; its pid and exit code. */
async function workload(cmd: string, ...args: string[]): Promise<number> {
  const w = runWorkload(cmd, args);
  expect(await w.done).toBe(0);
  return w.pid;
}

interface Run {
  /** Options before the script's path. */
  readonly opts?: readonly string[];
  /** Arguments after the script's path ($1, ...). */
  readonly args?: readonly string[];
  /** Runs the workload once the probes are attached; resolves to the patterns the output must match. */
  readonly workload: () => Promise<readonly RegExp[]>;
  /** The run ends by itself (exit() or -c); otherwise SIGINT ends it after the workload. */
  readonly endsItself?: boolean;
  readonly needs?: string;
}

const RUNS: Record<string, Run> = {
  'bashreadline.bt': {
    needs: 'bash',
    workload: async () => {
      // An interactive bash reads its commands through readline even from a pipe.
      const bash = spawn('/bin/bash', ['--norc', '--noprofile', '-i'], { stdio: ['pipe', 'ignore', 'ignore'] });
      const done = new Promise((r) => bash.on('close', r));
      bash.stdin!.end('echo tsbpf_readline_marker\nexit\n');
      await done;
      return [/^PID +COMMAND\n/m, new RegExp(`^${bash.pid} +echo tsbpf_readline_marker\n${bash.pid} +exit$`, 'm')];
    },
  },
  'errnos.bt': {
    workload: async () => {
      runWorkload('ls', ['/nonexistent-tsbpf-example']);
      await sleep(300);
      return [/^Counting failed syscalls\.\.\. Hit Ctrl-C to end\.\n/, /^@errors\[ls, 2\]: [1-9]\d*$/m, /^@by_syscall\[\d+\]: [1-9]\d*$/m];
    },
  },
  'execsnoop.bt': {
    workload: async () => {
      const pid = await workload('/bin/true');
      return [/^TIME\(ms\) +PID +CALLER +PATH\n/, new RegExp(`^\\d+ +${pid} +\\S+ +/bin/true$`, 'm')];
    },
  },
  'killsnoop.bt': {
    workload: async () => {
      const pid = await workload('sh', '-c', 'sleep 5 & kill -TERM $!; kill -0 $$');
      return [
        /^PID +COMM +TPID +SIG RESULT\n/,
        new RegExp(`^${pid} +sh +\\d+ +15 0$`, 'm'),
        new RegExp(`^${pid} +sh +${pid} +0 0$`, 'm'),
      ];
    },
  },
  'mallocsize.bt': {
    opts: ['-c', 'ls /'],
    endsItself: true,
    workload: async () => [/^@requests\[ls\]: [1-9]\d*$/m, /^@bytes\[ls\]: [1-9]\d*$/m, /^@size\[ls\]: \n\[\d+/m],
  },
  'opensnoop.bt': {
    workload: async () => {
      const w = runWorkload('cat', ['/etc/hostname', '/nonexistent-tsbpf-example']);
      expect(await w.done).toBe(1);
      return [
        /^Tracing openat\(2\)\.\.\. Hit Ctrl-C to end\.\nPID +COMM +FD ERR PATH\n/,
        new RegExp(`^${w.pid} +cat +\\d+ +0 /etc/hostname$`, 'm'),
        new RegExp(`^${w.pid} +cat +-1 +2 /nonexistent-tsbpf-example$`, 'm'),
      ];
    },
  },
  'profile.bt': {
    workload: async () => {
      const w = runWorkload('timeout', ['0.5', 'sh', '-c', 'while :; do :; done']);
      expect(await w.done).toBe(124); // timeout's status when it had to stop the command
      return [/^Sampling at 99 Hertz/, /^@samples\[sh\]: [1-9]\d*$/m, /^@cpu\[\d+\]: [1-9]\d*$/m];
    },
  },
  'readlatency.bt': {
    workload: async () => [/^@usecs: \n\[\d+/m, /^@max_usecs: \d+$/m],
  },
  'readsize.bt': {
    workload: async () => {
      await workload('cat', '/etc/passwd');
      return [/^read\(2\) sizes in bytes, by process:\n/m, /^@bytes\[cat\]: \n\[\d+/m, /^@summary: count [1-9]\d*, average \d+, total \d+$/m];
    },
  },
  'sleepsnoop.bt': {
    workload: async () => {
      const pid = await workload('sleep', '0.25');
      return [/^PID +COMM +SLEPT\(us\)\n/, new RegExp(`^${pid} +sleep +2\\d{5}$`, 'm'), /^@ms\[sleep\]: \n\[200, 300\) +1 \|@+\|$/m];
    },
  },
  'syscallrate.bt': {
    args: ['2'],
    endsItself: true,
    workload: async () => {
      await workload('cat', '/etc/hostname');
      return [/^Tracing open\/read\/write\/close per second/, /^@calls\[tracepoint:syscalls:sys_enter_openat\]: [1-9]\d*$/m];
    },
  },
  'syscount.bt': {
    workload: async () => {
      await workload('ls', '/');
      return [/^Counting syscalls/, /^@by_comm\[ls\]: [1-9]\d*$/m, /^@by_id\[\d+\]: [1-9]\d*$/m, /^@total: [1-9]\d*$/m];
    },
  },
  'wakeuplat.bt': {
    workload: async () => {
      await workload('sleep', '0.1');
      return [/^@usecs: \n\[\d+/m];
    },
  },
  'writebytes.bt': {
    workload: async () => {
      // Writes 6 bytes, then stays alive well past the first one-second interval (timers run
      // late on a loaded machine).
      const pid = await workload('sh', '-c', 'echo hello > /dev/null; sleep 2.5');
      return [/^Bytes written per second/, /^--- 1 s ---$/m, new RegExp(`^@bytes\\[${pid}, sh\\]: 6$`, 'm')];
    },
  },
};

describe('examples/*.bt', () => {
  it('has a run specification for every example, and at least ten examples', () => {
    expect(EXAMPLES.length).toBeGreaterThanOrEqual(10);
    expect(Object.keys(RUNS).sort()).toEqual(EXAMPLES);
  });

  it.each(EXAMPLES)('%s compiles (tsbpf -d)', (file) => {
    const r = tsbpf(['-d', `examples/${file}`]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^; program /m);
  });

  it.each(EXAMPLES)('%s starts with a #!/usr/bin/env tsbpf line and a header with an example', (file) => {
    const text = readFileSync(`${ROOT}examples/${file}`, 'utf8');
    expect(text.startsWith('#!/usr/bin/env tsbpf\n/*\n')).toBe(true);
    expect(text).toMatch(new RegExp(`^ \\* Example: tsbpf (-c '[^']*' )?examples/${file.replace('.', '\\.')}`, 'm'));
  });
});

describe.skipIf(!kernelAvailable)('examples/*.bt on the live kernel', () => {
  it.each(EXAMPLES)('%s runs under its workload', async (file) => {
    const spec = RUNS[file]!;
    if (spec.needs && !hasCommand(spec.needs)) return;
    const run = await startTsbpf([...(spec.opts ?? []), `examples/${file}`, ...(spec.args ?? [])], 30_000);
    let r: Result;
    let patterns: readonly RegExp[];
    try {
      patterns = await spec.workload();
      if (!spec.endsItself) {
        await sleep(200);
        run.child.kill('SIGINT');
      }
    } finally {
      r = await run.done;
    }
    expect(r.stderr).toMatch(/^Attaching \d+ probes?\.\.\.\n$/);
    expect(r.code).toBe(0);
    for (const p of patterns) expect(r.stdout).toMatch(p);
  }, 40_000);

  it('readlatency.bt with a pid argument traces only that process', async () => {
    // The shell reads its stdin (read(2)) after tsbpf is attached, with its pid known up front.
    const sh = spawn('sh', ['-c', 'read a; read b'], { stdio: ['pipe', 'ignore', 'ignore'] });
    const exited = new Promise((r) => sh.on('close', r));
    const run = await startTsbpf(['examples/readlatency.bt', String(sh.pid)]);
    sh.stdin!.end('x\ny\n');
    await exited;
    await sleep(100);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.stderr).toBe('Attaching 3 probes...\n');
    // `read` reads its line one byte at a time: "x\n" and "y\n" are four read(2) calls, the first
    // of which normally began (blocked) before the probes were attached and so has no start time.
    const counts = [...r.stdout.matchAll(/^\[[^\n|]*?[\])] +(\d+) \|/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect([3, 4]).toContain(counts);
  }, 40_000);
});
