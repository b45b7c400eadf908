// After a run ends, however it ends, nothing of ours is left in the kernel: no program, no map,
// no link, no BTF, no kprobe/uprobe event. Each test tags its map with a unique name so that programs
// of other tests running at the same time are never counted.
import { readFileSync, existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { bpftoolList, liveIds, objectsTagged, startTsbpf, tsbpf, uniqueTag } from './cli.ts';

function script(tag: string, exitAfterMs?: number): string {
  const end = exitAfterMs === undefined ? '' : ` interval:ms:${exitAfterMs} { @${tag} = 3; exit(); }`;
  // comm makes the tracepoint program carry a BTF of ours (field relocations) on this kernel.
  return `BEGIN { @${tag} = 1; } tracepoint:syscalls:sys_enter_getppid { if (comm != "") { @${tag} = 2; } }${end}`;
}

function probeEventsMentioningUs(): string[] {
  const out: string[] = [];
  for (const f of ['/sys/kernel/tracing/kprobe_events', '/sys/kernel/tracing/uprobe_events']) {
    if (!existsSync(f)) continue;
    out.push(...readFileSync(f, 'utf8').split('\n').filter((l) => /tsbpf/i.test(l)));
  }
  return out;
}

function linksTo(progs: readonly number[]): unknown[] {
  return bpftoolList('link').filter((l) => l.prog_id !== undefined && progs.includes(l.prog_id));
}

/** Polls `f` until it returns an empty list or 3 s passed; returns its last value. */
async function eventually<T>(f: () => T[]): Promise<T[]> {
  const deadline = Date.now() + 3000;
  let v = f();
  while (v.length > 0 && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    v = f();
  }
  return v;
}

async function runAndCheck(tag: string, args: string[], end: (child: import('node:child_process').ChildProcess) => void): Promise<void> {
  const run = await startTsbpf(args);
  const during = objectsTagged(tag);
  expect(during.maps.length).toBeGreaterThanOrEqual(1);
  // BEGIN, the tracepoint and (if any) the interval program all write the tagged map.
  expect(during.progs.length).toBeGreaterThanOrEqual(2);
  expect(during.btfs.length).toBeGreaterThanOrEqual(1);
  end(run.child);
  const r = await run.done;
  expect(r.code).toBe(0);
  // The kernel frees programs and maps from a work queue shortly after the last fd closes.
  expect(await eventually(() => liveIds('prog', during.progs))).toEqual([]);
  expect(await eventually(() => liveIds('map', during.maps))).toEqual([]);
  expect(await eventually(() => liveIds('btf', during.btfs))).toEqual([]);
  expect(linksTo(during.progs)).toEqual([]);
  expect(probeEventsMentioningUs()).toEqual([]);
}

describe.skipIf(!kernelAvailable)('kernel objects are released (live kernel)', () => {
  it('after exit()', async () => {
    const tag = uniqueTag();
    await runAndCheck(tag, ['-e', script(tag, 500)], () => {});
  });

  it('after SIGINT', async () => {
    const tag = uniqueTag();
    await runAndCheck(tag, ['-e', script(tag)], (c) => c.kill('SIGINT'));
  });

  it('after SIGTERM', async () => {
    const tag = uniqueTag();
    await runAndCheck(tag, ['-e', script(tag)], (c) => c.kill('SIGTERM'));
  });

  it('after a failed attach (ftrace:print has a format but takes no BPF program)', async () => {
    const tag = uniqueTag();
    const r = tsbpf(['-e', `BEGIN { @${tag} = 1; } tracepoint:ftrace:print { @${tag} = 2; }`]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`ERROR: cannot attach tracepoint:ftrace:print: `);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    expect(await eventually(() => objectsTagged(tag).maps)).toEqual([]);
    expect(probeEventsMentioningUs()).toEqual([]);
  });

  it('after a failed run (unknown tracepoint): nothing was created', () => {
    const tag = uniqueTag();
    const r = tsbpf(['-e', `BEGIN { @${tag} = 1; } tracepoint:syscalls:sys_enter_nosuchcall { @${tag} = 2; }`]);
    expect(r.code).toBe(1);
    expect(objectsTagged(tag)).toEqual({ maps: [], progs: [], btfs: [] });
  });
});
