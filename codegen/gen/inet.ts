// ntop(): the value userspace prints as an IP address. bpftrace formats addresses in userspace,
// so the kernel side only records (family, 16 address bytes); see InetType.
import type { Expr, MapAccess } from '../../lang/ast.ts';
import { INET_SIZE } from '../../lang/types.ts';
import { Helper } from '../helpers.ts';
import { Reg, type Size } from '../insn.ts';
import { alu, call, imm, ldx, mov, reg, st, stx } from '../ops.ts';
import { CTX, fail, type Gen } from './context.ts';
import { addressIntoR3, memberInfo } from './members.ts';
import { branch, evalInt } from './expr.ts';
import { keyOf, lookup } from './maps-ops.ts';

const AF_INET = 2;
const AF_INET6 = 10;
const WORDS = INET_SIZE / 8;

/** Writes ntop value `e` into r10+off (INET_SIZE bytes). */
export function storeInet(g: Gen, e: Expr, off: number): void {
  g.asm.withSpan(e.span, () => {
    switch (e.kind) {
      case 'Call': {
        if (e.name !== 'ntop' || e.args.length === 0) break;
        const addr = e.args[e.args.length - 1]!;
        const af = e.args.length === 2 ? e.args[0] : undefined;
        const t = g.typeOf(addr);
        // Semantic analysis types a byte array field or member as the string it occupies.
        const arrayBytes = t.kind === 'string' ? t.size : undefined;
        if (af) {
          evalInt(g, af, Reg.R0);
          g.emit(stx(8, Reg.R10, off, Reg.R0));
        } else {
          g.emit(st(8, Reg.R10, off, arrayBytes === 16 ? AF_INET6 : AF_INET));
        }
        if (arrayBytes !== undefined) return storeAddressBytes(g, addr, arrayBytes, off + 8);
        // An integer address is the 4 bytes it occupies in memory (network order when it came
        // from a socket); the rest of the IPv6-sized buffer is zero.
        evalInt(g, addr, Reg.R0);
        g.emit(stx(4, Reg.R10, off + 8, Reg.R0), st(4, Reg.R10, off + 12, 0), st(8, Reg.R10, off + 16, 0));
        return;
      }
      case 'ScratchVar': {
        const v = g.vars.get(e.name);
        if (!v) throw fail(`internal: unknown variable ${e.name}`, e.span);
        if (v.off !== off) copyWords(g, Reg.R10, v.off, off);
        return;
      }
      case 'MapAccess':
        return mapReadInet(g, e, off);
      case 'Ternary': {
        const otherwise = g.asm.newLabel('else');
        const end = g.asm.newLabel('end');
        branch(g, e.cond, otherwise, false);
        storeInet(g, e.then, off);
        g.asm.ja(end);
        g.asm.bind(otherwise);
        storeInet(g, e.else, off);
        g.asm.bind(end);
        return;
      }
      default:
        break;
    }
    throw fail('cannot compile this ntop() expression', e.span);
  });
}

/** r10+at = the 4 or 16 bytes of byte array `addr` (the rest of the 16 zeroed): from the
 *  tracepoint record in aligned loads (the verifier wants ctx loads aligned to their size), or
 *  one probe read of a kernel struct member. */
function storeAddressBytes(g: Gen, addr: Expr, bytes: number, at: number): void {
  if (addr.kind !== 'FieldAccess') throw fail('internal: ntop() of an array that is no field', addr.span);
  g.emit(st(8, Reg.R10, at, 0), st(8, Reg.R10, at + 8, 0));
  if (memberInfo(g, addr)) {
    addressIntoR3(g, addr);
    g.emit(mov(Reg.R1, reg(Reg.R10)), alu('add', Reg.R1, imm(at)), mov(Reg.R2, imm(bytes)), call(Helper.probe_read_kernel));
    return;
  }
  const from = g.checked.fieldOf(addr, g.attach).field.offset;
  for (let k = 0; k < bytes; ) {
    const size: Size = (from + k) % 8 === 0 && bytes - k >= 8 ? 8 : (from + k) % 4 === 0 && bytes - k >= 4 ? 4 : (from + k) % 2 === 0 && bytes - k >= 2 ? 2 : 1;
    g.emit(ldx(size, Reg.R0, CTX, from + k), stx(size, Reg.R10, at + k, Reg.R0));
    k += size;
  }
}

function copyWords(g: Gen, src: Reg, srcOff: number, dstOff: number): void {
  const t = g.reg(false, undefined);
  for (let i = 0; i < WORDS; i++) g.emit(ldx(8, t, src, srcOff + 8 * i), stx(8, Reg.R10, dstOff + 8 * i, t));
  g.free(t);
}

/** r10+off = @m[k] (an ntop value), zeros (an empty address) when the key is missing. */
function mapReadInet(g: Gen, access: MapAccess, off: number): void {
  const { ref, key } = keyOf(g, access);
  lookup(g, ref, key);
  const miss = g.asm.newLabel('miss');
  const end = g.asm.newLabel('end');
  g.asm.jmp('jeq', Reg.R0, imm(0), miss);
  copyWords(g, Reg.R0, 0, off);
  g.asm.ja(end);
  g.asm.bind(miss);
  for (let i = 0; i < WORDS; i++) g.emit(st(8, Reg.R10, off + 8 * i, 0));
  g.asm.bind(end);
}
