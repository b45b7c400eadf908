// CO-RE field relocations: the records we build, and the kernel applying them.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Assembler } from '../../codegen/asm.ts';
import { encodeProgram } from '../../codegen/encode.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Reg, type Insn, type KernelField } from '../../codegen/insn.ts';
import { call, exit, ldImm64, ldxField, mov, imm } from '../../codegen/ops.ts';
import { LoadError, progTestRun } from '../../runtime/bpf-syscall.ts';
import { Btf } from '../../runtime/btf.ts';
import { CORE_RELO_REC_SIZE, fieldRelocations, loadWithFieldRelocations } from '../../runtime/field-relocations.ts';
import { closeFd } from '../../runtime/libc.ts';
import { kernelAvailable } from '../support/kernel.ts';

const COMM: KernelField = { struct: 'task_struct', member: 'comm', type: { kind: 'char_array', length: 16 } };

/** r0 = the 4 bytes at comm[byte] of the current task. */
function commWord(byte: number): Insn[] {
  const a = new Assembler();
  a.emit(call(Helper.get_current_task_btf), ldxField(4, Reg.R0, Reg.R0, COMM, byte), exit());
  return [...a.finish().insns];
}

describe('fieldRelocations', () => {
  it('is undefined for a program without relocated loads', () => {
    expect(fieldRelocations([mov(Reg.R0, imm(0)), exit()])).toBeUndefined();
  });

  it('records each load at its byte offset in slots, with the member byte in the access string', () => {
    // ld_imm64 takes two slots: the loads sit at slots 3 and 4.
    const insns = [ldImm64(Reg.R1, 1n), call(Helper.get_current_task_btf), ldxField(8, Reg.R1, Reg.R0, COMM, 0), ldxField(8, Reg.R2, Reg.R0, COMM, 8), exit()];
    const r = fieldRelocations(insns)!;
    expect(r.count).toBe(2);
    const btf = Btf.parse(r.btf);
    const records = [0, 1].map((i) => {
      const at = i * CORE_RELO_REC_SIZE;
      return { insnOff: r.coreRelos.readUInt32LE(at), type: r.coreRelos.readUInt32LE(at + 4), access: btf.str(r.coreRelos.readUInt32LE(at + 8)), kind: r.coreRelos.readUInt32LE(at + 12) };
    });
    const task = btf.structLayout('task_struct')!;
    expect(records).toEqual([
      { insnOff: 24, type: task.id, access: '0:0:0', kind: 0 },
      { insnOff: 32, type: task.id, access: '0:0:8', kind: 0 },
    ]);
    // Our local task_struct is just the member, at offset 0.
    expect(task.members.map((m) => [m.name, m.offset, m.cType])).toEqual([['comm', 0, 'char[16]']]);
    // One func_info: the function starting at instruction 0.
    expect(r.funcInfo.readUInt32LE(0)).toBe(0);
    expect(btf.type(r.funcInfo.readUInt32LE(4)).kind).toBe('func');
  });

  it('rejects a load outside the member', () => {
    expect(() => fieldRelocations([ldxField(1, Reg.R0, Reg.R0, COMM, 16)])).toThrow(/outside task_struct.comm/);
  });
});

describe.skipIf(!kernelAvailable)('field relocations in the kernel', () => {
  it('reads the current task comm where this kernel keeps it', () => {
    // BPF_PROG_TEST_RUN runs the program in this thread.
    const expected = Buffer.alloc(16);
    expected.write(readFileSync('/proc/thread-self/comm', 'latin1').replace(/\n$/, ''), 'latin1');
    for (const byte of [0, 4, 8, 12]) {
      const insns = commWord(byte);
      const fd = loadWithFieldRelocations(insns, { progType: 'raw_tracepoint', insns: encodeProgram(insns, () => 0), license: 'GPL', name: 'comm_reloc' });
      try {
        expect(progTestRun(fd)).toBe(expected.readUInt32LE(byte));
      } finally {
        closeFd(fd);
      }
    }
  });

  it('fails with the kernel\'s reason when the member does not exist', () => {
    const missing: KernelField = { struct: 'task_struct', member: 'no_such_member', type: { kind: 'int', size: 4, signed: true } };
    const insns = [call(Helper.get_current_task_btf), ldxField(4, Reg.R0, Reg.R0, missing), exit()];
    let error: unknown;
    try {
      closeFd(loadWithFieldRelocations(insns, { progType: 'raw_tracepoint', insns: encodeProgram(insns, () => 0), license: 'GPL', name: 'bad_reloc' }));
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(LoadError);
    expect((error as LoadError).log).toMatch(/relo #0/);
  });
});
