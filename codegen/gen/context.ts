// State for generating one program (one probe × attach point): the assembler, the stack
// frame, register reservations, scratch variable slots and the map table.
import type { CheckedAttach, CheckedProbe, CheckedProgram } from '../../lang/checked.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import type { Span } from '../../lang/source.ts';
import type { Type } from '../../lang/types.ts';
import { Assembler, type Label } from '../asm.ts';
import { Reg, type Insn, type Operand } from '../insn.ts';
import type { MapSpec, PrintfLayout } from '../object.ts';
import { imm, ldImm64, mov } from '../ops.ts';
import { StackFrame } from './stack.ts';

/** Registers: r6 holds ctx; r7-r9 survive helper calls; r1-r5 are free between calls. */
export const CTX = Reg.R6;
export const CALLEE_SAVED: readonly Reg[] = [Reg.R7, Reg.R8, Reg.R9];
const CALLER_SAVED: readonly Reg[] = [Reg.R1, Reg.R2, Reg.R3, Reg.R4, Reg.R5];

export interface MapRef {
  readonly spec: MapSpec;
  /** Index in BpfObject.maps. */
  readonly index: number;
}

export interface VarSlot {
  readonly type: Type;
  /** r10-relative offset of the variable's storage. */
  readonly off: number;
}

export interface ObjectTables {
  readonly maps: ReadonlyMap<string, MapRef>;
  readonly printfs: readonly PrintfLayout[];
  /** time() formats; a format's index is its EventKind.Time id. */
  readonly timeFormats: readonly string[];
  readonly ringBytes: number;
  /** Kernel struct members may be read with CO-RE relocated loads (GenerateOptions.kernelFields). */
  readonly kernelFields: boolean;
}

export class Gen {
  readonly asm = new Assembler();
  readonly stack: StackFrame;
  readonly vars = new Map<string, VarSlot>();
  private readonly reserved = new Set<Reg>();

  constructor(
    readonly checked: CheckedProgram,
    readonly probe: CheckedProbe,
    readonly attach: CheckedAttach,
    readonly tables: ObjectTables,
    /** Where `return 0` lives. */
    readonly exitLabel: Label,
  ) {
    this.stack = new StackFrame(`probe ${attach.probeName}`);
  }

  emit(...insns: Insn[]): void {
    this.asm.emit(...insns);
  }

  typeOf(e: Parameters<CheckedProgram['typeOf']>[0]): Type {
    return this.checked.typeOf(e);
  }

  map(name: string, span: Span): MapRef {
    const m = this.tables.maps.get(name);
    if (!m) throw fail(`internal: map ${name} has no spec`, span);
    return m;
  }

  /**
   * A free register. `acrossCalls` asks for one that survives helper calls (r7-r9); otherwise a
   * caller-saved one is preferred, which is only valid while no helper call is emitted.
   */
  tryReg(acrossCalls: boolean): Reg | undefined {
    const order = acrossCalls ? CALLEE_SAVED : [...CALLER_SAVED, ...CALLEE_SAVED];
    const r = order.find((x) => !this.reserved.has(x));
    if (r !== undefined) this.reserved.add(r);
    return r;
  }

  reg(acrossCalls: boolean, span: Span | undefined): Reg {
    const r = this.tryReg(acrossCalls);
    if (r === undefined) throw fail('expression too complex: out of registers', span);
    return r;
  }

  /** Reserves `r` while `f` runs unless it already is (so nested allocations avoid it). */
  holding<T>(r: Reg, f: () => T): T {
    if (this.reserved.has(r)) return f();
    this.reserved.add(r);
    try {
      return f();
    } finally {
      this.reserved.delete(r);
    }
  }

  isFree(r: Reg): boolean {
    return !this.reserved.has(r);
  }

  free(r: Reg): void {
    this.reserved.delete(r);
  }

  /** dst = constant, with the shortest encoding. */
  movConst(dst: Reg, value: bigint): void {
    const v = BigInt.asIntN(64, value);
    if (v >= -0x80000000n && v <= 0x7fffffffn) this.emit(mov(dst, imm(Number(v))));
    else this.emit(ldImm64(dst, v));
  }
}

/** A constant as an immediate operand when it fits (sign-extended 32 bits). */
export function immOf(value: bigint): Operand | undefined {
  const v = BigInt.asIntN(64, value);
  return v >= -0x80000000n && v <= 0x7fffffffn ? imm(Number(v)) : undefined;
}

export function fail(message: string, span: Span | undefined, notes?: readonly string[]): CompileError {
  return new CompileError([{ severity: 'error', message, ...(span ? { span } : {}), ...(notes ? { notes } : {}) }]);
}
