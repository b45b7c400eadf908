// Shared pieces of the kernel-cost and printf-throughput benchmarks: the C helpers compiled at
// bench time, children that are always cleaned up, line-oriented reading of a child's stdout,
// BPF program discovery by owning pid, and kernel.bpf_stats_enabled left as found.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../', import.meta.url));
export const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';
const STATS = '/proc/sys/kernel/bpf_stats_enabled';

export function which(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim() || undefined;
}

// ---- clean-up: children are killed and bpf_stats restored however we exit ----

const children = new Set();
let statsAsFound;
let workDir;

function cleanUp() {
  for (const c of children) {
    try {
      c.kill('SIGKILL');
    } catch {}
  }
  children.clear();
  if (statsAsFound !== undefined) {
    try {
      writeFileSync(STATS, statsAsFound);
    } catch {}
    statsAsFound = undefined;
  }
  if (workDir) rmSync(workDir, { recursive: true, force: true });
  workDir = undefined;
}
process.on('exit', cleanUp);
for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(sig, () => {
    cleanUp();
    process.exit(130);
  });
}

/** Fails the whole run after `ms` (children killed, stats restored by the exit handler). */
export function overallTimeout(ms) {
  setTimeout(() => {
    console.error(`benchmark timed out after ${ms / 1000} s`);
    process.exit(2);
  }, ms).unref();
}

/** Checks what every benchmark needs: root, the built bundle. Exits with a message if not. */
export function preflight() {
  if (process.getuid?.() !== 0) fail('run as root (loads BPF programs, toggles kernel.bpf_stats_enabled)');
  if (!existsSync(join(ROOT, 'dist/tsbpf.cjs'))) fail('dist/tsbpf.cjs is missing: run `npm run build` first');
  if (!which('gcc')) fail('gcc is needed to build the load generator (bench/loadgen.c)');
}

export function fail(msg) {
  console.error(msg);
  process.exit(1);
}

/** Compiles bench/NAME.c with the machine's gcc into a temporary directory; returns the binary. */
export function compileC(name) {
  workDir ??= mkdtempSync(join(tmpdir(), 'tsbpf-bench-'));
  const out = join(workDir, name);
  const r = spawnSync('gcc', ['-O2', '-Wall', '-o', out, join(ROOT, 'bench', `${name}.c`)], { encoding: 'utf8' });
  if (r.status !== 0) fail(`gcc ${name}.c failed:\n${r.stderr}`);
  return out;
}

// ---- children ----

/**
 * A spawned child whose stdout is read as lines. Lines are queued until someone asks for them
 * with `line(pred)`; stderr is collected whole.
 */
