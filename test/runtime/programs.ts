// Hand-assembled BPF programs and object pieces for runtime tests (no codegen involved).
import { Assembler } from '../../codegen/asm.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Reg } from '../../codegen/insn.ts';
import type { MapSpec, ProgramSpec, ProgType } from '../../codegen/object.ts';
import { alu, atomic, call, exit, imm, ldMapFd, mov, reg, st, stx } from '../../codegen/ops.ts';
import type { AttachPoint } from '../../lang/ast.ts';
import type { CheckedAttach, ResolvedAttach } from '../../lang/checked.ts';
import type { Span } from '../../lang/source.ts';

/** A one-line span on line `line`, columns [col, col + len). */
export function spanAt(line: number, col = 1, len = 5): Span {
  return { file: 'stdin', line, column: col, offset: col - 1, endLine: line, endColumn: col + len, endOffset: col - 1 + len };
}

export function checkedAttach(probeName: string, resolved: ResolvedAttach, span = spanAt(1)): CheckedAttach {
  const [provider = '', ...parts] = probeName.split(':');
  const attachPoint: AttachPoint = { kind: 'AttachPoint', provider, parts, raw: probeName, span };
  return { attachPoint, resolved, probeName };
}

export function programSpec(
  name: string,
  progType: ProgType,
  attach: CheckedAttach,
  build: (a: Assembler) => void,
  probeIndex = 0,
): ProgramSpec {
  const a = new Assembler();
  build(a);
  const { insns, spans } = a.finish();
  return { name, progType, attach, probeIndex, insns, spans };
}

/** r0 = current tgid (upper half of get_current_pid_tgid). Clobbers r1-r5. */
export function emitTgid(a: Assembler, dst: Reg): void {
  a.emit(call(Helper.get_current_pid_tgid), mov(dst, reg(Reg.R0)), alu('rsh', dst, imm(32)));
}

/** Returns 0 unless the current tgid is `pid`. Uses r6. */
export function emitPidFilter(a: Assembler, pid: number): void {
  const out = a.newLabel('out');
  const go = a.newLabel('go');
  emitTgid(a, Reg.R6);
  a.jmp('jeq', Reg.R6, imm(pid), go);
  a.bind(out);
  a.emit(mov(Reg.R0, imm(0)), exit());
  a.bind(go);
}

/** `*map[0] += 1` for an array map of u64 with u32 keys (atomic). */
export function emitArrayIncrement(a: Assembler, map: string): void {
  const skip = a.newLabel('skip');
  a.emit(
    st(4, Reg.R10, -4, 0),
    ldMapFd(Reg.R1, map),
    mov(Reg.R2, reg(Reg.R10)),
    alu('add', Reg.R2, imm(-4)),
    call(Helper.map_lookup_elem),
  );
  a.jmp('jeq', Reg.R0, imm(0), skip);
  a.emit(mov(Reg.R1, imm(1)), atomic('add', 8, Reg.R0, 0, Reg.R1));
  a.bind(skip);
}

/** A complete program: count runs of the current process into array `map`[0]. */
export function countingProgram(pid: number, map: string): (a: Assembler) => void {
  return (a) => {
    emitPidFilter(a, pid);
    emitArrayIncrement(a, map);
    a.emit(mov(Reg.R0, imm(0)), exit());
  };
}

/** Writes the 16-byte record {u32 kind, u32 id, u64 r7} to ring buffer `ring` with ringbuf_output. */
export function emitRecord(a: Assembler, ring: string, kind: number, id: number, valueReg: Reg = Reg.R7): void {
  a.emit(
    st(4, Reg.R10, -16, kind),
    st(4, Reg.R10, -12, id),
    stx(8, Reg.R10, -8, valueReg),
    ldMapFd(Reg.R1, ring),
    mov(Reg.R2, reg(Reg.R10)),
    alu('add', Reg.R2, imm(-16)),
    mov(Reg.R3, imm(16)),
    mov(Reg.R4, imm(0)),
    call(Helper.ringbuf_output),
  );
}

/** r7 = old value of array `map`[0], which is incremented (a sequence number). */
export function emitNextSequence(a: Assembler, map: string): void {
  const ok = a.newLabel('ok');
  a.emit(
    st(4, Reg.R10, -20, 0),
    ldMapFd(Reg.R1, map),
    mov(Reg.R2, reg(Reg.R10)),
    alu('add', Reg.R2, imm(-20)),
    call(Helper.map_lookup_elem),
  );
  a.jmp('jne', Reg.R0, imm(0), ok);
  a.emit(mov(Reg.R0, imm(0)), exit());
  a.bind(ok);
  a.emit(mov(Reg.R7, imm(1)), atomic('add', 8, Reg.R0, 0, Reg.R7, true));
}

export const counterMap = (name: string): MapSpec => ({
  name,
  role: 'scratch',
  kind: 'array',
  keySize: 4,
  valueSize: 8,
  maxEntries: 1,
});

