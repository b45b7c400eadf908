// A killed tsbpf must leave nothing in the kernel: everything hangs off fds, nothing is pinned.
import { execSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { buildSync } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';

const ROOT = resolve(import.meta.dirname, '../..');

// Loads a counting program on a tracepoint through a Session, says `ready`, and waits to be killed.
const CHILD = `
import { Session } from ${JSON.stringify(`${ROOT}/runtime/session.ts`)};
import { locateTracefs, Tracefs } from ${JSON.stringify(`${ROOT}/runtime/tracefs.ts`)};
import { checkedAttach, countingProgram, counterMap, programSpec } from ${JSON.stringify(`${ROOT}/test/runtime/programs.ts`)};
const format = new Tracefs(locateTracefs()).format('syscalls', 'sys_enter_getppid');
const prog = programSpec('tsbpf_kill_t', 'tracepoint',
  checkedAttach('tracepoint:syscalls:sys_enter_getppid', { kind: 'tracepoint', format }),
  countingProgram(process.pid, 'counter'));
const s = Session.open({ license: 'GPL', maps: [counterMap('counter')], programs: [prog], printfs: [] });
s.attachAll();
process.stdout.write('ready\\n');
setInterval(() => {}, 1000);
`;

function programsNamed(prefix: string): string[] {
  const progs = JSON.parse(execSync('bpftool -j prog show').toString()) as { name?: string }[];
  return progs.map((p) => p.name ?? '').filter((n) => n.startsWith(prefix));
}

describe.skipIf(!kernelAvailable)('process exit', () => {
  it('leaves no program behind when tsbpf is killed with SIGKILL', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-kill-'));
    try {
      const out = join(dir, 'child.cjs');
      buildSync({
        stdin: { contents: CHILD, loader: 'ts', resolveDir: ROOT },
        bundle: true,
        platform: 'node',
        format: 'cjs',
        outfile: out,
        external: ['koffi'],
        define: { 'import.meta.url': '__url' },
        banner: { js: 'var __url = require("url").pathToFileURL(__filename).href;' },
        logLevel: 'silent',
      });
      const child = spawn(process.execPath, [out], { env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') }, stdio: ['ignore', 'pipe', 'inherit'] });
      await new Promise<void>((ok, fail) => {
        child.stdout.on('data', (d: Buffer) => d.toString().includes('ready') && ok());
        child.on('exit', (code) => fail(new Error(`child exited with ${code}`)));
      });
      expect(programsNamed('tsbpf_kill')).toEqual(['tsbpf_kill_t']);
      child.kill('SIGKILL');
      await new Promise((ok) => child.on('exit', ok));
      let left = programsNamed('tsbpf_kill');
      for (let i = 0; i < 40 && left.length > 0; i++) {
        await new Promise((r) => setTimeout(r, 50));
        left = programsNamed('tsbpf_kill');
      }
      expect(left).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
