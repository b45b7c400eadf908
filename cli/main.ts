// tsbpf's entry point (bundled into dist/tsbpf.cjs). Importing this file runs the CLI.
import { startupSnapshot } from 'node:v8';
import { parseArgs } from './args.ts';
import { parse } from '../lang/parser.ts';
import { SourceFile } from '../lang/source.ts';
import type { KernelEnvironment } from '../lang/env.ts';
import { analyze } from '../lang/semantic/index.ts';
import { generate } from '../codegen/gen/index.ts';
import { compilePrintf } from '../runtime/output/printf.ts';
import { writeErr } from './errors.ts';
import { listProbes } from './list.ts';
import { run } from './run.ts';
import { report } from './report.ts';
import { OutputWriter } from '../runtime/output/writer.ts';

async function main(argv: readonly string[]): Promise<number> {
  const parsed = parseArgs(argv);
  if (parsed.kind === 'exit') {
    if (parsed.stdout) flushStdout(parsed.stdout);
    if (parsed.stderr) writeErr(parsed.stderr);
    return parsed.code;
  }
  const out = new OutputWriter(1);
  try {
    if (parsed.kind === 'list') return listProbes(parsed.options, out);
    if (parsed.kind === 'repl') return await (await import('./repl.ts')).repl(parsed.options, out);
    return await run(parsed.options, out);
  } catch (e) {
    out.flush();
    return report(e);
  } finally {
    out.flush();
  }
}

function flushStdout(text: string): void {
  const w = new OutputWriter(1);
  w.write(text);
  w.flush();
}

/** Runs the front end and codegen once so their functions are compiled into the snapshot. */
function warmUp(): void {
  const source = new SourceFile('warmup', 'BEGIN { @x[1, "a"] = count(); @y = sum(2); printf("%d %s\\n", 1, "b"); exit(); } END { print(@x); }');
  const noKernel: KernelEnvironment = {
    tracepointFormat: () => undefined,
    listTracepoints: () => [],
    hasKprobes: false,
    kernelSymbolExists: () => undefined,
  };
  try {
    const { checked } = analyze(parse(source), noKernel, { positionals: [] });
    for (const l of generate(checked).printfs) compilePrintf(l);
  } catch {
    // Only a speed-up: a front end that rejects the sample must not break the build.
  }
}

function start(): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => process.exit(report(e)),
  );
}

// Built into a V8 startup snapshot (build.mjs), the lexer and parser are constructed once at
// build time and restored with the heap: that is most of tsbpf's start-up otherwise.
if (startupSnapshot?.isBuildingSnapshot()) {
  warmUp();
  startupSnapshot.setDeserializeMainFunction(start);
} else {
  start();
}
