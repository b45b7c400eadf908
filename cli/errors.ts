// How the CLI reports failures: one line (or bpftrace-style diagnostics) on stderr, never a stack
// trace unless TSBPF_DEBUG is set.
import { writeSync } from 'node:fs';

/** A failure whose message is meant for the user as is (bad file, missing privileges, ...). */
export class UserError extends Error {}

/** Writes to stderr synchronously (output ordering with stdout matters to tests and users). */
export function writeErr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr closed: nothing useful left to do.
  }
}
