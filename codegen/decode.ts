// Bytes -> Insn, the inverse of codegen/encode.ts, sharing its OPCODES table.
//
// The decoder accepts exactly what the encoder can produce: any byte pattern it would not
// reproduce (reserved fields set, ISA extensions we do not emit such as sdiv/movsx/gotol/kfunc
// calls) is rejected with a DecodeError naming the slot, so encode(decode(b)) == b whenever
// decode succeeds. Map references decode to a symbolic name chosen by the caller.
import type { AluOp, AtomicOp, Insn, JmpOp, Reg, Size } from './insn.ts';
import { INSN_SIZE, OPCODES } from './encode.ts';

const {
  LD, LDX, ST, STX, ALU, JMP, JMP32, ALU64, SIZE_CODE, IMM, MEM, ATOMIC, X, ALU_CODE, END, JMP_CODE,
  JA, CALL, EXIT, ATOMIC_CODE, FETCH, PSEUDO_MAP_FD, PSEUDO_MAP_VALUE,
} = OPCODES;

/** Thrown on bytes that are not a program the encoder could have produced. */
export class DecodeError extends Error {
  constructor(
    /** Slot (8-byte instruction index) where decoding failed. */
    readonly slot: number,
    message: string,
  ) {
    super(`insn ${slot}: ${message}`);
    this.name = 'DecodeError';
  }
}

/** Names the map behind a file descriptor found in ld_map_fd / ld_map_value. */
export type MapNamer = (fd: number) => string;

const defaultMapNamer: MapNamer = (fd) => `fd:${fd}`;

function invert<K extends string | number>(table: Record<K, number>): Map<number, K> {
  const m = new Map<number, K>();
  for (const [k, v] of Object.entries(table) as [string, number][]) {
    m.set(v, (/^\d+$/.test(k) ? Number(k) : k) as K);
  }
  return m;
}

const SIZE_OF = invert<Size>(SIZE_CODE);
const ALU_OF = invert<AluOp>(ALU_CODE);
const JMP_OF = invert<JmpOp>(JMP_CODE);
// xchg/cmpxchg carry FETCH in their table entry already; the others may add it.
const ATOMIC_OF = new Map<number, { op: AtomicOp; fetch: boolean }>();
for (const [op, code] of Object.entries(ATOMIC_CODE) as [AtomicOp, number][]) {
  ATOMIC_OF.set(code, { op, fetch: (code & FETCH) !== 0 });
  if ((code & FETCH) === 0) ATOMIC_OF.set(code | FETCH, { op, fetch: true });
}

const hex = (n: number): string => `0x${n.toString(16).padStart(2, '0')}`;

