// The C-preprocessor subset bpftrace scripts use, run on the source text before lexing.
//
// bpftrace hands scripts to clang's preprocessor; its tools start with `#include <linux/...>`,
// `#ifndef BPFTRACE_HAVE_BTF ... #else ... #endif` and `#define AF_INET 2`. tsbpf reads types from
// BTF and tracefs, never from C headers, so:
//   - `#include <f>` / `#include "f"` bring in the constants the header defines, if the caller can
//     read headers (`HeaderConstants`: the runtime reads the system's C headers; a header it does
//     not have, such as the kernel's <net/sock.h>, is ignored: its types come from BTF);
//   - `#define NAME [value]` (object-like only) and `#undef NAME` maintain a macro table; every later
//     whole identifier outside strings and comments that names a macro is replaced by its value
//     (values are rescanned, a macro never expands inside itself, as in C);
//   - `#ifdef`, `#ifndef`, `#if [!]defined(X)` / `#if [!]defined X` / `#if N` / `#if NAME`, `#elif`, `#else`,
//     `#endif` select lines, with `BPFTRACE_HAVE_BTF` predefined (we always read BTF);
//   - any other directive is an error naming it.
// Spans keep pointing into the user's text: directive lines and skipped lines are blanked in
// place (their characters become spaces, newlines and comments stay), so offsets, lines and
// columns do not move; a macro expansion may change the length of the text, so the result is a
// SourceFile whose span() maps offsets back, every token of an expansion pointing at the macro
// name it came from.
import { DiagnosticBag } from './diagnostics.ts';
import { SourceFile, type Span } from './source.ts';

/** The constant macros (`AF_INET` → `PF_INET`, `PF_INET` → `2`) header `name` defines, or
 *  undefined if it cannot be read. */
export type HeaderConstants = (name: string) => ReadonlyMap<string, string> | undefined;

/** Macros defined before the first line: we always have BTF, as bpftrace does on this kernel. */
export const PREDEFINED_MACROS: ReadonlyMap<string, string> = new Map([['BPFTRACE_HAVE_BTF', '1']]);

/** What each character of the text is, for the purposes of the preprocessor. */
const enum Kind {
  Code = 0,
  Str = 1,
  Comment = 2,
}

/** Classifies every character as code, string or comment (cpp strips comments before directives). */
function classify(text: string): Uint8Array {
  const kinds = new Uint8Array(text.length);
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    const n = text[i + 1];
    if (c === '/' && n === '/') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      kinds.fill(Kind.Comment, i, stop);
      i = stop;
    } else if (c === '/' && n === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end < 0 ? text.length : end + 2;
      // Newlines stay code so that line handling below never sees them as comment text.
      for (let j = i; j < stop; j++) if (text[j] !== '\n') kinds[j] = Kind.Comment;
      i = stop;
    } else if (c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== '"' && text[j] !== '\n') j += text[j] === '\\' && text[j + 1] !== '\n' ? 2 : 1;
      const stop = Math.min(text.length, text[j] === '"' ? j + 1 : j);
      kinds.fill(Kind.Str, i, stop);
      i = stop;
    } else {
      i++;
    }
  }
  return kinds;
}

/** One `#if` group being read. */
interface Group {
  readonly directive: string;
  readonly span: Span;
  /** The lines around the group are live. */
  readonly outerActive: boolean;
  /** Some branch of the group has been taken already. */
  taken: boolean;
  /** The current branch's lines are live. */
  active: boolean;
  seenElse: boolean;
}

/** A macro expansion in the output: output range [outStart, outEnd) came from source [srcStart, srcEnd). */
interface Expansion {
  readonly outStart: number;
  readonly outEnd: number;
  readonly srcStart: number;
  readonly srcEnd: number;
}

const IDENT = /[A-Za-z_][A-Za-z0-9_]*/y;
const isIdentChar = (c: string | undefined): boolean => c !== undefined && /[A-Za-z0-9_]/.test(c);

/**
 * The text with directives applied; its span() points into the original source.
 * `lineText`/`position` describe the preprocessed text, so diagnostics are printed against the
 * original SourceFile (the one whose name the spans carry), as the CLI does.
 */
export class PreprocessedSource extends SourceFile {
  constructor(
    readonly original: SourceFile,
    text: string,
    private readonly expansions: readonly Expansion[],
  ) {
    super(original.name, text);
  }

  /** The source offset of output offset `o` taken as the start of a range. */
  private startOf(o: number): number {
    let delta = 0;
    for (const e of this.expansions) {
      if (e.outStart > o) break;
      if (o < e.outEnd) return e.srcStart;
      delta = e.srcEnd - e.outEnd;
    }
    return o + delta;
  }

  /** The source offset of output offset `o` taken as the (exclusive) end of a range. */
  private endOf(o: number): number {
    let delta = 0;
    for (const e of this.expansions) {
      if (e.outStart >= o) break;
      if (o <= e.outEnd) return e.srcEnd;
      delta = e.srcEnd - e.outEnd;
    }
    return o + delta;
  }

