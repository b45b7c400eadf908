// printf formatting with C semantics. bpftrace hands each argument to the C library's printf as
// a 64-bit register, so the length modifier decides how many of its bits are read: `%d`/`%x`
// read 32 bits, `%hd` 16, `%hhd` 8, `%ld`/`%lld`/`%zd`/`%jd`/`%td` all 64. We do the same.
// Each layout is compiled once into a function over the event record, so the per-event cost is a
// few closure calls and no format parsing.
import type { FormatPart } from '../../lang/checked.ts';
import type { Type } from '../../lang/types.ts';
import type { FieldLayout, PrintfLayout } from '../../codegen/object.ts';
import { isStack } from '../events.ts';
import { decodeSymbolic, type ValueSymbols } from '../symbolizer.ts';
import { formatInet, formatTimestamp } from '../formatted.ts';
import { formatStack, VALUE_STACK_INDENT } from './stacks.ts';

export type FormatRecord = (record: DataView) => string;

type Conv = Extract<FormatPart, { kind: 'conv' }>;
type Piece = (record: DataView) => string;

/** Compiles a printf layout into a function that formats one event record. */
/** `symbols` turns kstack/ustack/ksym/usym arguments into text (without it they print as numbers). */
export function compilePrintf(layout: PrintfLayout, symbols?: ValueSymbols): FormatRecord {
  const pieces: Piece[] = [];
  for (const part of layout.parts) {
    if (part.kind === 'text') {
      const text = part.text;
      pieces.push(() => text);
      continue;
    }
    const field = layout.args[part.arg];
    if (!field) throw new Error(`printf layout ${layout.id} has no argument ${part.arg}`);
    pieces.push(compileConversion(part, field, symbols));
  }
  if (pieces.length === 1) return pieces[0]!;
  return (record) => {
    let out = '';
    for (let i = 0; i < pieces.length; i++) out += pieces[i]!(record);
    return out;
  };
}

function compileConversion(conv: Conv, field: FieldLayout, symbols: ValueSymbols | undefined): Piece {
  const t = field.type;
  if ((t.kind === 'stack' || t.kind === 'symbol') && symbols) {
    // Semantic analysis allows only %s here.
    const off = field.offset;
    return (r) => {
      const buf = Buffer.from(r.buffer, r.byteOffset, r.byteLength);
      const v = decodeSymbolic(buf, off, t, symbols);
      return formatString(isStack(v) ? formatStack(v, VALUE_STACK_INDENT) : v.toString(), conv);
    };
  }
  if (t.kind === 'inet' || t.kind === 'timestamp') {
    // Semantic analysis allows only %s here.
    const off = field.offset;
    return (r) => {
      const buf = Buffer.from(r.buffer, r.byteOffset, r.byteLength);
      return formatString(t.kind === 'inet' ? formatInet(buf, off) : formatTimestamp(t, buf.readBigUInt64LE(off)), conv);
    };
  }
  const read = field.type.kind === 'string' ? stringReader(field.offset, field.type.size) : undefined;
  if (conv.conversion === 's') {
    if (read) return (r) => formatString(read(r, conv.precision), conv);
    const readInt = intReader(field.offset, field.type);
    return (r) => formatString(readInt(r).toString(), conv);
  }
  if (read) {
    // An integer conversion of a string: semantic analysis rejects it; show the text, padded.
    return (r) => formatString(read(r, undefined), conv);
  }
  const fast = plainIntegerPiece(conv, field);
  if (fast) return fast;
  const readInt = intReader(field.offset, field.type);
  return (r) => formatInteger(readInt(r), conv);
}

/**
 * `%d %i %u %x` and their length modifiers with no flags, width or precision: C's result is the
 * number's digits, so read it as a Number (exact below 2^53) and skip BigInt, whose allocation
 * and toString dominate the per-event cost. Larger 64-bit values take the general path.
 */
function plainIntegerPiece(conv: Conv, field: FieldLayout): Piece | undefined {
  if (conv.flags.length || conv.width !== undefined || conv.precision !== undefined) return undefined;
  const c = conv.conversion;
  if (c !== 'd' && c !== 'i' && c !== 'u' && c !== 'x') return undefined;
  // C reads the low `bits` of the (sign- or zero-extended) argument; a narrower field would need
  // extending first, which the general path does.
  const bits = lengthBits(conv.length);
  if (field.type.kind !== 'int' || field.type.bits < bits) return undefined;
  const off = field.offset;
  const signed = c === 'd' || c === 'i';
  const radix = c === 'x' ? 16 : 10;
  if (bits === 64) {
    const readInt = intReader(off, field.type);
    return (r) => {
      const lo = r.getUint32(off, true);
      const hi = r.getInt32(off + 4, true);
      if (hi >= 0 && hi < 0x200000) return (hi * 4294967296 + lo).toString(radix); // < 2^53
      return formatInteger(readInt(r), conv);
    };
  }
  if (bits === 32) return signed ? (r) => r.getInt32(off, true).toString(radix) : (r) => r.getUint32(off, true).toString(radix);
  if (bits === 16) return signed ? (r) => r.getInt16(off, true).toString(radix) : (r) => r.getUint16(off, true).toString(radix);
  return signed ? (r) => r.getInt8(off).toString(radix) : (r) => r.getUint8(off).toString(radix);
}

