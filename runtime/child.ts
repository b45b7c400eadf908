// The `-c CMD` child: started stopped before it runs CMD, so probes can be attached first (as
// bpftrace does with fork + a pipe before execve). Node cannot fork without exec, so the child
// is a tiny /bin/sh that reports it is ready, blocks reading a pipe, and then execs CMD in place:
// its pid is CMD's pid. If tsbpf goes away before releasing it, the read sees end-of-file and the
// shell exits without running CMD.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable, Writable } from 'node:stream';

// fd 3: the gate tsbpf writes a line to; fd 4: the ready signal. Both are closed for CMD.
const GATE_SCRIPT = 'echo >&4; read _ <&3 || exit 125; exec "$@" 3<&- 4>&-';

/** bpftrace splits -c on spaces (no shell); quotes here group words, as a shell would. */
export function splitCommand(cmd: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: '"' | "'" | undefined;
  for (let i = 0; i < cmd.length; i++) {
    const c = cmd[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < cmd.length && '"\\$`'.includes(cmd[i + 1]!)) word += cmd[++i]!;
      else word += c;
    } else if (c === ' ' || c === '\t' || c === '\n') {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (c === '\\' && i + 1 < cmd.length) {
      word = (word ?? '') + cmd[++i]!;
    } else {
      word = (word ?? '') + c;
    }
  }
  if (quote) throw new Error(`unterminated ${quote} quote in the command`);
  if (word !== undefined) words.push(word);
  return words;
}

/** The file `name` runs (PATH lookup for a bare name), or undefined. */
export function findExecutable(name: string, searchPath = process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin'): string | undefined {
  const candidates = name.includes('/') ? [name] : searchPath.split(':').filter((d) => d !== '').map((d) => join(d, name));
  return candidates.find((p) => {
    try {
      accessSync(p, constants.X_OK);
      return statSync(p).isFile();
    } catch {
      return false;
    }
  });
}

export class ChildCommand {
  private released = false;
  private exitCode: number | null | undefined;
  /** Resolves with CMD's exit code (null if a signal ended it). */
  readonly exited: Promise<number | null>;

  private constructor(private readonly proc: ChildProcess) {
    this.exited = new Promise((resolve) => {
      proc.on('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      });
    });
  }

  /**
   * Starts `argv` stopped before it runs. Resolves once the child waits for release(); rejects if
   * the command cannot be found or the child dies first. Its stdin/stdout/stderr are ours.
   */
  static async spawn(argv: readonly string[]): Promise<ChildCommand> {
    if (argv.length === 0) throw new Error('the command is empty');
    if (!findExecutable(argv[0]!)) throw new Error(`cannot run '${argv[0]}': no such executable${argv[0]!.includes('/') ? '' : ' in PATH'}`);
    const proc = spawn('/bin/sh', ['-c', GATE_SCRIPT, 'sh', ...argv], { stdio: ['inherit', 'inherit', 'inherit', 'pipe', 'pipe'] });
    const child = new ChildCommand(proc);
    const ready = proc.stdio[4] as Readable;
    await new Promise<void>((resolve, reject) => {
      ready.once('data', () => resolve());
      proc.once('error', reject);
      void child.exited.then((code) => reject(new Error(`the command exited before it could start (code ${code})`)));
    });
    ready.destroy();
    return child;
  }

  get pid(): number {
    return this.proc.pid!;
  }

  get running(): boolean {
    return this.exitCode === undefined;
  }

  /** Lets the child exec CMD. */
  release(): void {
    if (this.released) return;
    this.released = true;
    (this.proc.stdio[3] as Writable).end('go\n');
  }

  /** Ends the child if it still runs (SIGTERM, as bpftrace does). */
  kill(): void {
    (this.proc.stdio[3] as Writable).destroy();
    if (this.running) this.proc.kill('SIGTERM');
  }
}
