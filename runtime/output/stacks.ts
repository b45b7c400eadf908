// How kstack/ustack values print (bpftrace 0.17's BPFtrace::get_stack): in map keys with 4
// spaces before each frame, in map values and printf with 8; perf mode frames carry their own tab.
import type { Stack } from '../events.ts';

/** Frame indentation of a stack printed as a map key. */
export const KEY_STACK_INDENT = 4;
/** Frame indentation of a stack printed as a map value or by printf. */
export const VALUE_STACK_INDENT = 8;

/** "" without frames, else a newline and one line per frame. */
export function formatStack(s: Stack, indent: number): string {
  if (s.frames.length === 0) return '';
  const pad = s.perf ? '' : ' '.repeat(indent);
  let out = '\n';
  for (const f of s.frames) out += `${pad}${f}\n`;
  return out;
}