export class Child {
  constructor(argv, { env, stdin = 'pipe', stdout = 'pipe' } = {}) {
    this.argv = argv;
    this.proc = spawn(argv[0], argv.slice(1), { stdio: [stdin, stdout, 'pipe'], env: { ...process.env, ...env } });
    children.add(this.proc);
    this.lines = [];
    this.all = []; // every line, kept for searches that must not consume
    this.waiters = [];
    this.stderr = '';
    this.exited = new Promise((resolve) => {
      this.proc.on('exit', (code, signal) => {
        children.delete(this.proc);
        this.status = { code, signal };
        this.wake();
        resolve(this.status);
      });
    });
    let partial = '';
    this.proc.stdout?.setEncoding('utf8').on('data', (chunk) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop();
      this.lines.push(...parts);
      this.all.push(...parts);
      this.wake();
    });
    this.proc.stderr.setEncoding('utf8').on('data', (chunk) => (this.stderr += chunk));
  }

  get pid() {
    return this.proc.pid;
  }

  wake() {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  /** The next stdout line matching `pred` (earlier non-matching lines are dropped). */
  async line(pred = () => true, timeoutMs = 30000, what = 'a line') {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      while (this.lines.length) {
        const l = this.lines.shift();
        if (pred(l)) return l;
      }
      if (this.status) throw new Error(`${this.argv.join(' ')} exited (${JSON.stringify(this.status)}) before ${what}:\n${this.stderr}`);
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what} from ${this.argv[0]}:\n${this.stderr}`);
      await new Promise((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
  }

  send(text) {
    this.proc.stdin.write(text);
  }

  /** SIGINT, then SIGKILL if it has not exited after `graceMs`. Resolves to the exit status. */
  async stop(graceMs = 10000) {
    if (!this.status) this.proc.kill('SIGINT');
    const t = setTimeout(() => this.proc.kill('SIGKILL'), graceMs);
    const s = await this.exited;
    clearTimeout(t);
    return s;
  }
}

/** The load generator (bench/loadgen.c) pinned to `cpu`; `run(n, rate)` makes n getppid calls. */
export class LoadGen {
  static async start(binary, cpu) {
    const g = new LoadGen(new Child([binary, String(cpu)]));
    g.pidOf = Number(await g.child.line(() => true, 5000, 'its pid'));
    return g;
  }
  constructor(child) {
    this.child = child;
  }
  /** Returns { n, startNs, endNs, nsPerCall } (CLOCK_MONOTONIC, as bigint-free numbers). */
  async run(n, rate = 0, timeoutMs = 120000) {
    this.child.send(`${n} ${rate}\n`);
    const l = await this.child.line((x) => x.startsWith('done '), timeoutMs, 'the end of a load run');
    const [, count, start, end] = l.split(' ').map(Number);
    return { n: count, startNs: start, endNs: end, nsPerCall: (end - start) / count };
  }
  async close() {
    this.child.proc.stdin.end();
    await this.child.stop(2000);
  }
}

/** Tool command lines: the built tsbpf as users run it, and bpftrace when installed. */
export function tools() {
  const list = [{ name: 'tsbpf', argv: (script, args = []) => [join(ROOT, 'bin/tsbpf.cjs'), '-e', script, ...args] }];
  const bt = which('bpftrace');
  if (bt) list.push({ name: 'bpftrace', argv: (script, args = []) => [bt, '-e', script, ...args] });
  return list;
}

export function bpftraceVersion() {
  const bt = which('bpftrace');
  return bt ? spawnSync(bt, ['--version'], { encoding: 'utf8' }).stdout.trim() : 'bpftrace not installed';
}

/** Whether tsbpf compiles `script` (`-d` runs the whole front end and codegen, loads nothing). */
export function tsbpfAccepts(script) {
  const r = spawnSync(join(ROOT, 'bin/tsbpf.cjs'), ['-d', '-e', script], { encoding: 'utf8' });
  return r.status === 0 ? { ok: true } : { ok: false, why: (r.stderr.split('\n').find((l) => /ERROR/.test(l)) ?? r.stderr).trim() };
}

// ---- BPF programs by owning pid ----

/** Every BPF program `pid` holds an fd to: { id, type, runTimeNs, runCnt, misses } from fdinfo
 *  (misses: runs the kernel skipped because another BPF program was running on that CPU). */
export function programsOf(pid) {
  const out = new Map();
  let fds;
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return [];
  }
  for (const fd of fds) {
    let target;
    try {
      target = readlinkSync(`/proc/${pid}/fd/${fd}`);
    } catch {
      continue;
    }
    if (target !== 'anon_inode:bpf-prog') continue;
    let info;
    try {
      info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
    } catch {
      continue;
    }
    const field = (k) => Number(new RegExp(`^${k}:\\s*(\\d+)`, 'm').exec(info)?.[1] ?? NaN);
    const id = field('prog_id');
    out.set(id, { id, type: field('prog_type'), runTimeNs: field('run_time_ns'), runCnt: field('run_cnt'), misses: field('recursion_misses') });
  }
  return [...out.values()];
}

/** bpftool's view of program `id`: name, type, xlated instruction count, jited bytes. */
export function programInfo(id) {
  const r = spawnSync('bpftool', ['prog', 'show', 'id', String(id), '-j'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`bpftool prog show id ${id}: ${r.stderr}`);
  const j = JSON.parse(r.stdout);
  return { id, name: j.name, type: j.type, xlatedInsns: j.bytes_xlated / 8, jitedBytes: j.bytes_jited };
}

/**
 * Resolves once `tool` (started with __BPFTRACE_NOTIFY_PROBES_ATTACHED=1) says it has attached.
 * tsbpf prints the notification on stdout, where `counter` (bench/linecount.c) sees it; bpftrace
 * 0.17 prints it on stderr (and "Attaching N probes..." on stdout), so both are watched.
 */
export async function waitAttached(tool, counter, timeoutMs = 30000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (counter.all.includes('attached') || tool.stderr.includes(NOTIFY)) return;
    if (tool.status) throw new Error(`${tool.argv.join(' ')} exited (${JSON.stringify(tool.status)}) before attaching:\n${tool.stderr}`);
    if (Date.now() >= deadline) throw new Error(`timed out waiting for ${tool.argv[0]} to attach:\n${tool.stderr}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// ---- kernel.bpf_stats_enabled ----

export function setBpfStats(on) {
  statsAsFound ??= readFileSync(STATS, 'utf8').trim();
  writeFileSync(STATS, on ? '1' : '0');
}

/** Puts kernel.bpf_stats_enabled back to what it was before the first setBpfStats. */
export function restoreBpfStats() {
  if (statsAsFound === undefined) return;
  writeFileSync(STATS, statsAsFound);
  statsAsFound = undefined;
}

// ---- tables ----

export const median = (xs) => {
  const v = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return NaN;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};

export function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}