/** Decodes a whole program (a multiple of 8 bytes). */
export function decodeProgram(bytes: Uint8Array, mapName: MapNamer = defaultMapNamer): Insn[] {
  if (bytes.length % INSN_SIZE !== 0) {
    throw new DecodeError(Math.floor(bytes.length / INSN_SIZE), `program length ${bytes.length} is not a multiple of ${INSN_SIZE}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = bytes.length / INSN_SIZE;
  const insns: Insn[] = [];
  for (let slot = 0; slot < n; ) {
    const insn = decodeAt(view, slot, n, mapName);
    insns.push(insn);
    slot += insn.kind === 'ld_imm64' || insn.kind === 'ld_map_fd' || insn.kind === 'ld_map_value' ? 2 : 1;
  }
  return insns;
}

interface Raw {
  readonly code: number;
  readonly dst: number;
  readonly src: number;
  readonly off: number;
  readonly imm: number;
}

function readRaw(view: DataView, slot: number): Raw {
  const at = slot * INSN_SIZE;
  const regs = view.getUint8(at + 1);
  return {
    code: view.getUint8(at),
    dst: regs & 0xf,
    src: regs >> 4,
    off: view.getInt16(at + 2, true),
    imm: view.getInt32(at + 4, true),
  };
}

function decodeAt(view: DataView, slot: number, n: number, mapName: MapNamer): Insn {
  const r = readRaw(view, slot);
  const fail = (msg: string): never => {
    throw new DecodeError(slot, `${msg} (opcode ${hex(r.code)})`);
  };
  /** Rejects non-zero values in fields this instruction does not use. */
  const unused = (fields: Partial<Record<'dst' | 'src' | 'off' | 'imm', true>>): void => {
    for (const f of Object.keys(fields) as ('dst' | 'src' | 'off' | 'imm')[]) {
      if (r[f] !== 0) fail(`reserved field ${f} is ${r[f]}, expected 0`);
    }
  };
  const register = (v: number, what: string): Reg => (v <= 10 ? (v as Reg) : fail(`invalid ${what} register r${v}`));
  const cls = r.code & 0x07;

  switch (cls) {
    case ALU:
    case ALU64: {
      const width = cls === ALU64 ? 64 : 32;
      const opBits = r.code & 0xf0;
      const dst = register(r.dst, 'destination');
      if (opBits === END) {
        if (cls === ALU64) fail('unsupported instruction: unconditional byte swap');
        unused({ src: true, off: true });
        if (r.imm !== 16 && r.imm !== 32 && r.imm !== 64) fail(`invalid byte swap width ${r.imm}`);
        return { kind: 'endian', order: (r.code & X) !== 0 ? 'be' : 'le', bits: r.imm as 16 | 32 | 64, dst };
      }
      const op = ALU_OF.get(opBits) ?? fail('unknown opcode');
      if (r.off !== 0) fail(`unsupported ALU variant with offset ${r.off}`);
      if (op === 'neg') {
        if ((r.code & X) !== 0) fail('neg with a register source');
        unused({ src: true, imm: true });
        return { kind: 'alu', op, width, dst, src: { imm: 0 } };
      }
      if ((r.code & X) !== 0) {
        unused({ imm: true });
        return { kind: 'alu', op, width, dst, src: { reg: register(r.src, 'source') } };
      }
      unused({ src: true });
      return { kind: 'alu', op, width, dst, src: { imm: r.imm } };
    }

    case JMP:
    case JMP32: {
      const opBits = r.code & 0xf0;
      if (cls === JMP && (r.code & X) === 0) {
        if (opBits === JA) {
          unused({ dst: true, src: true, imm: true });
          return { kind: 'ja', off: r.off };
        }
        if (opBits === CALL) {
          if (r.src !== 0) fail(`unsupported call kind (src_reg ${r.src})`);
          unused({ dst: true, off: true });
          return { kind: 'call', helper: r.imm };
        }
        if (opBits === EXIT) {
          unused({ dst: true, src: true, off: true, imm: true });
          return { kind: 'exit' };
        }
      }
      const op = JMP_OF.get(opBits) ?? fail('unknown opcode');
      const width = cls === JMP ? 64 : 32;
      const dst = register(r.dst, 'destination');
      if ((r.code & X) !== 0) {
        unused({ imm: true });
        return { kind: 'jmp', op, width, dst, src: { reg: register(r.src, 'source') }, off: r.off };
      }
      unused({ src: true });
      return { kind: 'jmp', op, width, dst, src: { imm: r.imm }, off: r.off };
    }

    case LD: {
      if (r.code !== (LD | IMM | SIZE_CODE[8])) fail('unsupported load (only ld_imm64 is valid)');
      if (slot + 1 >= n) fail('truncated ld_imm64: second slot missing');
      const hi = readRaw(view, slot + 1);
      if (hi.code !== 0 || hi.dst !== 0 || hi.src !== 0 || hi.off !== 0) {
        throw new DecodeError(slot + 1, 'second slot of ld_imm64 must have only imm set');
      }
      if (r.off !== 0) fail(`reserved field off is ${r.off}, expected 0`);
      const dst = register(r.dst, 'destination');
      switch (r.src) {
        case 0: {
          const value = (BigInt(hi.imm >>> 0) << 32n) | BigInt(r.imm >>> 0);
          return { kind: 'ld_imm64', dst, imm: value };
        }
        case PSEUDO_MAP_FD:
          if (hi.imm !== 0) throw new DecodeError(slot + 1, `ld_map_fd second slot imm is ${hi.imm}, expected 0`);
          return { kind: 'ld_map_fd', dst, map: mapName(r.imm) };
        case PSEUDO_MAP_VALUE:
          return { kind: 'ld_map_value', dst, map: mapName(r.imm), offset: hi.imm >>> 0 };
        default:
          return fail(`unsupported ld_imm64 pseudo source ${r.src}`);
      }
    }

    case LDX:
    case ST:
    case STX: {
      const size = SIZE_OF.get(r.code & 0x18)!;
      const mode = r.code & 0xe0;
      const dst = register(r.dst, 'destination');
      if (mode === ATOMIC && cls === STX) {
        const width = size === 4 || size === 8 ? size : fail(`atomic operation on ${size}-byte memory`);
        const a = ATOMIC_OF.get(r.imm) ?? fail(`unknown atomic operation ${hex(r.imm)}`);
        return { kind: 'atomic', op: a.op, size: width, fetch: a.fetch, dst, src: register(r.src, 'source'), off: r.off };
      }
      if (mode !== MEM) fail('unsupported memory access mode');
      if (cls === LDX) {
        unused({ imm: true });
        return { kind: 'ldx', size, dst, src: register(r.src, 'source'), off: r.off };
      }
      if (cls === ST) {
        unused({ src: true });
        return { kind: 'st', size, dst, off: r.off, imm: r.imm };
      }
      unused({ imm: true });
      return { kind: 'stx', size, dst, src: register(r.src, 'source'), off: r.off };
    }
  }
  return fail('unknown opcode');
}
