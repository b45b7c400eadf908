// The BPF stack frame of one program: 512 bytes below r10. Allocation is a bump pointer with
// mark/release so a statement's temporaries are reused by the next statement; the peak is what
// the verifier sees.
import { CompileError } from '../../lang/diagnostics.ts';
import type { Span } from '../../lang/source.ts';

export const STACK_LIMIT = 512;

export function roundUp8(n: number): number {
  return (n + 7) & ~7;
}

export class StackFrame {
  private top = 0;
  private peakBytes = 0;

  /** `owner` names the program in the error message (e.g. the probe name). */
  constructor(private readonly owner: string) {}

  get peak(): number {
    return this.peakBytes;
  }

  /** Reserves `size` bytes (rounded up to 8) and returns their r10-relative offset (negative). */
  alloc(size: number, span: Span | undefined, what: string): number {
    const bytes = roundUp8(Math.max(size, 1));
    const top = this.top + bytes;
    if (top > STACK_LIMIT) {
      throw new CompileError([
        {
          severity: 'error',
          message: `${this.owner} needs more than the ${STACK_LIMIT} bytes of BPF stack (${top} bytes at ${what})`,
          ...(span ? { span } : {}),
          notes: ['HINT: use fewer or shorter string variables, map keys and printf arguments, or smaller str() sizes'],
        },
      ]);
    }
    this.top = top;
    this.peakBytes = Math.max(this.peakBytes, top);
    return -top;
  }

  mark(): number {
    return this.top;
  }

  release(mark: number): void {
    this.top = mark;
  }
}
