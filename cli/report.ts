// How the CLI (and the REPL) print a failure: bpftrace-style diagnostics with the source line,
// or one line; never a stack trace unless TSBPF_DEBUG is set.
import { CompileError, formatDiagnostics } from '../lang/diagnostics.ts';
import { UserError, writeErr } from './errors.ts';
import { PrintableCompileError } from './run.ts';

/** Prints an error the user can act on; returns the exit code. */
export function report(e: unknown): number {
  if (process.env.TSBPF_DEBUG) writeErr(`${(e as Error)?.stack ?? String(e)}\n`);
  if (e instanceof PrintableCompileError) writeErr(e.format() + '\n');
  else if (e instanceof CompileError) writeErr(formatDiagnostics(e.all) + '\n');
  else if (e instanceof UserError) writeErr(`ERROR: ${e.message}\n`);
  else if (!process.env.TSBPF_DEBUG) writeErr(`tsbpf: internal error: ${(e as Error)?.message ?? String(e)}\n`);
  return 1;
}
