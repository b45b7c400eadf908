// Runs the BUILT CLI in a child process exactly as users do: bin/tsbpf.cjs executed directly
// (its shell line starts node from the startup snapshot). `npm test` builds first.
import { spawn, spawnSync, execFileSync, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const BIN = `${ROOT}bin/tsbpf.cjs`;
export const NOTIFY = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';

export interface Result {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs tsbpf to completion; `wrap` prefixes the command (e.g. setpriv ...). */
export function tsbpf(args: readonly string[], opts: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number; wrap?: readonly string[] } = {}): Result {
  const argv = [...(opts.wrap ?? []), BIN, ...args];
  const r = spawnSync(argv[0]!, argv.slice(1), {
    input: opts.input ?? '',
    env: { ...process.env, ...opts.env },
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 20_000,
    cwd: ROOT,
  });
  if (r.error) throw r.error;
  return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
}

/** A running tsbpf whose probes are attached (it waited for the notify handshake on stdout). */
export interface Running {
  readonly child: ChildProcess;
  readonly pid: number;
  /** Resolves when it exits. `stdout` has the handshake line removed. */
  readonly done: Promise<Result>;
  stdoutSoFar(): string;
}

export async function startTsbpf(args: readonly string[], timeoutMs = 20_000): Promise<Running> {
  const child = spawn(BIN, args, {
    env: { ...process.env, [NOTIFY]: '1' },
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.setEncoding('utf8');
  child.stderr!.setEncoding('utf8');
  let onAttach: (() => void) | undefined;
  child.stdout!.on('data', (d: string) => {
    stdout += d;
    if (stdout.includes(`${NOTIFY}\n`)) onAttach?.();
  });
  child.stderr!.on('data', (d: string) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const done = new Promise<Result>((resolve) =>
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout: stdout.replace(`${NOTIFY}\n`, ''), stderr });
    }),
  );
  await new Promise<void>((resolve, reject) => {
    onAttach = resolve;
    done.then((r) => reject(new Error(`tsbpf exited before attaching (code ${r.code}): ${r.stderr}`)));
  });
  return { child, pid: child.pid!, done, stdoutSoFar: () => stdout };
}

/** Runs a command to completion (workloads). */
export function runWorkload(cmd: string, args: readonly string[]): { pid: number; done: Promise<number | null> } {
  const c = spawn(cmd, args, { stdio: 'ignore' });
  return { pid: c.pid!, done: new Promise((r) => c.on('close', (code) => r(code))) };
}

interface BpftoolObj {
  id: number;
  name?: string;
  map_ids?: number[];
  /** links only */
  prog_id?: number;
  /** programs: the BTF they were loaded with (ours carries field relocations) */
  btf_id?: number;
}

export function bpftoolList(kind: 'prog' | 'map' | 'link' | 'btf'): BpftoolObj[] {
  const out = execFileSync('bpftool', ['-j', kind, 'show'], { encoding: 'utf8' });
  return JSON.parse(out || '[]') as BpftoolObj[];
}

/** Kernel objects reachable from maps whose name contains `tag` (unique per test). */
export function objectsTagged(tag: string): { maps: number[]; progs: number[]; btfs: number[] } {
  const maps = bpftoolList('map')
    .filter((m) => m.name?.includes(tag))
    .map((m) => m.id);
  const progs = bpftoolList('prog').filter((p) => p.map_ids?.some((id) => maps.includes(id)));
  const btfs = [...new Set(progs.flatMap((p) => (p.btf_id !== undefined ? [p.btf_id] : [])))];
  return { maps, progs: progs.map((p) => p.id), btfs };
}

export function liveIds(kind: 'prog' | 'map' | 'btf', ids: readonly number[]): number[] {
  const now = new Set(bpftoolList(kind).map((o) => o.id));
  return ids.filter((id) => now.has(id));
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A short random tag usable in a map name (kernel map names keep 15 chars). */
export function uniqueTag(): string {
  return `t${Math.random().toString(36).slice(2, 8)}`;
}

/**
 * A node child that calls getppid(2) `n` times once it reads a line, so its pid is known before
 * tsbpf starts and its calls happen only after the probes are attached.
 */
export function getppidChild(n: number): { pid: number; go: () => void; exited: Promise<unknown> } {
  const child = spawn(process.execPath, ['-e', `process.stdin.once('data', () => { for (let i = 0; i < ${n}; i++) process.ppid; process.exit(0); })`], {
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exited = new Promise((r) => child.on('close', r));
  return { pid: child.pid!, go: () => void child.stdin!.write('go\n'), exited };
}
