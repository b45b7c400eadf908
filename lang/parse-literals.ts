// Decoding of integer and string literal tokens. Errors come back as values (with an offset
// relative to the token) so the parser can attach a span and keep going.

export const U64_MAX = (1n << 64n) - 1n;

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string; offset: number; length: number };

/**
 * The value of an integer literal token: decimal `123`, hex `0x1F`, octal `0755` (a leading 0,
 * as in C and bpftrace), with `_` digit separators. Values above 2^64-1 are rejected.
 */
export function decodeInt(image: string): Decoded<bigint> {
  const digits = image.replace(/_/g, '');
  let value: bigint;
  if (/^0[xX]/.test(digits)) value = BigInt(digits);
  else if (digits.length > 1 && digits.startsWith('0')) {
    if (!/^[0-7]+$/.test(digits)) return fail(`invalid octal literal: ${image}`, 0, image.length);
    value = BigInt('0o' + digits.slice(1));
  } else value = BigInt(digits);
  if (value > U64_MAX) return fail(`integer literal out of range: ${image}`, 0, image.length);
  return { ok: true, value };
}

const simpleEscapes: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', '"': '"' };

/**
 * The value of a string literal token (quotes included). Escapes: `\n \t \r \\ \"`, `\xNN` (one
 * or two hex digits) and octal `\NNN` (one to three digits, so `\0` is NUL). A byte escape
 * becomes the character with that code (U+0000..U+00FF).
 */
export function decodeString(image: string): Decoded<string> {
  let out = '';
  const end = image.length - 1; // the closing quote
  for (let i = 1; i < end; i++) {
    const c = image[i]!;
    if (c !== '\\') {
      out += c;
      continue;
    }
    const e = image[i + 1]!;
    const simple = simpleEscapes[e];
    if (simple !== undefined) {
      out += simple;
      i++;
    } else if (e === 'x') {
      const hex = /^[0-9a-fA-F]{1,2}/.exec(image.slice(i + 2, end));
      if (!hex) return fail(`invalid escape sequence: \\x with no hex digits`, i, 2);
      out += String.fromCharCode(parseInt(hex[0], 16));
      i += 1 + hex[0].length;
    } else if (e >= '0' && e <= '7') {
      const oct = /^[0-7]{1,3}/.exec(image.slice(i + 1, end))![0];
      const code = parseInt(oct, 8);
      if (code > 0xff) return fail(`octal escape sequence out of range: \\${oct}`, i, 1 + oct.length);
      out += String.fromCharCode(code);
      i += oct.length;
    } else {
      return fail(`invalid escape character '\\${e}'`, i, 2);
    }
  }
  return { ok: true, value: out };
}

function fail(message: string, offset: number, length: number): { ok: false; message: string; offset: number; length: number } {
  return { ok: false, message, offset, length };
}
