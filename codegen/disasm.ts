// Insn -> text, in the syntax of the kernel verifier log and `bpftool prog dump xlated`
// (kernel/bpf/disasm.c), so our `-d` output and verifier excerpts read the same:
//   r1 = r10 | r1 += -8 | w1 = w2 | r0 = *(u64 *)(r1 +0) | *(u32 *)(r10 -4) = 0
//   if r0 == 0x0 goto +2 | call bpf_map_lookup_elem#1 | r1 = map[@counts] | exit
// Differences from the kernel: jump offsets drop its `pc` prefix, map references show our
// symbolic map names, and a negative jump immediate prints as -0x.. rather than its u32 pattern.
import type { AluOp, Insn, JmpOp, Operand, Size } from './insn.ts';
import { slots } from './insn.ts';
import { helperName } from './helpers.ts';

const ALU_SYM: Record<AluOp, string> = {
  add: '+=', sub: '-=', mul: '*=', div: '/=', or: '|=', and: '&=', lsh: '<<=', rsh: '>>=',
  neg: '= -', mod: '%=', xor: '^=', mov: '=', arsh: 's>>=',
};

const JMP_SYM: Record<JmpOp, string> = {
  jeq: '==', jgt: '>', jge: '>=', jset: '&', jne: '!=', jsgt: 's>', jsge: 's>=',
  jlt: '<', jle: '<=', jslt: 's<', jsle: 's<=',
};

const ATOMIC_SYM = { add: '+=', or: '|=', and: '&=', xor: '^=' } as const;

const sizeName = (size: Size): string => `u${size * 8}`;
/** Signed offset as the kernel prints it (`%+d`): +0, -8. */
const signed = (n: number): string => (n < 0 ? `${n}` : `+${n}`);
const mem = (size: Size, base: number, off: number): string => `*(${sizeName(size)} *)(r${base} ${signed(off)})`;
const hexImm = (n: number): string => (n < 0 ? `-0x${(-n).toString(16)}` : `0x${n.toString(16)}`);

/** Where a jump goes: `+N`/`-N` relative to the next slot, or the absolute slot number. */
export type JumpTarget = (off: number) => string;

const relative: JumpTarget = signed;

/** One instruction as text. Never throws, even for out-of-range field values. */
export function formatInsn(insn: Insn, target: JumpTarget = relative): string {
  switch (insn.kind) {
    case 'alu': {
      const r = insn.width === 64 ? 'r' : 'w';
      const dst = `${r}${insn.dst}`;
      if (insn.op === 'neg') return `${dst} = -${dst}`;
      const src = 'reg' in insn.src ? `${r}${insn.src.reg}` : `${insn.src.imm}`;
      return `${dst} ${ALU_SYM[insn.op]} ${src}`;
    }
    case 'endian':
      return `r${insn.dst} = ${insn.order}${insn.bits} r${insn.dst}`;
    case 'ld_imm64':
      return `r${insn.dst} = 0x${BigInt.asUintN(64, insn.imm).toString(16)}`;
    case 'ld_map_fd':
      return `r${insn.dst} = map[${insn.map}]`;
    case 'ld_map_value':
      return `r${insn.dst} = map[${insn.map}][0]+${insn.offset}`;
    case 'ldx':
      // A relocated load names its member: the offset shown is within it until the kernel loads it.
      if (insn.field) return `r${insn.dst} = *(${sizeName(insn.size)} *)(r${insn.src} ${signed(insn.off)})  ; ${insn.field.struct}.${insn.field.member}${signed(insn.off)}, offset from kernel BTF`;
      return `r${insn.dst} = ${mem(insn.size, insn.src, insn.off)}`;
    case 'st':
      return `${mem(insn.size, insn.dst, insn.off)} = ${insn.imm}`;
    case 'stx':
      return `${mem(insn.size, insn.dst, insn.off)} = r${insn.src}`;
    case 'atomic': {
      const addr = `(${sizeName(insn.size)} *)(r${insn.dst} ${signed(insn.off)})`;
      const bits = insn.size === 8 ? '64' : '';
      switch (insn.op) {
        case 'xchg':
          return `r${insn.src} = atomic${bits}_xchg(${addr}, r${insn.src})`;
        case 'cmpxchg':
          return `r0 = atomic${bits}_cmpxchg(${addr}, r0, r${insn.src})`;
        default:
          if (insn.fetch) return `r${insn.src} = atomic${bits}_fetch_${insn.op}(${addr}, r${insn.src})`;
          return `lock *${addr} ${ATOMIC_SYM[insn.op]} r${insn.src}`;
      }
    }
    case 'jmp': {
      const r = insn.width === 64 ? 'r' : 'w';
      const src = operand(insn.src, r);
      return `if ${r}${insn.dst} ${JMP_SYM[insn.op]} ${src} goto ${target(insn.off)}`;
    }
    case 'ja':
      return `goto ${target(insn.off)}`;
    case 'call': {
      const name = helperName(insn.helper);
      return name.startsWith('helper#') ? `call ${name}` : `call bpf_${name}#${insn.helper}`;
    }
    case 'exit':
      return 'exit';
  }
}

function operand(src: Operand, r: string): string {
  return 'reg' in src ? `${r}${src.reg}` : hexImm(src.imm);
}

export interface FormatProgramOptions {
  /** Print jump targets as absolute slot numbers (`goto 7`) instead of `goto +2`. */
  readonly absoluteTargets?: boolean;
  /** Per-instruction trailing comment (e.g. the source line), indexed like `insns`. */
  readonly comments?: readonly (string | undefined)[];
}

/**
 * A listing numbered by slot as the verifier numbers instructions (ld_imm64 takes two numbers):
 *   0: r1 = map[@counts]
 *   2: exit
 */
export function formatProgram(insns: readonly Insn[], opts: FormatProgramOptions = {}): string {
  let total = 0;
  for (const i of insns) total += slots(i);
  const width = String(Math.max(0, total - 1)).length;
  const lines: string[] = [];
  let slot = 0;
  insns.forEach((insn, index) => {
    const here = slot;
    const target: JumpTarget = opts.absoluteTargets ? (off) => `${here + 1 + off}` : relative;
    const comment = opts.comments?.[index];
    const text = formatInsn(insn, target);
    lines.push(`${String(here).padStart(width)}: ${text}${comment ? `  ; ${comment}` : ''}`);
    slot += slots(insn);
  });
  return lines.join('\n');
}
