// printf format strings: split into literal text and conversions, the way bpftrace's
// format_string.cpp does, so codegen knows which arguments to ship and the runtime how to print.
import type { FormatPart } from '../checked.ts';

/** Conversions that print an integer argument. */
export const INTEGER_CONVERSIONS = new Set(['d', 'i', 'u', 'x', 'X', 'o', 'c', 'p']);

// %[flags][width][.precision][length]conversion. The conversion group also catches any letter so
// that an unsupported one (`%f`, `%k`) is reported instead of silently printed as text.
const DIRECTIVE = /^%([-+ #0]*)(\d+)?(?:\.(\d*))?((?:hh|h|ll|l|j|z|t)*)([A-Za-z])/;

export type FormatResult =
  | { readonly ok: true; readonly parts: readonly FormatPart[]; readonly argCount: number }
  | { readonly ok: false; readonly message: string };

export function parseFormat(fmt: string): FormatResult {
  const parts: FormatPart[] = [];
  let text = '';
  let arg = 0;
  let i = 0;
  while (i < fmt.length) {
    const ch = fmt[i]!;
    if (ch !== '%') {
      text += ch;
      i++;
      continue;
    }
    if (fmt[i + 1] === '%') {
      text += '%';
      i += 2;
      continue;
    }
    const m = DIRECTIVE.exec(fmt.slice(i));
    if (!m || !(INTEGER_CONVERSIONS.has(m[5]!) || m[5] === 's')) {
      const shown = m ? m[0] : fmt.slice(i, i + 2);
      return { ok: false, message: `printf: Invalid format specifier: '${shown}'` };
    }
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push({
      kind: 'conv',
      spec: m[0],
      flags: m[1]!,
      ...(m[2] !== undefined ? { width: Number(m[2]) } : {}),
      ...(m[3] !== undefined ? { precision: m[3] === '' ? 0 : Number(m[3]) } : {}),
      length: m[4]!,
      conversion: m[5]!,
      arg: arg++,
    });
    i += m[0].length;
  }
  if (text) parts.push({ kind: 'text', text });
  return { ok: true, parts, argCount: arg };
}
