// Source text and spans. Every AST node, diagnostic, generated instruction and verifier error
// carries a Span so that errors can point at the user's script.

/** A half-open range [start, end) in one source file. Lines and columns are 1-based. */
export interface Span {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly offset: number;
  readonly endLine: number;
  readonly endColumn: number;
  readonly endOffset: number;
}

export class SourceFile {
  private lineStarts: number[] | undefined;
  constructor(
    /** Shown in diagnostics: `stdin` for -e programs (as bpftrace does), else the path. */
    readonly name: string,
    readonly text: string,
  ) {}

  /** Offsets at which each line starts (index 0 is line 1). */
  private starts(): number[] {
    if (!this.lineStarts) {
      const s = [0];
      for (let i = 0; i < this.text.length; i++) if (this.text.charCodeAt(i) === 10) s.push(i + 1);
      this.lineStarts = s;
    }
    return this.lineStarts;
  }

  /** The text of 1-based line `line`, without its newline. */
  lineText(line: number): string {
    const s = this.starts();
    const start = s[line - 1] ?? this.text.length;
    const end = line < s.length ? s[line]! - 1 : this.text.length;
    return this.text.slice(start, end);
  }

  /** 1-based line and column of an offset. */
  position(offset: number): { line: number; column: number } {
    const s = this.starts();
    let lo = 0;
    let hi = s.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (s[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - s[lo]! + 1 };
  }

  span(startOffset: number, endOffset: number): Span {
    const a = this.position(startOffset);
    const b = this.position(endOffset);
    return {
      file: this.name,
      line: a.line,
      column: a.column,
      offset: startOffset,
      endLine: b.line,
      endColumn: b.column,
      endOffset,
    };
  }
}

/** The smallest span covering both. */
export function joinSpans(a: Span, b: Span): Span {
  const first = a.offset <= b.offset ? a : b;
  const last = a.endOffset >= b.endOffset ? a : b;
  return {
    file: first.file,
    line: first.line,
    column: first.column,
    offset: first.offset,
    endLine: last.endLine,
    endColumn: last.endColumn,
    endOffset: last.endOffset,
  };
}
