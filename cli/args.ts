// Command-line parsing (commander). Kept apart from running so `--help`/usage errors never touch
// the compiler or the kernel.
import { Command, CommanderError } from 'commander';

/** `-l [PATTERN]`: list probe points instead of running a script. */
export interface ListOptions {
  readonly pattern: string | undefined;
}

export interface CliOptions {
  /** The script text and the name diagnostics show (`stdin` for -e and `-`, else the path). */
  readonly source: { readonly kind: 'inline'; readonly text: string } | { readonly kind: 'file'; readonly path: string } | { readonly kind: 'stdin' };
  /** $1, $2, ... */
  readonly positionals: readonly string[];
  readonly dump: boolean;
  readonly verbose: boolean;
  readonly quiet: boolean;
  /** `-c CMD`: run CMD with probes attached, end when it exits; `cpid` is its pid. */
  readonly command?: string;
  /** `-p PID`: uprobes attach to this process only, and the run ends when it exits. */
  readonly pid?: number;
  /** `-f FORMAT`: bpftrace's text (the default) or JSON lines. */
  readonly format?: OutputFormatName;
  /** `-o FILE`: the trace output goes to FILE instead of stdout. */
  readonly outputFile?: string;
  /** What diagnostics call an inline program (default `stdin`, as bpftrace does). */
  readonly sourceName?: string;
}

export type OutputFormatName = 'text' | 'json';

/** The result of parsing argv: options to run, or text to print and an exit code. */
export type ParsedArgs =
  | { readonly kind: 'run'; readonly options: CliOptions }
  | { readonly kind: 'list'; readonly options: ListOptions }
  | { readonly kind: 'repl'; readonly options: Pick<CliOptions, 'positionals' | 'verbose' | 'quiet'> }
  | { readonly kind: 'exit'; readonly code: number; readonly stdout: string; readonly stderr: string };

export const VERSION: string = process.env.TSBPF_VERSION ?? '0.0.0-dev';

export function parseArgs(argv: readonly string[]): ParsedArgs {
  let stdout = '';
  let stderr = '';
  const program = new Command('tsbpf')
    .usage('[options] [FILE|-] [ARGS...]')
    .description('Trace the kernel with a bpftrace script, compiled to eBPF by TypeScript.')
    .option('-e <program>', 'the script to run, given inline')
    .option('-l', 'list tracepoints (matching the glob in the first argument, e.g. \'tracepoint:syscalls:*open*\'), or a binary\'s functions (\'uprobe:/bin/bash:read*\')')
    .option('-d, --dump-bpf', 'print the generated BPF programs and maps, and exit without loading')
    .option('-v, --verbose', 'print notices and program sizes')
    .option('-q, --quiet', 'do not print the "Attaching N probes..." line (attached_probes with -f json)')
    .option('-c <command>', 'run COMMAND once the probes are attached and end when it exits (cpid is its pid)')
    .option('-p <pid>', 'trace process PID: uprobes attach to it alone, and the run ends when it exits')
    .option('-f <format>', "output format: 'text' (the default) or 'json' (one JSON object per line, as bpftrace prints them)")
    .option('-o <file>', 'write the trace output to FILE instead of stdout (errors stay on stderr)')
    .option('--repl', 'interactive mode (the default when no program is given on a terminal)')
    .version(VERSION, '-V, --version', 'print the version')
    .helpOption('-h, --help', 'print this help')
    .argument('[args...]', 'FILE (or - for stdin) unless -e is given, then $1, $2, ...')
    .addHelpText(
      'after',
      `
Examples:
  tsbpf -e 'tracepoint:syscalls:sys_enter_execve { printf("%s\\n", comm); }'
  tsbpf -e 'tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }'
  tsbpf script.bt 42
  tsbpf -f json -o trace.json -e 'tracepoint:syscalls:sys_enter_openat { time("%H:%M:%S "); printf("%s\\n", comm); }'`,
    )
    .passThroughOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => (stdout += s),
      writeErr: (s) => (stderr += s),
      outputError: (s) => (stderr += s.replace(/^error: /, 'tsbpf: ')),
    });
  try {
    program.parse(argv as string[], { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      const code = e.code === 'commander.helpDisplayed' || e.code === 'commander.version' ? 0 : e.exitCode || 1;
      return { kind: 'exit', code, stdout, stderr };
    }
    throw e;
  }
  const o = program.opts<{ e?: string; l?: boolean; dumpBpf?: boolean; verbose?: boolean; quiet?: boolean; repl?: boolean; c?: string; p?: string; f?: string; o?: string }>();
  if (o.f !== undefined && o.f !== 'text' && o.f !== 'json') {
    return { kind: 'exit', code: 1, stdout: '', stderr: `tsbpf: invalid output format "${o.f}": valid formats are 'text' and 'json'\n` };
  }
  const rest = program.args;
  if (o.l) return { kind: 'list', options: { pattern: rest[0] } };
  if (o.repl || (o.e === undefined && rest.length === 0 && process.stdin.isTTY)) {
    return { kind: 'repl', options: { positionals: o.repl ? rest : [], verbose: !!o.verbose, quiet: !!o.quiet } };
  }
  let source: CliOptions['source'];
  let positionals: string[];
  if (o.e !== undefined) {
    source = { kind: 'inline', text: o.e };
    positionals = rest;
  } else if (rest.length > 0) {
    source = rest[0] === '-' ? { kind: 'stdin' } : { kind: 'file', path: rest[0]! };
    positionals = rest.slice(1);
  } else {
    return { kind: 'exit', code: 1, stdout: '', stderr: 'tsbpf: no program given: use -e PROGRAM, a FILE or - for stdin (see --help)\n' };
  }
  let pid: number | undefined;
  if (o.p !== undefined) {
    if (!/^\d+$/.test(o.p) || Number(o.p) <= 0 || Number(o.p) > 0x7fffffff) {
      return { kind: 'exit', code: 1, stdout: '', stderr: `tsbpf: pid '${o.p}' is not a valid decimal number\n` };
    }
    if (o.c !== undefined) return { kind: 'exit', code: 1, stdout: '', stderr: 'tsbpf: cannot use both -c and -p\n' };
    pid = Number(o.p);
  }
  return {
    kind: 'run',
    options: {
      source,
      positionals,
      dump: !!o.dumpBpf,
      verbose: !!o.verbose,
      quiet: !!o.quiet,
      ...(o.c !== undefined ? { command: o.c } : {}),
      ...(pid !== undefined ? { pid } : {}),
      ...(o.f !== undefined ? { format: o.f } : {}),
      ...(o.o !== undefined ? { outputFile: o.o } : {}),
    },
  };
}
