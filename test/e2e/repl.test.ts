// The interactive mode: scripts typed one after another, multi-line input, errors that do not end
// the session, dot commands, and (on a real terminal) Ctrl-C ending a trace but not the session.
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kernelAvailable } from '../support/kernel.ts';
import { BIN, ROOT, tsbpf } from './cli.ts';

describe.skipIf(!kernelAvailable)('repl', () => {
  it('runs each script in turn, continues open blocks, survives errors, and stops at .quit', () => {
    const input = [
      'BEGIN { printf("one\\n"); exit(); }',
      'BEGIN {',
      '  @x = 5; exit();',
      '}',
      'BEGIN { foo(); }',
      '.dump',
      '.bogus',
      '.quit',
      'BEGIN { printf("never\\n"); exit(); }',
      '',
    ].join('\n');
    const r = tsbpf(['--repl', '-q'], { input });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('one\n\n\n\n\n@x: 5\n');
    const unknown = ['repl:1:9-12: ERROR: Unknown function: foo', 'BEGIN { foo(); }', '        ~~~'].join('\n');
    // Once when the script runs, once more for .dump of that same script.
    expect(r.stderr).toBe(`${unknown}\n${unknown}\nunknown command .bogus: try .help\n`);
  });

  it('.dump shows the last script\'s BPF without running it again', () => {
    const r = tsbpf(['--repl', '-q'], { input: 'BEGIN { @n = count(); exit(); }\n.dump\n' });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\n\n@n: 1\n; map 0: @n percpu_array key 4 value 8 entries 1\n/);
    expect(r.stdout).toContain('; program BEGIN (raw_tracepoint) for BEGIN');
    expect(r.stdout.match(/@n: 1/g)).toHaveLength(1);
  });

  it('on a terminal, Ctrl-C ends the running trace and returns to the prompt', async () => {
    // script(1) gives tsbpf a pseudo-terminal; bytes we write arrive as typed keys. It runs the
    // command through $SHELL: `exec` makes tsbpf the terminal's only process, as in a job-control
    // shell, so Ctrl-C's SIGINT cannot also kill a waiting shell (dash would die of it, and
    // script would report 130).
    const env = { ...process.env, SHELL: '/bin/sh' };
    const child = spawn('script', ['-qfec', `exec ${BIN}`, '/dev/null'], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let screen = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (screen += d));
    const waitFor = async (text: string, from: number): Promise<number> => {
      for (let i = 0; i < 200; i++) {
        const at = screen.indexOf(text, from);
        if (at >= 0) return at + text.length;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`never saw ${JSON.stringify(text)} in ${JSON.stringify(screen)}`);
    };
    const closed = new Promise<number | null>((resolve) => child.on('close', resolve));
    try {
      let at = await waitFor('tsbpf> ', 0);
      child.stdin.write('interval:ms:20 { @ticks = count(); }\r');
      at = await waitFor('Attaching 1 probe...', at);
      await new Promise((r) => setTimeout(r, 300));
      child.stdin.write('\x03');
      at = await waitFor('@ticks: ', at);
      at = await waitFor('tsbpf> ', at);
      child.stdin.write('BEGIN { printf("after %d\\n", 6 * 7); exit(); }\r');
      at = await waitFor('after 42', at);
      await waitFor('tsbpf> ', at);
      child.stdin.write('\x04');
      expect(await closed).toBe(0);
    } finally {
      child.kill('SIGKILL');
    }
  });
});
