// Turning a verifier rejection into a diagnostic on the script: which instruction the verifier
// stopped at (the last `N: (op)` line of its log, counted in 8-byte slots), which source span
// that instruction came from, and the verifier's final complaint.
import type { ProgramSpec } from '../codegen/object.ts';
import { slots } from '../codegen/insn.ts';
import type { Diagnostic } from '../lang/diagnostics.ts';
import type { LoadError } from './bpf-syscall.ts';

const NOTE_LINES = 20;
// With privileges checked up front, EPERM and an empty log means the kernel lacks the program type.
const EPERM_HINT = 'this kernel does not support this kind of probe (or BPF is restricted by a security policy)';

/** The slot index of the last instruction the log shows, or undefined. */
export function lastInstructionSlot(log: string): number | undefined {
  let last: number | undefined;
  const re = /^(\d+): \(/gm;
  for (let m = re.exec(log); m; m = re.exec(log)) last = Number(m[1]);
  return last;
}

/** Maps a slot index to the index of the instruction that occupies it. */
export function slotToInsnIndex(spec: Pick<ProgramSpec, 'insns'>, slot: number): number | undefined {
  let at = 0;
  for (let i = 0; i < spec.insns.length; i++) {
    const n = slots(spec.insns[i]!);
    if (slot < at + n) return i;
    at += n;
  }
  return undefined;
}

// Lines that are bookkeeping, not the reason for the rejection.
const NOISE = [/^processed \d+ insns/, /^verification time/, /^stack depth/, /^\d+: /, /^; /, /^from \d+ to \d+:/, /^func#\d+/, /^mark_precise/, /^last_idx/];

/** The verifier's complaint: the lines after the last instruction it printed, minus statistics
 *  (e.g. `invalid access to map value, value_size=8 off=8 size=8; R0 min value is outside of the
 *  allowed memory range`). */
export function finalComplaint(log: string): string | undefined {
  const lines = log.split('\n').map((l) => l.trim()).filter((l) => l !== '');
  let lastInsn = -1;
  lines.forEach((l, i) => {
    if (/^\d+: \(/.test(l)) lastInsn = i;
  });
  const isNoise = (l: string) => NOISE.some((re) => re.test(l));
  const after = lines.slice(lastInsn + 1).filter((l) => !isNoise(l));
  if (after.length > 0) return after.join('; ');
  for (let i = lines.length - 1; i >= 0; i--) if (!isNoise(lines[i]!)) return lines[i];
  return undefined;
}

/**
 * The kernel member a failed CO-RE relocation was for (`task_struct.comm`), if the log shows
 * one. The kernel then replaces the load with an invalid call, which is what the verifier
 * complains about last: the relocation is the real reason.
 */
export function failedRelocation(log: string): string | undefined {
  const failed = /relo #(\d+): no matching targets found/.exec(log);
  if (!failed) return undefined;
  const spec = new RegExp(`relo #${failed[1]}: <\\w+> \\[\\d+\\] (?:STRUCT|UNION) ([\\w.]+)`).exec(log);
  return spec?.[1] ?? 'a kernel struct member';
}

/** The diagnostic for a program the kernel refused to load. */
export function loadErrorDiagnostic(spec: ProgramSpec, err: LoadError): Diagnostic {
  const probe = spec.attach.probeName;
  const slot = lastInstructionSlot(err.log);
  const index = slot === undefined ? undefined : slotToInsnIndex(spec, slot);
  const span = (index === undefined ? undefined : spec.spans[index]) ?? spec.attach.attachPoint.span;
  const member = failedRelocation(err.log);
  if (member !== undefined) {
    return {
      severity: 'error',
      message: `the kernel could not find ${member} in its BTF for ${probe}`,
      span,
      notes: [`tsbpf reads ${member} with a load the kernel relocates to the member's offset, and this kernel's type information has no matching member; please report this with the output of \`uname -r\``],
    };
  }
  const complaint = finalComplaint(err.log);
  if (complaint === undefined) {
    return {
      severity: 'error',
      message: `the kernel refused to load the program for ${probe}: ${err.code}`,
      span,
      notes: [err.message, ...(err.code === 'EPERM' ? [EPERM_HINT] : [])],
    };
  }
  const tail = err.log.split('\n').filter((l) => l.trim() !== '').slice(-NOTE_LINES);
  return {
    severity: 'error',
    message: `the BPF verifier rejected the program for ${probe}: ${complaint}`,
    span,
    notes: ['verifier log (last lines):', ...tail.map((l) => `  ${l}`)],
  };
}
