// A fixture KernelTypes (lang/env.ts): a few kernel structs with made-up ids and offsets, enough
// for member access tests (pointers, embedded structs, char arrays, an anonymous union, a bitfield).
import type { KernelMember, KernelRecord, KernelTypeInfo, KernelTypes } from '../../lang/env.ts';

type Desc = KernelTypeInfo & { readonly record?: KernelRecord };

const m = (name: string, type: number, byteOffset: number, bitfieldSize = 0, extraBits = 0): KernelMember => ({
  name, type, bitOffset: byteOffset * 8 + extraBits, bitfieldSize,
});

function record(kind: 'struct' | 'union', name: string, id: number, size: number, members: KernelMember[]): Desc {
  return { cType: name ? `${kind} ${name}` : `${kind} (anon)`, shape: { kind: 'record', id, size }, record: { kind, name, id, size, members } };
}

/** Ids of the fixture's types. */
export const FT = {
  int: 1, pid_t: 2, char: 3, comm: 4, u64: 5, u16: 6, u32: 7, voidPtr: 8,
  task: 10, taskPtr: 11, anon: 12,
  mm: 20, mmPtr: 21,
  sockCommon: 30, sock: 31, sockPtr: 32,
  openHow: 40, openHowPtr: 41,
  timespec: 50,
  ids: 60, u64Ptr: 61, pidPtrs: 62,
} as const;

const TYPES = new Map<number, Desc>([
  [FT.int, { cType: 'int', shape: { kind: 'int', size: 4, signed: true } }],
  [FT.pid_t, { cType: 'pid_t', shape: { kind: 'int', size: 4, signed: true } }],
  [FT.char, { cType: 'char', shape: { kind: 'int', size: 1, signed: true } }],
  [FT.comm, { cType: 'char[16]', shape: { kind: 'array', elem: FT.char, nelems: 16, size: 16 } }],
  [FT.u64, { cType: 'u64', shape: { kind: 'int', size: 8, signed: false } }],
  [FT.u16, { cType: '__be16', shape: { kind: 'int', size: 2, signed: false } }],
  [FT.u32, { cType: 'unsigned int', shape: { kind: 'int', size: 4, signed: false } }],
  [FT.voidPtr, { cType: 'void *', shape: { kind: 'pointer', target: 0 } }],
  [FT.task, record('struct', 'task_struct', FT.task, 4000, [
    m('', FT.anon, 16),
    m('mm', FT.mmPtr, 2000),
    m('pid', FT.pid_t, 2464),
    m('tgid', FT.pid_t, 2468),
    m('real_parent', FT.taskPtr, 2480),
    m('sched_reset_on_fork', FT.u32, 1200, 1, 3),
    m('comm', FT.comm, 3000),
    m('stack', FT.voidPtr, 24),
    m('ids', FT.ids, 3100),
    m('counts', FT.u64Ptr, 3120),
    m('parents', FT.pidPtrs, 3200),
  ])],
  [FT.ids, { cType: 'unsigned int[4]', shape: { kind: 'array', elem: FT.u32, nelems: 4, size: 16 } }],
  [FT.u64Ptr, { cType: 'u64 *', shape: { kind: 'pointer', target: FT.u64 } }],
  [FT.pidPtrs, { cType: 'struct task_struct *[2]', shape: { kind: 'array', elem: FT.taskPtr, nelems: 2, size: 16 } }],
  [FT.taskPtr, { cType: 'struct task_struct *', shape: { kind: 'pointer', target: FT.task } }],
  [FT.anon, record('union', '', FT.anon, 8, [m('flags2', FT.u32, 0), m('flags3', FT.u64, 0)])],
  [FT.mm, record('struct', 'mm_struct', FT.mm, 1000, [m('map_count', FT.int, 8), m('mmap_base', FT.u64, 16)])],
  [FT.mmPtr, { cType: 'struct mm_struct *', shape: { kind: 'pointer', target: FT.mm } }],
  [FT.sockCommon, record('struct', 'sock_common', FT.sockCommon, 136, [m('skc_dport', FT.u16, 12), m('skc_family', FT.u16, 16)])],
  [FT.sock, record('struct', 'sock', FT.sock, 800, [m('__sk_common', FT.sockCommon, 8), m('sk_rcvbuf', FT.int, 200)])],
  [FT.sockPtr, { cType: 'struct sock *', shape: { kind: 'pointer', target: FT.sock } }],
  [FT.openHow, record('struct', 'open_how', FT.openHow, 24, [m('flags', FT.u64, 0), m('mode', FT.u64, 8), m('resolve', FT.u64, 16)])],
  [FT.openHowPtr, { cType: 'struct open_how *', shape: { kind: 'pointer', target: FT.openHow } }],
  [FT.timespec, record('struct', '__kernel_timespec', FT.timespec, 16, [m('tv_sec', FT.u64, 0), m('tv_nsec', FT.u64, 8)])],
]);

/** Enumerators of the fixture's enums (one of a signed enum, one of an enum64). */
export const FAKE_ENUMERATORS: ReadonlyMap<string, bigint> = new Map([
  ['TCP_ESTABLISHED', 1n],
  ['TCP_CLOSE', 7n],
  ['NEG_ONE', -1n],
  ['BIG64', 1n << 40n],
]);

export const FAKE_KERNEL_TYPES: KernelTypes = {
  enumerator: (name) => FAKE_ENUMERATORS.get(name),
  recordId(kind, name) {
    for (const [id, d] of TYPES) if (d.record?.kind === kind && d.record.name === name) return id;
    return undefined;
  },
  record: (id) => TYPES.get(id)?.record,
  describe(id) {
    if (id === 0) return { cType: 'void', shape: { kind: 'void' } };
    const d = TYPES.get(id);
    if (!d) throw new Error(`fake BTF has no type ${id}`);
    return { cType: d.cType, shape: d.shape };
  },
};
