// The eBPF instruction model. One `Insn` is one instruction as the verifier counts them;
// `ld_imm64` (and its map-reference forms) is a single Insn that encodes to two 8-byte slots.
// Instructions are data: codegen builds them, codegen/encode.ts turns them into bytes,
// codegen/disasm.ts turns bytes back into them and into text.
//
// Map references stay symbolic (`map: '@counts'`) until the runtime knows the map's fd: the
// encoder takes a resolver. Jump offsets are in instruction slots relative to the next slot, as
// the kernel expects; codegen/asm.ts computes them from symbolic labels.

export enum Reg {
  R0 = 0, R1 = 1, R2 = 2, R3 = 3, R4 = 4, R5 = 5, R6 = 6, R7 = 7, R8 = 8, R9 = 9,
  /** Read-only frame pointer; the stack is the 512 bytes below it. */
  R10 = 10,
}

/** Memory access width: byte, half word, word, double word. */
export type Size = 1 | 2 | 4 | 8;

/** A register or a 32-bit signed immediate operand. */
export type Operand = { readonly reg: Reg } | { readonly imm: number };

export type AluOp =
  | 'add' | 'sub' | 'mul' | 'div' | 'or' | 'and' | 'lsh' | 'rsh'
  | 'neg' | 'mod' | 'xor' | 'mov' | 'arsh';

export type JmpOp =
  | 'jeq' | 'jgt' | 'jge' | 'jset' | 'jne' | 'jsgt' | 'jsge' | 'jlt' | 'jle' | 'jslt' | 'jsle';

export type AtomicOp = 'add' | 'or' | 'and' | 'xor' | 'xchg' | 'cmpxchg';

export type Insn =
  /** dst = dst OP src (64-bit, or 32-bit with zero extension when width is 32). `neg` ignores src. */
  | { readonly kind: 'alu'; readonly op: AluOp; readonly width: 32 | 64; readonly dst: Reg; readonly src: Operand }
  /** Byte swap: to little/big endian (`le`/`be`) over 16, 32 or 64 bits. */
  | { readonly kind: 'endian'; readonly order: 'le' | 'be'; readonly bits: 16 | 32 | 64; readonly dst: Reg }
  /** dst = 64-bit constant (two slots). */
  | { readonly kind: 'ld_imm64'; readonly dst: Reg; readonly imm: bigint }
  /** dst = pointer to map `map` (BPF_PSEUDO_MAP_FD; two slots). */
  | { readonly kind: 'ld_map_fd'; readonly dst: Reg; readonly map: string }
  /** dst = address of byte `offset` in element 0 of array map `map` (BPF_PSEUDO_MAP_VALUE). */
  | { readonly kind: 'ld_map_value'; readonly dst: Reg; readonly map: string; readonly offset: number }
  /** dst = *(size *)(src + off). With `field`, src points to that kernel struct and `off` is a
   *  byte within the member: the kernel adds the member's offset when it loads the program. */
  | { readonly kind: 'ldx'; readonly size: Size; readonly dst: Reg; readonly src: Reg; readonly off: number; readonly field?: KernelField }
  /** *(size *)(dst + off) = imm */
  | { readonly kind: 'st'; readonly size: Size; readonly dst: Reg; readonly off: number; readonly imm: number }
  /** *(size *)(dst + off) = src */
  | { readonly kind: 'stx'; readonly size: Size; readonly dst: Reg; readonly src: Reg; readonly off: number }
  /** Atomic read-modify-write of *(size *)(dst + off) with src; `fetch` returns the old value in src. */
  | {
      readonly kind: 'atomic';
      readonly op: AtomicOp;
      readonly size: 4 | 8;
      readonly fetch: boolean;
      readonly dst: Reg;
      readonly src: Reg;
      readonly off: number;
    }
  /** if (dst OP src) goto +off (64-bit compare, or 32-bit with width 32). */
  | { readonly kind: 'jmp'; readonly op: JmpOp; readonly width: 32 | 64; readonly dst: Reg; readonly src: Operand; readonly off: number }
  /** goto +off */
  | { readonly kind: 'ja'; readonly off: number }
  /** call helper function number `helper` (see codegen/helpers.ts). */
  | { readonly kind: 'call'; readonly helper: number }
  | { readonly kind: 'exit' };

/**
 * A member of a kernel struct whose offset this kernel's BTF decides, not codegen (a CO-RE field
 * relocation, applied by the kernel at program load): `struct task_struct`'s `comm` sits at a
 * different offset in every kernel build. `type` is the member's type as codegen assumes it; the
 * kernel refuses the program if the real member is not compatible.
 */
export interface KernelField {
  readonly struct: string;
  readonly member: string;
  readonly type: KernelFieldType;
}

export type KernelFieldType =
  | { readonly kind: 'char_array'; readonly length: number }
  | { readonly kind: 'int'; readonly size: Size; readonly signed: boolean }
  | { readonly kind: 'pointer' };

/** Number of 8-byte slots an instruction occupies. */
export function slots(i: Insn): 1 | 2 {
  return i.kind === 'ld_imm64' || i.kind === 'ld_map_fd' || i.kind === 'ld_map_value' ? 2 : 1;
}
