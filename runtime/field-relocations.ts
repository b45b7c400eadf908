// CO-RE field relocations for a program's loads of kernel struct members (Insn `ldx` with a
// `field`): the kernel itself moves each load to where the member sits in its own BTF when it
// loads the program (BPF_PROG_LOAD core_relos, 5.17+). We describe what codegen assumed in a tiny
// BTF of our own: per member, a one-member struct of that name with the member at offset 0, so
// each load's encoded offset is its byte within the member. That way tsbpf never reads the
// kernel's 5 MB vmlinux BTF just to find `task_struct.comm`.
import type { Insn, KernelField } from '../codegen/insn.ts';
import { slots } from '../codegen/insn.ts';
import { btfLoad, progLoad, type ProgLoadOptions } from './bpf-syscall.ts';
import { BtfWriter, type TypeId } from './btf-writer.ts';
import { closeFd } from './libc.ts';

/** enum bpf_core_relo_kind: the member's byte offset. */
const CORE_FIELD_BYTE_OFFSET = 0;
export const FUNC_INFO_REC_SIZE = 8;
export const CORE_RELO_REC_SIZE = 16;

/** What BPF_PROG_LOAD needs for a program's relocations. */
export interface ProgramRelocations {
  /** Our BTF (BPF_BTF_LOAD it; the fd goes in prog_btf_fd). */
  readonly btf: Buffer;
  /** One struct bpf_func_info for the program's only function (the kernel wants one when
   *  prog_btf_fd is set). */
  readonly funcInfo: Buffer;
  /** struct bpf_core_relo records, CORE_RELO_REC_SIZE bytes each. */
  readonly coreRelos: Buffer;
  readonly count: number;
}

/** The relocations of `insns`, or undefined when no instruction needs one. */
export function fieldRelocations(insns: readonly Insn[]): ProgramRelocations | undefined {
  const loads: { byteOffset: number; field: KernelField; byte: number }[] = [];
  let slot = 0;
  for (const insn of insns) {
    if (insn.kind === 'ldx' && insn.field) loads.push({ byteOffset: slot * 8, field: insn.field, byte: insn.off });
    slot += slots(insn);
  }
  if (loads.length === 0) return undefined;

  const w = new BtfWriter();
  const int = w.int('int', 4, true);
  const proto = w.funcProto(int, [{ name: 'ctx', type: w.ptr(0) }]);
  const func = w.func('tsbpf_probe', proto);
  const structs = new Map<string, TypeId>();
  const structFor = (f: KernelField): TypeId => {
    const key = `${f.struct}.${f.member}`;
    let id = structs.get(key);
    if (id === undefined) {
      const t = f.type;
      // A pointer member is described as `void *`: CO-RE matches any pointer with any pointer.
      const member =
        t.kind === 'char_array' ? w.array(w.int('char', 1, true), int, t.length)
        : t.kind === 'pointer' ? w.ptr(0)
        : w.int(`${t.signed ? '' : 'unsigned '}${intName(t.size)}`, t.size, t.signed);
      const size = t.kind === 'char_array' ? t.length : t.kind === 'pointer' ? 8 : t.size;
      id = w.struct(f.struct, size, [{ name: f.member, type: member, byteOffset: 0 }]);
      structs.set(key, id);
    }
    return id;
  };

  const coreRelos = Buffer.alloc(CORE_RELO_REC_SIZE * loads.length);
  loads.forEach((l, i) => {
    const t = l.field.type;
    if (t.kind !== 'char_array' && l.byte !== 0) throw new Error(`internal: a load of ${l.field.struct}.${l.field.member} must start at its first byte`);
    if (t.kind === 'char_array' && (l.byte < 0 || l.byte >= t.length)) throw new Error(`internal: byte ${l.byte} is outside ${l.field.struct}.${l.field.member}`);
    // Access string: root struct, its member 0, then the array element the load starts at.
    const access = t.kind === 'char_array' ? `0:0:${l.byte}` : '0:0';
    const at = CORE_RELO_REC_SIZE * i;
    coreRelos.writeUInt32LE(l.byteOffset, at);
    coreRelos.writeUInt32LE(structFor(l.field), at + 4);
    coreRelos.writeUInt32LE(w.str(access), at + 8);
    coreRelos.writeUInt32LE(CORE_FIELD_BYTE_OFFSET, at + 12);
  });
  const funcInfo = Buffer.alloc(FUNC_INFO_REC_SIZE);
  funcInfo.writeUInt32LE(0, 0); // insn_off, in instructions: the program starts the function
  funcInfo.writeUInt32LE(func, 4);
  return { btf: w.finish(), funcInfo, coreRelos, count: loads.length };
}

function intName(size: number): string {
  return size === 1 ? 'char' : size === 2 ? 'short' : size === 4 ? 'int' : 'long';
}

/** BPF_PROG_LOAD of `insns` (already encoded in `o.insns`) with the relocations they need, if
 *  any. The program holds its own reference to our BTF, so ours is closed once it is loaded. */
export function loadWithFieldRelocations(insns: readonly Insn[], o: Omit<ProgLoadOptions, 'relocations'>): number {
  const relocs = fieldRelocations(insns);
  if (!relocs) return progLoad(o);
  const btfFd = btfLoad(relocs.btf);
  try {
    return progLoad({
      ...o,
      relocations: { btfFd, funcInfo: relocs.funcInfo, funcInfoRecSize: FUNC_INFO_REC_SIZE, coreRelos: relocs.coreRelos, coreReloRecSize: CORE_RELO_REC_SIZE, count: relocs.count },
    });
  } finally {
    closeFd(btfFd);
  }
}
