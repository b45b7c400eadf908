#!/usr/bin/env node
// Start-up benchmark: wall time and peak RSS of whole runs of tsbpf (the built bin) and, when
// installed, bpftrace, on the same scripts, interleaved round by round so that machine noise
// hits both alike. Usage: node bench/startup.mjs [rounds=15]   (as root)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const ROUNDS = Number(process.argv[2] ?? 15);
const TIME = '/usr/bin/time';

const SCRIPTS = [
  { name: 'BEGIN printf exit', text: 'BEGIN { printf("hi\\n"); exit(); }' },
  { name: 'tracepoint count, 100 ms', text: 'tracepoint:raw_syscalls:sys_enter { @ = count(); } interval:ms:100 { exit(); }' },
];

function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

const tools = [
  // What users run: the launcher starts node from the V8 startup snapshot.
  { name: 'tsbpf', argv: (s) => [join(ROOT, 'bin/tsbpf.cjs'), '-e', s] },
  // The plain bundle, as when no snapshot could be built.
  { name: 'tsbpf (no snapshot)', argv: (s) => [process.execPath, join(ROOT, 'dist/tsbpf.cjs'), '-e', s] },
];
const bpftrace = which('bpftrace');
if (bpftrace) tools.push({ name: 'bpftrace', argv: (s) => [bpftrace, '-e', s] });

if (!existsSync(TIME)) {
  console.error(`${TIME} is missing (apt-get install time): it reports the peak RSS`);
  process.exit(1);
}
if (!existsSync(join(ROOT, 'dist/tsbpf.cjs'))) {
  console.error('dist/tsbpf.cjs is missing: run `npm run build` first');
  process.exit(1);
}

const dir = mkdtempSync(join(tmpdir(), 'tsbpf-bench-'));
const statsFile = join(dir, 'time');

/** One run: wall ms measured here (GNU time's %e has 10 ms resolution), peak RSS in KB from GNU time. */
function once(argv) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(TIME, ['-o', statsFile, '-f', '%M', ...argv], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr}`);
  return { ms, rssKb: Number(readFileSync(statsFile, 'utf8').trim().split('\n').pop()) };
}

const samples = new Map(); // `${tool}\0${script}` -> [{ms, rssKb}]
const floor = []; // `node -e 0`, the least any node program costs
for (const t of tools) for (const s of SCRIPTS) once(t.argv(s.text)); // warm the page cache
for (let round = 0; round < ROUNDS; round++) {
  floor.push(once([process.execPath, '-e', '0']).ms);
  for (const s of SCRIPTS) {
    for (const t of tools) {
      const key = `${t.name}\0${s.name}`;
      if (!samples.has(key)) samples.set(key, []);
      samples.get(key).push(once(t.argv(s.text)));
    }
  }
}
rmSync(dir, { recursive: true, force: true });

const median = (xs) => {
  const v = [...xs].sort((a, b) => a - b);
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

const rows = [];
for (const s of SCRIPTS) {
  const stat = (tool) => {
    const xs = samples.get(`${tool}\0${s.name}`);
    return xs && { ms: median(xs.map((x) => x.ms)), min: Math.min(...xs.map((x) => x.ms)), mb: median(xs.map((x) => x.rssKb)) / 1024 };
  };
  const base = stat('bpftrace');
  for (const t of tools) {
    const a = stat(t.name);
    rows.push([
      s.name,
      t.name,
      `${a.ms.toFixed(0)} ms`,
      `${a.min.toFixed(0)} ms`,
      `${a.mb.toFixed(1)} MB`,
      base ? `${(a.ms / base.ms).toFixed(2)}x` : 'n/a',
      base ? `${(a.mb / base.mb).toFixed(2)}x` : 'n/a',
    ]);
  }
}
const head = ['script', 'tool', 'wall (median)', 'wall (min)', 'peak RSS (median)', 'wall vs bpftrace', 'RSS vs bpftrace'];
const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(`${ROUNDS} interleaved rounds, node ${process.version} (\`node -e 0\`: ${median(floor).toFixed(0)} ms), ${bpftrace ? spawnSync(bpftrace, ['--version'], { encoding: 'utf8' }).stdout.trim() : 'bpftrace not installed'}`);
console.log(line(head));
console.log(line(widths.map((w) => '-'.repeat(w))));
for (const r of rows) console.log(line(r));
