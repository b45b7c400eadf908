// The tsbpf pipeline: source → parse → analyze → generate → (dump | load, attach, stream, print
// maps at the end). Errors surface as CompileError diagnostics or one-line messages; the session
// is closed on every path so no BPF object outlives the run.
import { closeSync, openSync, readFileSync } from 'node:fs';
import { generate } from '../codegen/gen/index.ts';
import { dumpObject } from '../codegen/dump.ts';
import type { BpfObject } from '../codegen/object.ts';
import type { Program } from '../lang/ast.ts';
import type { CheckedProgram } from '../lang/checked.ts';
import { CompileError, formatDiagnostics } from '../lang/diagnostics.ts';
import { parse } from '../lang/parser.ts';
import { headerConstants } from '../runtime/c-headers.ts';
import { analyze } from '../lang/semantic/index.ts';
import { SourceFile } from '../lang/source.ts';
import { LiveKernelEnvironment } from '../runtime/kernel-env.ts';
import { kernelAppliesFieldRelocations } from '../runtime/kernel-features.ts';
import { JsonSink } from '../runtime/output/json-sink.ts';
import { TextSink } from '../runtime/output/text-sink.ts';
import { OutputWriter } from '../runtime/output/writer.ts';
import { checkPrivileges } from '../runtime/privileges.ts';
import { Session } from '../runtime/session.ts';
import { ChildCommand, splitCommand } from '../runtime/child.ts';
import { isNoSuchProcess, TargetProcess } from '../runtime/target-process.ts';
import type { CliOptions } from './args.ts';
import { UserError, writeErr } from './errors.ts';

const NOTIFY_ENV = '__BPFTRACE_NOTIFY_PROBES_ATTACHED';

/** Runs one script; resolves to the process exit code. Throws CompileError/UserError for the caller to print. */
export async function run(opts: CliOptions, out: OutputWriter): Promise<number> {
  const source = readSource(opts.source, opts.sourceName);
  const program = withSource(source, () => parse(source, undefined, headerConstants));
  // Syntax errors are shown to anyone; everything after needs the kernel (tracefs is root-only),
  // except -d, which loads nothing.
  if (!opts.dump) {
    const denied = checkPrivileges();
    if (denied) throw new UserError(denied);
  }
  const compiled = compile(source, program, opts);
  if (opts.dump) {
    out.write(dumpObject(compiled.obj, source));
    return 0;
  }
  return execute(compiled.obj, opts, out, source);
}

function readSource(s: CliOptions['source'], sourceName?: string): SourceFile {
  if (s.kind === 'inline') return new SourceFile(sourceName ?? 'stdin', s.text);
  const name = s.kind === 'stdin' ? 'stdin' : s.path;
  try {
    return new SourceFile(name, readFileSync(s.kind === 'stdin' ? 0 : s.path, 'utf8'));
  } catch (e) {
    throw new UserError(`cannot read ${s.kind === 'stdin' ? 'the program from stdin' : `'${name}'`}: ${(e as Error).message.replace(/^\w+: /, '')}`);
  }
}

export interface Compiled {
  readonly checked: CheckedProgram;
  readonly obj: BpfObject;
}

/** Runs `f`, turning a CompileError into one that knows its source. */
function withSource<T>(source: SourceFile, f: () => T): T {
  try {
    return f();
  } catch (e) {
    if (e instanceof CompileError) throw new PrintableCompileError(e, source);
    throw e;
  }
}

/** Semantic analysis and codegen; prints warnings and attach notices on stderr. */
export function compile(source: SourceFile, program: Program, opts: Pick<CliOptions, 'positionals' | 'verbose' | 'command'>): Compiled {
  return withSource(source, () => {
    const { checked, warnings } = analyze(program, new LiveKernelEnvironment(), {
      positionals: opts.positionals,
      ...(opts.command !== undefined ? { hasChild: true } : {}),
    });
    if (warnings.length > 0) writeErr(formatDiagnostics(warnings, source) + '\n');
    const notices = new Set<string>();
    for (const p of checked.probes) for (const a of p.attaches) if (a.notice) notices.add(a.notice);
    for (const n of notices) writeErr(n + '\n');
    const obj = generate(checked, { kernelFields: kernelAppliesFieldRelocations() });
    if (opts.verbose) {
      for (const p of obj.programs) writeErr(`tsbpf: program ${p.name} (${p.attach.probeName}): ${p.insns.length} instructions\n`);
    }
    return { checked, obj };
  });
}

