// Decoding of integer and string literal tokens. Errors come back as values (with an offset
// relative to the token) so the parser can attach a span and keep going.

export const U64_MAX = (1n << 64n) - 1n;

export type Decoded<T> = { ok: true; value: T } | { ok: false; message: string; offset: number; length: number };

/** What a literal's suffix multiplies it by, and its largest value before that (bpftrace's table). */
const SUFFIXES: Record<string, { max: bigint; scale: bigint }> = {
  '': { max: U64_MAX, scale: 1n },
  u: { max: 0xffffffffn, scale: 1n },
  ul: { max: U64_MAX, scale: 1n },
  ull: { max: U64_MAX, scale: 1n },
  l: { max: (1n << 63n) - 1n, scale: 1n },
  ll: { max: (1n << 63n) - 1n, scale: 1n },
  ns: { max: U64_MAX, scale: 1n },
  us: { max: U64_MAX, scale: 1_000n },
  ms: { max: U64_MAX, scale: 1_000_000n },
  s: { max: U64_MAX, scale: 1_000_000_000n },
  m: { max: U64_MAX, scale: 60_000_000_000n },
  h: { max: U64_MAX, scale: 3_600_000_000_000n },
  d: { max: U64_MAX, scale: 86_400_000_000_000n },
};

/**
 * The value of an integer literal token: decimal `123`, hex `0x1F`, octal `0755` (a leading 0,
 * as in C and bpftrace), with `_` digit separators. A decimal may have an exponent whose
 * coefficient is one digit 1-9 (`1e6`, `5e3`: always an integer) and a suffix: C's `u`/`l`/`ll`
 * (which only bound the value) or a duration unit `ns us ms s m h d` (scaled to nanoseconds).
 * Values above 2^64-1 are rejected.
 */
export function decodeInt(image: string): Decoded<bigint> {
  const outOfRange = fail(`integer literal out of range: ${image}`, 0, image.length);
  const digits = image.replace(/_/g, '');
  if (/^0[xX]/.test(digits)) {
    const value = BigInt(digits);
    return value > U64_MAX ? outOfRange : { ok: true, value };
  }
  const m = /^([0-9]+)(?:[eE]([0-9]+))?([A-Za-z]*)$/.exec(digits)!;
  const [, mantissa, exponent, suffix] = m as unknown as [string, string, string | undefined, string];
  let value: bigint;
  if (mantissa.length > 1 && mantissa.startsWith('0')) {
    if (exponent !== undefined || !/^[0-7]+$/.test(mantissa)) return fail(`invalid octal literal: ${image}`, 0, image.length);
    value = BigInt('0o' + mantissa.slice(1));
  } else value = BigInt(mantissa);
  if (exponent !== undefined) {
    if (value < 1n || value > 9n) return fail(`coefficient part of scientific literal must be 1-9: ${image}`, 0, image.length);
    // An exponent past 19 overflows whatever the coefficient; checked before building the power.
    if (exponent.length > 3 || Number(exponent) > 19) return outOfRange;
    value *= 10n ** BigInt(exponent);
  }
  const spec = SUFFIXES[suffix.toLowerCase()]!;
  if (value > spec.max / spec.scale) return outOfRange;
  return { ok: true, value: value * spec.scale };
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
