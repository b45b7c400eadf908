// `tsbpf` with no program on a terminal (or `--repl`): an interactive session. Each complete
// script typed at the prompt is compiled and run like `tsbpf -e` until it calls exit() or the user
// presses Ctrl-C, which ends that run (END, maps printed) and returns to the prompt. A script that
// is not complete yet (an open `{`) continues on the next line. Dot commands: .help, .list,
// .dump, .quit. Prompts and messages go to stderr so stdout carries only trace output.
import { createInterface, type Interface } from 'node:readline';
import type { CliOptions } from './args.ts';
import { writeErr } from './errors.ts';
import { listProbes } from './list.ts';
import { report } from './report.ts';
import { run } from './run.ts';
import { CompileError } from '../lang/diagnostics.ts';
import { parse } from '../lang/parser.ts';
import { SourceFile } from '../lang/source.ts';
import type { OutputWriter } from '../runtime/output/writer.ts';

export type ReplOptions = Pick<CliOptions, 'positionals' | 'verbose' | 'quiet'>;

const PROMPT = 'tsbpf> ';
const CONTINUE = '...... ';
/** Diagnostics name REPL input like this, as they name -e programs `stdin`. */
const SOURCE_NAME = 'repl';

const HELP = `Type a script, e.g.  tracepoint:syscalls:sys_enter_openat { @[comm] = count(); }
It runs until it calls exit() or you press Ctrl-C; then END runs and maps are printed.
A line with an unclosed { continues on the next line.
  .list [GLOB]   list tracepoints, e.g. .list syscalls:*open*
  .dump          show the BPF program of the last script
  .help          this text
  .quit          leave (or Ctrl-D)
`;

/** Runs the REPL until end of input or .quit. */
export async function repl(opts: ReplOptions, out: OutputWriter): Promise<number> {
  const input = process.stdin;
  const tty = input.isTTY === true;
  const rl = createInterface({ input, output: process.stderr, terminal: tty, prompt: PROMPT });
  let pending = '';
  let last: string | undefined;
  // Without a terminal (input piped in) there is nobody to prompt.
  const prompt = (text: string): void => {
    rl.setPrompt(text);
    if (tty) rl.prompt();
  };
  // Ctrl-C at the prompt drops the line being typed, as shells do.
  rl.on('SIGINT', () => {
    pending = '';
    rl.write(null, { ctrl: true, name: 'u' }); // readline keeps the typed text otherwise
    process.stderr.write('\n');
    prompt(PROMPT);
  });
  if (tty) writeErr('tsbpf interactive mode: type a script, .help for help, Ctrl-D to leave.\n');
  prompt(PROMPT);
  for await (const line of rl) {
    const text = pending ? `${pending}\n${line}` : line;
    pending = '';
    const command = text.trim();
    if (command === '') {
      prompt(PROMPT);
      continue;
    }
    if (command.startsWith('.')) {
      const [name, ...args] = command.split(/\s+/);
      if (name === '.quit' || name === '.exit') break;
      await runCommand(name!, args, last, opts, out);
    } else if (incomplete(text)) {
      pending = text;
      prompt(CONTINUE);
      continue;
    } else {
      last = text;
      await runScript(rl, tty, text, opts, out);
    }
    prompt(PROMPT);
  }
  rl.close();
  if (tty) writeErr('\n');
  // Each failure was reported where it happened; leaving the session is not one.
  return 0;
}

/** True when the only problem with `text` is that it ends too early (an open block). */
function incomplete(text: string): boolean {
  try {
    parse(new SourceFile(SOURCE_NAME, text));
    return false;
  } catch (e) {
    return e instanceof CompileError && e.diagnostics.some((d) => d.message.endsWith('unexpected end of file'));
  }
}

async function runCommand(name: string, args: readonly string[], last: string | undefined, opts: ReplOptions, out: OutputWriter): Promise<number> {
  switch (name) {
    case '.help':
      writeErr(HELP);
      return 0;
    case '.list':
      return guarded(out, () => listProbes({ pattern: args[0] }, out));
    case '.dump':
      if (last === undefined) {
        writeErr('no script yet: type one first\n');
        return 1;
      }
      return guarded(out, () => run({ ...opts, source: { kind: 'inline', text: last }, dump: true, sourceName: SOURCE_NAME }, out));
    default:
      writeErr(`unknown command ${name}: try .help\n`);
      return 1;
  }
}

/**
 * Runs one script. On a terminal, readline keeps the tty in raw mode, where Ctrl-C is a key, not
 * a signal: hand the terminal back in cooked mode while the script runs so Ctrl-C reaches run()'s
 * SIGINT handler and ends the trace, then take it back for the next prompt.
 */
async function runScript(rl: Interface, tty: boolean, text: string, opts: ReplOptions, out: OutputWriter): Promise<number> {
  rl.pause();
  if (tty) process.stdin.setRawMode(false);
  try {
    return await guarded(out, () => run({ ...opts, source: { kind: 'inline', text }, dump: false, sourceName: SOURCE_NAME }, out));
  } finally {
    if (tty) process.stdin.setRawMode(true);
    rl.resume();
  }
}

/** Runs a step, printing any failure as the CLI would, so the session goes on. */
async function guarded(out: OutputWriter, f: () => number | Promise<number>): Promise<number> {
  try {
    return await f();
  } catch (e) {
    out.flush();
    return report(e);
  } finally {
    out.flush();
  }
}
