// Diagnostics in bpftrace's style:
//
//   stdin:1:18-24: ERROR: Unknown function: foo
//   kprobe:f { foo(); }
//              ~~~~~
//
// All stages (parser, semantic analysis, codegen, verifier mapping, attach) report through
// `Diagnostic` so the CLI prints one format and several errors can be reported together.
import { SourceFile, type Span } from './source.ts';

export type Severity = 'error' | 'warning';

export interface Diagnostic {
  readonly severity: Severity;
  readonly message: string;
  /** Where in the script; absent for errors that belong to no place (e.g. missing privileges). */
  readonly span?: Span;
  /** Optional extra lines (a hint on what to do, a verifier log excerpt). */
  readonly notes?: readonly string[];
  /** A probe this system does not have (no such tracepoint, kernel function, symbol, or no
   *  kprobes at all): `config = { missing_probes = warn | ignore }` turns these down. */
  readonly missingProbe?: true;
}

/** Thrown by a stage that cannot continue; carries every diagnostic gathered so far. */
export class CompileError extends Error {
  constructor(
    readonly diagnostics: readonly Diagnostic[],
    /** Warnings found by the same stage, printed with the errors (bpftrace prints both). */
    readonly warnings: readonly Diagnostic[] = [],
  ) {
    super(diagnostics.map((d) => d.message).join('\n'));
    this.name = 'CompileError';
  }

  /** Errors and warnings in source order, as they are printed. */
  get all(): readonly Diagnostic[] {
    if (this.warnings.length === 0) return this.diagnostics;
    return [...this.diagnostics, ...this.warnings].sort((a, b) => (a.span?.offset ?? -1) - (b.span?.offset ?? -1));
  }
}

/** Collects diagnostics for one stage. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  error(message: string, span?: Span, notes?: readonly string[], missingProbe?: true): void {
    this.items.push({ severity: 'error', message, ...(span ? { span } : {}), ...(notes ? { notes } : {}), ...(missingProbe ? { missingProbe } : {}) });
  }
  warning(message: string, span?: Span, notes?: readonly string[]): void {
    this.items.push({ severity: 'warning', message, ...(span ? { span } : {}), ...(notes ? { notes } : {}) });
  }
  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === 'error');
  }
  /** Throws a CompileError if any error was reported. */
  throwIfErrors(): void {
    if (this.hasErrors) throw new CompileError(this.items);
  }
}

/** Formats one diagnostic with the source line and a `~~~` marker under the span. */
export function formatDiagnostic(d: Diagnostic, source?: SourceFile): string {
  const sev = d.severity === 'error' ? 'ERROR' : 'WARNING';
  const lines: string[] = [];
  if (d.span) {
    const s = d.span;
    const cols = s.endLine === s.line ? `${s.column}-${s.endColumn}` : `${s.column}`;
    lines.push(`${s.file}:${s.line}:${cols}: ${sev}: ${d.message}`);
    if (source && source.name === s.file) {
      const text = source.lineText(s.line);
      const end = s.endLine === s.line ? s.endColumn : text.length + 1;
      const width = Math.max(1, end - s.column);
      lines.push(text);
      lines.push(' '.repeat(s.column - 1) + '~'.repeat(width));
    }
  } else {
    lines.push(`${sev}: ${d.message}`);
  }
  if (d.notes) for (const n of d.notes) lines.push(n);
  return lines.join('\n');
}

export function formatDiagnostics(ds: readonly Diagnostic[], source?: SourceFile): string {
  return ds.map((d) => formatDiagnostic(d, source)).join('\n');
}
