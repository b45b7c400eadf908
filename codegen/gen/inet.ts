// ntop(): the value userspace prints as an IP address. bpftrace formats addresses in userspace,
// so the kernel side only records (family, 16 address bytes); see InetType.
import type { Expr, MapAccess } from '../../lang/ast.ts';
import { INET_SIZE } from '../../lang/types.ts';
import { Reg } from '../insn.ts';
import { imm, ldx, st, stx } from '../ops.ts';
import { fail, type Gen } from './context.ts';
import { branch, evalInt } from './expr.ts';
import { keyOf, lookup } from './maps-ops.ts';

const AF_INET = 2;
const WORDS = INET_SIZE / 8;

/** Writes ntop value `e` into r10+off (INET_SIZE bytes). */
export function storeInet(g: Gen, e: Expr, off: number): void {
  g.asm.withSpan(e.span, () => {
    switch (e.kind) {
      case 'Call': {
        if (e.name !== 'ntop' || e.args.length === 0) break;
        const addr = e.args[e.args.length - 1]!;
        const af = e.args.length === 2 ? e.args[0] : undefined;
        if (af) {
          evalInt(g, af, Reg.R0);
          g.emit(stx(8, Reg.R10, off, Reg.R0));
        } else {
          g.emit(st(8, Reg.R10, off, AF_INET));
        }
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