/** Reads an integer argument as its type says (little-endian, sign per the type). */
function intReader(offset: number, type: Type): (r: DataView) => bigint {
  const bits = type.kind === 'int' ? type.bits : 64;
  const signed = type.kind === 'int' ? type.signed : type.kind === 'agg' ? type.signed : true;
  switch (bits) {
    case 8:
      return signed ? (r) => BigInt(r.getInt8(offset)) : (r) => BigInt(r.getUint8(offset));
    case 16:
      return signed ? (r) => BigInt(r.getInt16(offset, true)) : (r) => BigInt(r.getUint16(offset, true));
    case 32:
      return signed ? (r) => BigInt(r.getInt32(offset, true)) : (r) => BigInt(r.getUint32(offset, true));
    default:
      return signed ? (r) => r.getBigInt64(offset, true) : (r) => r.getBigUint64(offset, true);
  }
}

const utf8 = new TextDecoder('utf-8');

/** Reads a NUL-terminated string of at most `size` bytes (and at most `precision` bytes). */
function stringReader(offset: number, size: number): (r: DataView, precision: number | undefined) => string {
  return (r, precision) => {
    const max = Math.min(size, r.byteLength - offset, precision ?? Infinity);
    const bytes = new Uint8Array(r.buffer, r.byteOffset + offset, Math.max(0, max));
    let n = bytes.indexOf(0);
    if (n < 0) n = bytes.length;
    let ascii = true;
    for (let i = 0; i < n; i++) if (bytes[i]! >= 0x80) ascii = false;
    if (ascii) return String.fromCharCode.apply(null, bytes.subarray(0, n) as unknown as number[]);
    return utf8.decode(bytes.subarray(0, n));
  };
}

/** Byte length as C counts it for padding. */
function byteLength(s: string): number {
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) >= 0x80) return Buffer.byteLength(s, 'utf8');
  return s.length;
}

function pad(body: string, conv: Conv, bodyBytes = byteLength(body)): string {
  const width = conv.width ?? 0;
  if (bodyBytes >= width) return body;
  const fill = ' '.repeat(width - bodyBytes);
  return conv.flags.includes('-') ? body + fill : fill + body;
}

/** `%s`: precision was already applied while reading (it counts bytes). */
export function formatString(s: string, conv: Conv): string {
  return pad(s, conv);
}

const MASKS: Record<number, bigint> = { 8: 0xffn, 16: 0xffffn, 32: 0xffffffffn, 64: 0xffffffffffffffffn };

/** How many bits of the 64-bit argument C's printf reads for this length modifier. */
export function lengthBits(length: string): 8 | 16 | 32 | 64 {
  switch (length) {
    case '':
      return 32;
    case 'h':
      return 16;
    case 'hh':
      return 8;
    default:
      return 64;
  }
}

/** Formats one integer conversion (`d i u x X o c p`) exactly as glibc's printf. */
export function formatInteger(value: bigint, conv: Conv): string {
  const c = conv.conversion;
  const flags = conv.flags;
  const left = flags.includes('-');
  if (c === 'c') {
    return pad(String.fromCharCode(Number(value & 0xffn)), conv, 1);
  }
  if (c === 'p') {
    const v = value & MASKS[64]!;
    if (v === 0n) return pad('(nil)', conv);
    return withDigits('0x', v.toString(16), conv, left);
  }
  const bits = lengthBits(conv.length);
  const mask = MASKS[bits]!;
  let u = value & mask;
  let sign = '';
  if (c === 'd' || c === 'i') {
    const signBit = 1n << BigInt(bits - 1);
    if (u & signBit) {
      u = (mask + 1n) - u;
      sign = '-';
    } else if (flags.includes('+')) sign = '+';
    else if (flags.includes(' ')) sign = ' ';
  }
  let digits: string;
  let prefix = sign;
  switch (c) {
    case 'x':
      digits = u.toString(16);
      if (flags.includes('#') && u !== 0n) prefix = '0x';
      break;
    case 'X':
      digits = u.toString(16).toUpperCase();
      if (flags.includes('#') && u !== 0n) prefix = '0X';
      break;
    case 'o':
      digits = u.toString(8);
      break;
    default:
      digits = u.toString(10);
  }
  if (conv.precision !== undefined) {
    if (conv.precision === 0 && u === 0n) digits = '';
    else if (digits.length < conv.precision) digits = '0'.repeat(conv.precision - digits.length) + digits;
  }
  // `#o` makes the first digit a 0 (after precision, and even for an empty %.0o of 0).
  if (c === 'o' && flags.includes('#') && !digits.startsWith('0')) digits = '0' + digits;
  return withDigits(prefix, digits, conv, left);
}

/** Pads sign/prefix + digits to the width: zeros go between prefix and digits. */
function withDigits(prefix: string, digits: string, conv: Conv, left: boolean): string {
  const width = conv.width ?? 0;
  const len = prefix.length + digits.length;
  if (len >= width) return prefix + digits;
  if (left) return prefix + digits + ' '.repeat(width - len);
  // The 0 flag is ignored when a precision is given (C11 7.21.6.1).
  if (conv.flags.includes('0') && conv.precision === undefined) return prefix + '0'.repeat(width - len) + digits;
  return ' '.repeat(width - len) + prefix + digits;
}