/** A CompileError together with the source its spans point into. */
export class PrintableCompileError extends Error {
  constructor(
    readonly error: CompileError,
    readonly source: SourceFile,
  ) {
    super(error.message);
  }
  format(): string {
    return formatDiagnostics(this.error.all, this.source);
  }
}

async function execute(obj: BpfObject, opts: CliOptions, out: OutputWriter, source: SourceFile): Promise<number> {
  let session: Session | undefined;
  let finish: (() => void) | undefined;
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const onSignal = (): void => finish!();
  let child: ChildCommand | undefined;
  let target: TargetProcess | undefined;
  // -o FILE: the trace output goes there; stdout keeps the notify line and the "\n\n" before
  // the exit maps, as in bpftrace.
  const traceFd = opts.outputFile !== undefined ? openOutputFile(opts.outputFile) : undefined;
  const traceOut = traceFd !== undefined ? new OutputWriter(traceFd) : out;
  try {
    // -c: the child exists (stopped before CMD runs) first, so `cpid` is known to BEGIN.
    if (opts.command !== undefined) child = await startChild(opts.command);
    if (opts.pid !== undefined) target = openTarget(opts.pid);
    const cpid = child?.pid;
    session = withSource(source, () => Session.open(obj, cpid !== undefined ? { cpid } : {}));
    const s = session;
    const sink = new (opts.format === 'json' ? JsonSink : TextSink)(obj, traceOut, s, () => finish!());
    // A reader that goes away (`| head`) ends the run like Ctrl-C does.
    traceOut.onClosed = () => finish!();
    // Signals end the run the same way exit() does; installed before anything is attached.
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
    const probes = obj.programs.length;
    if (!opts.quiet) sink.attachedProbes(probes);
    withSource(source, () => s.runBegin());
    withSource(source, () => s.attachAll(target ? { pid: target.pid } : {}, (w) => writeErr(formatDiagnostics(w.diagnostics, source) + '\n')));
    if (process.env[NOTIFY_ENV] !== undefined) {
      out.write(`${NOTIFY_ENV}\n`);
      out.flush();
    }
    s.start(sink);
    if (child) {
      // BEGIN's output comes before anything the command prints.
      s.drain();
      traceOut.flush();
      void child.exited.then(() => finish!());
      child.release();
    }
    // -p: the run ends when the process does, as bpftrace's does.
    target?.onExit(() => finish!());
    await ended;
    s.drain();
    withSource(source, () => s.runEnd());
    s.drain();
    const lost = s.lostEvents();
    if (lost > 0n) sink.lostEvents(lost);
    sink.printExitMaps(out);
    traceOut.flush();
    out.flush();
    return 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    child?.kill();
    target?.close();
    session?.close();
    traceOut.flush();
    out.flush();
    if (traceFd !== undefined) closeSync(traceFd);
  }
}

function openTarget(pid: number): TargetProcess {
  try {
    return TargetProcess.open(pid);
  } catch (e) {
    if (isNoSuchProcess(e)) throw new UserError(`pid ${pid}: no such process`);
    throw e;
  }
}

function openOutputFile(path: string): number {
  try {
    return openSync(path, 'w');
  } catch (e) {
    throw new UserError(`cannot open output file '${path}': ${(e as Error).message.replace(/^\w+: /, '').replace(/, open '.*$/, '')}`);
  }
}

async function startChild(command: string): Promise<ChildCommand> {
  try {
    return await ChildCommand.spawn(splitCommand(command));
  } catch (e) {
    throw new UserError(`-c: ${(e as Error).message}`);
  }
}