  override span(startOffset: number, endOffset: number): Span {
    const start = this.startOf(startOffset);
    return this.original.span(start, Math.max(start, this.endOf(endOffset)));
  }
}

/**
 * Applies the directives of `source`. Throws CompileError listing every bad directive.
 * `predefined` are the macros known before the first line.
 */
export function preprocess(source: SourceFile, predefined: ReadonlyMap<string, string> = PREDEFINED_MACROS, headers?: HeaderConstants): SourceFile {
  const text = source.text;
  // Fast path: nothing that could be a directive, and no macro can be used before being defined
  // except the predefined ones, whose names are checked here.
  if (!text.includes('#') && ![...predefined.keys()].some((m) => text.includes(m))) return source;

  const kinds = classify(text);
  const diags = new DiagnosticBag();
  const macros = new Map(predefined);
  const groups: Group[] = [];
  const out: string[] = [];
  const expansions: Expansion[] = [];
  let outLen = 0;
  const emit = (s: string): void => {
    out.push(s);
    outLen += s.length;
  };
  /** Blanks code and strings in [from, to), keeping comments so that multi-line comments stay whole. */
  const blank = (from: number, to: number): void => {
    let s = '';
    for (let i = from; i < to; i++) s += kinds[i] === Kind.Comment ? text[i]! : ' ';
    emit(s);
  };
  const live = (): boolean => groups.length === 0 || groups[groups.length - 1]!.active;

  let lineStart = 0;
  let lineNo = 1;
  while (lineStart <= text.length) {
    const nl = text.indexOf('\n', lineStart);
    const lineEnd = nl < 0 ? text.length : nl;
    let first = lineStart;
    while (first < lineEnd && (text[first] === ' ' || text[first] === '\t' || text[first] === '\r') && kinds[first] === Kind.Code) first++;
    const isDirective = first < lineEnd && text[first] === '#' && kinds[first] === Kind.Code;
    if (isDirective && lineNo === 1 && first === 0 && text[1] === '!') {
      blank(lineStart, lineEnd); // a shebang line
    } else if (isDirective) {
      directive(first, lineEnd);
      blank(lineStart, lineEnd);
    } else if (!live()) {
      blank(lineStart, lineEnd);
    } else {
      substituteLine(lineStart, lineEnd);
    }
    if (nl < 0) break;
    emit('\n');
    lineStart = nl + 1;
    lineNo++;
  }
  for (const g of groups) diags.error(`unterminated ${g.directive}`, g.span);
  diags.throwIfErrors();

  const result = out.join('');
  if (expansions.length === 0 && result === text) return source;
  return new PreprocessedSource(source, result, expansions);

  // ---- directives -------------------------------------------------------------------------------

  /** Reads the directive whose `#` is at `hash` (line ends at `end`). */
  function directive(hash: number, end: number): void {
    // Comments inside a directive count as blanks.
    let body = '';
    for (let i = hash + 1; i < end; i++) body += kinds[i] === Kind.Comment ? ' ' : text[i]!;
    const m = /^([ \t]*)([A-Za-z_]\w*)?/.exec(body)!;
    const name = m[2] ?? '';
    const nameEnd = hash + 1 + m[0].length;
    const span = source.span(hash, name ? nameEnd : hash + 1);
    const rest = body.slice(m[0].length);
    const restAt = nameEnd;
    const conditional = ['if', 'ifdef', 'ifndef', 'elif', 'else', 'endif'].includes(name);
    // In a skipped group only conditionals matter (they nest); everything else is ignored, as cpp does.
    if (!live() && !conditional) return;
    switch (name) {
      case '':
        if (rest.trim() !== '') diags.error(`invalid preprocessor directive '#${rest.trim().split(/\s/)[0]}'`, span);
        return; // `#` alone is C's null directive
      case 'include': {
        const file = /^\s*(?:<([^<>]+)>|"([^"]+)")\s*$/.exec(rest);
        if (!file) return diags.error('#include expects <FILE> or "FILE"', lineSpan(hash, end));
        // The script's own #defines win over a header's.
        for (const [k, v] of headers?.(file[1] ?? file[2]!) ?? []) if (!macros.has(k)) macros.set(k, v);
        return;
      }
      case 'define':
        return define(rest, restAt, span);
      case 'undef': {
        const id = /^\s+([A-Za-z_]\w*)\s*$/.exec(rest);
        if (!id) diags.error('#undef expects a macro name', lineSpan(hash, end));
        else macros.delete(id[1]!);
        return;
      }
      case 'ifdef':
      case 'ifndef': {
        const id = /^\s+([A-Za-z_]\w*)\s*$/.exec(rest);
        if (!id) diags.error(`#${name} expects a macro name`, lineSpan(hash, end));
        const cond = id ? macros.has(id[1]!) === (name === 'ifdef') : false;
        return open(`#${name}`, span, cond);
      }
      case 'if':
        return open('#if', span, condition(rest, hash, end));
      case 'elif':
      case 'else': {
        const g = groups[groups.length - 1];
        if (!g) return diags.error(`#${name} without #if`, span);
        if (g.seenElse) return diags.error(`#${name} after #else`, span);
        if (name === 'else') g.seenElse = true;
        const cond = name === 'else' ? true : !g.taken && g.outerActive && condition(rest, hash, end);
        g.active = g.outerActive && !g.taken && cond;
        g.taken ||= g.active;
        return;
      }
      case 'endif':
        if (!groups.pop()) diags.error('#endif without #if', span);
        return;
      default:
        diags.error(`unsupported preprocessor directive '#${name}'`, span);
    }
  }

  function lineSpan(hash: number, end: number): Span {
    let e = end;
    while (e > hash && /\s/.test(text[e - 1]!)) e--;
    return source.span(hash, e);
  }

  function open(directiveName: string, span: Span, cond: boolean): void {
    const outerActive = live();
    const active = outerActive && cond;
    groups.push({ directive: directiveName, span, outerActive, taken: active, active, seenElse: false });
  }

  /** `#if` conditions: `[!]defined(X)`, `[!]defined X`, an integer, or a macro whose value is one. */
  function condition(rest: string, hash: number, end: number): boolean {
    const c = rest.trim();
    const d = /^(!\s*)?defined\s*(?:\(\s*([A-Za-z_]\w*)\s*\)|\s([A-Za-z_]\w*))$/.exec(c);
    if (d) return macros.has((d[2] ?? d[3])!) !== (d[1] !== undefined);
    if (/^\d+$/.test(c)) return Number(c) !== 0;
    // As in C, a name that is not a macro counts as 0; a macro must expand to an integer.
    if (/^[A-Za-z_]\w*$/.test(c) && !macros.has(c)) return false;
    const v = macros.get(c);
    if (v !== undefined && /^\d+$/.test(v)) return Number(v) !== 0;
    diags.error(`unsupported #if condition '${c}' (only defined(NAME), !defined(NAME), integers and macros)`, lineSpan(hash, end));
    return false;
  }

  function define(rest: string, restAt: number, directiveSpan: Span): void {
    const m = /^(\s+)([A-Za-z_]\w*)/.exec(rest);
    if (!m) return diags.error('#define expects a macro name', directiveSpan);
    const name = m[2]!;
    const nameAt = restAt + m[1]!.length;
    const after = rest.slice(m[0].length);
    if (after.startsWith('(')) {
      const close = after.indexOf(')');
      const to = nameAt + name.length + (close < 0 ? 1 : close + 1);
      return diags.error(`function-like macros are not supported: ${name}`, source.span(nameAt, to));
    }
    if (after !== '' && !/^\s/.test(after)) return diags.error(`#define ${name} needs a blank before its value`, source.span(nameAt, nameAt + name.length));
    macros.set(name, after.trim());
  }

  // ---- macro substitution -----------------------------------------------------------------------

  /** Emits line [from, to) with every macro name in code replaced by its expansion. */
  function substituteLine(from: number, to: number): void {
    let copied = from;
    for (let i = from; i < to; ) {
      if (kinds[i] !== Kind.Code || isIdentChar(text[i - 1]) || text[i - 1] === '$' || text[i - 1] === '@') {
        i++;
        continue;
      }
      IDENT.lastIndex = i;
      const id = IDENT.exec(text);
      if (!id) {
        i++;
        continue;
      }
      const word = id[0];
      const value = macros.get(word);
      if (value !== undefined) {
        emit(text.slice(copied, i));
        const expanded = expand(value, new Set([word]));
        expansions.push({ outStart: outLen, outEnd: outLen + expanded.length, srcStart: i, srcEnd: i + word.length });
        emit(expanded);
        copied = i + word.length;
      }
      i += word.length;
    }
    emit(text.slice(copied, to));
  }

  /** Rescans a macro's value for further macros; `active` are the ones being expanded. */
  function expand(value: string, active: ReadonlySet<string>): string {
    let result = '';
    for (let i = 0; i < value.length; ) {
      const c = value[i]!;
      if (c === '"') {
        let j = i + 1;
        while (j < value.length && value[j] !== '"') j += value[j] === '\\' ? 2 : 1;
        result += value.slice(i, j + 1);
        i = j + 1;
        continue;
      }
      IDENT.lastIndex = i;
      const id = isIdentChar(value[i - 1]) || value[i - 1] === '$' || value[i - 1] === '@' ? null : IDENT.exec(value);
      if (!id) {
        result += c;
        i++;
        continue;
      }
      const word = id[0];
      const inner = macros.get(word);
      result += inner !== undefined && !active.has(word) ? expand(inner, new Set([...active, word])) : word;
      i += word.length;
    }
    return result;
  }
}
