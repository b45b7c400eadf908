// bpf(2) commands as typed functions over `union bpf_attr` built in Buffers
// (layouts from include/uapi/linux/bpf.h).
import { addressOf, closeFd, lastErrno, libc, SyscallError } from './libc.ts';

const SYS_BPF = 321; // x86-64

const enum Cmd {
  MapCreate = 0,
  MapLookupElem = 1,
  MapUpdateElem = 2,
  MapDeleteElem = 3,
  MapGetNextKey = 4,
  ProgLoad = 5,
  ProgTestRun = 10,
  RawTracepointOpen = 17,
  BtfLoad = 18,
}

export type BpfMapKind = 'hash' | 'array' | 'percpu_hash' | 'percpu_array' | 'lru_hash' | 'lru_percpu_hash' | 'ringbuf' | 'stack_trace';
const MAP_TYPE: Record<BpfMapKind, number> = { hash: 1, array: 2, percpu_hash: 5, percpu_array: 6, stack_trace: 7, lru_hash: 9, lru_percpu_hash: 10, ringbuf: 27 };

export type BpfProgType = 'kprobe' | 'tracepoint' | 'perf_event' | 'raw_tracepoint' | 'tracing';
const PROG_TYPE: Record<BpfProgType, number> = { kprobe: 2, tracepoint: 5, perf_event: 7, raw_tracepoint: 17, tracing: 26 };

/** enum bpf_attach_type values for BPF_PROG_LOAD's expected_attach_type. */
export const BPF_TRACE_FENTRY = 24;
export const BPF_TRACE_FEXIT = 25;

/** Update flags for mapUpdate. */
export const BPF_ANY = 0;
export const BPF_NOEXIST = 1;
export const BPF_EXIST = 2;

const ATTR_SIZE = 144;
const ENOENT = 2;
const OBJ_NAME_LEN = 16;

function bpf(cmd: Cmd, attr: Buffer): number {
  return Number(libc().syscall(SYS_BPF, 'int', cmd, 'void *', attr, 'uint', attr.length));
}

/** Kernel object names: at most 15 chars of [A-Za-z0-9_.]; anything else becomes `_`. */
export function kernelObjectName(name: string): string {
  return name.replace(/[^A-Za-z0-9_.]/g, '_').slice(0, OBJ_NAME_LEN - 1);
}

export interface MapCreateOptions {
  readonly kind: BpfMapKind;
  readonly keySize: number;
  readonly valueSize: number;
  readonly maxEntries: number;
  readonly name?: string;
}

/** BPF_MAP_CREATE; returns the map fd. */
export function mapCreate(o: MapCreateOptions): number {
  const a = Buffer.alloc(ATTR_SIZE);
  a.writeUInt32LE(MAP_TYPE[o.kind], 0);
  a.writeUInt32LE(o.keySize, 4);
  a.writeUInt32LE(o.valueSize, 8);
  a.writeUInt32LE(o.maxEntries, 12);
  if (o.name) a.write(kernelObjectName(o.name), 28, 'latin1');
  const fd = bpf(Cmd.MapCreate, a);
  if (fd < 0) throw new SyscallError(`creating ${o.kind} map${o.name ? ` ${o.name}` : ''}`, lastErrno());
  return fd;
}

function elemAttr(fd: number, key: Buffer | null, value: Buffer | null, flags: number): Buffer {
  const a = Buffer.alloc(32);
  a.writeUInt32LE(fd, 0);
  if (key) a.writeBigUInt64LE(addressOf(key), 8);
  if (value) a.writeBigUInt64LE(addressOf(value), 16);
  a.writeBigUInt64LE(BigInt(flags), 24);
  return a;
}

/** BPF_MAP_LOOKUP_ELEM into `value` (sized valueSize, or ncpus * round8(valueSize) for per-CPU
 *  maps). Returns false if the key is absent. */
export function mapLookup(fd: number, key: Buffer, value: Buffer): boolean {
  if (bpf(Cmd.MapLookupElem, elemAttr(fd, key, value, 0)) === 0) return true;
  const errno = lastErrno();
  if (errno === ENOENT) return false;
  throw new SyscallError('map lookup', errno);
}

/** BPF_MAP_UPDATE_ELEM. */
export function mapUpdate(fd: number, key: Buffer, value: Buffer, flags = BPF_ANY): void {
  if (bpf(Cmd.MapUpdateElem, elemAttr(fd, key, value, flags)) !== 0) throw new SyscallError('map update', lastErrno());
}

/** BPF_MAP_DELETE_ELEM. Returns false if the key was absent. */
export function mapDelete(fd: number, key: Buffer): boolean {
  if (bpf(Cmd.MapDeleteElem, elemAttr(fd, key, null, 0)) === 0) return true;
  const errno = lastErrno();
  if (errno === ENOENT) return false;
  throw new SyscallError('map delete', errno);
}

/** BPF_MAP_GET_NEXT_KEY: writes the key after `key` (or the first key when `key` is null) into
 *  `next`. Returns false at the end. */
export function mapGetNextKey(fd: number, key: Buffer | null, next: Buffer): boolean {
  if (bpf(Cmd.MapGetNextKey, elemAttr(fd, key, next, 0)) === 0) return true;
  const errno = lastErrno();
  if (errno === ENOENT) return false;
  throw new SyscallError('map get_next_key', errno);
}


export interface ProgLoadOptions {
  readonly progType: BpfProgType;
  /** Encoded instructions (codegen/encode.ts). */
  readonly insns: Buffer;
  readonly license: string;
  readonly name?: string;
  /** Verifier log level for the first attempt (0: none; on failure we retry at level 1). */
  readonly logLevel?: number;
  /** For tracing programs: BPF_TRACE_FENTRY/FEXIT and the vmlinux BTF id of the function. */
  readonly expectedAttachType?: number;
  readonly attachBtfId?: number;
  /** CO-RE relocations the kernel applies before verifying (runtime/field-relocations.ts), with
   *  the fd of the BTF (btfLoad) they and the one func_info record refer to. */
  readonly relocations?: {
    readonly btfFd: number;
    readonly funcInfo: Buffer;
    readonly funcInfoRecSize: number;
    readonly coreRelos: Buffer;
    readonly coreReloRecSize: number;
    readonly count: number;
  };
}

/** The verifier (or the kernel) refused a program. */
export class LoadError extends SyscallError {
  constructor(
    readonly progName: string,
    errno: number,
    /** The verifier log, possibly empty (e.g. EPERM for a program type the kernel lacks). */
    readonly log: string,
  ) {
    super(progName ? `loading program ${progName}` : 'loading program', errno);
    this.name = 'LoadError';
  }
}

// With the default rotating log the kernel keeps the tail when the buffer fills, which is
// the part that explains the rejection.
const LOG_SIZE = 16 << 20;

/** BPF_PROG_LOAD; returns the program fd, or throws LoadError carrying the verifier log. */
export function progLoad(o: ProgLoadOptions): number {
  const first = tryLoad(o, o.logLevel ?? 0);
  if (first.fd >= 0) return first.fd;
  if (first.log !== '' || (o.logLevel ?? 0) > 0) throw new LoadError(o.name ?? '', first.errno, first.log);
  const second = tryLoad(o, 1);
  if (second.fd >= 0) return second.fd; // should not happen, but a loaded program is a loaded program
  // The first errno is the truthful one: a retry can fail differently (ENOSPC on a full log).
  throw new LoadError(o.name ?? '', first.errno, second.log);
}

function tryLoad(o: ProgLoadOptions, logLevel: number): { fd: number; errno: number; log: string } {
  const license = Buffer.from(`${o.license}\0`, 'latin1');
  const log = logLevel > 0 ? Buffer.alloc(LOG_SIZE) : null;
  const a = Buffer.alloc(ATTR_SIZE);
  a.writeUInt32LE(PROG_TYPE[o.progType], 0);
  a.writeUInt32LE(o.insns.length / 8, 4);
  a.writeBigUInt64LE(addressOf(o.insns), 8);
  a.writeBigUInt64LE(addressOf(license), 16);
  if (log) {
    a.writeUInt32LE(logLevel, 24);
    a.writeUInt32LE(log.length, 28);
    a.writeBigUInt64LE(addressOf(log), 32);
  }
  if (o.name) a.write(kernelObjectName(o.name), 48, 'latin1');
  if (o.expectedAttachType !== undefined) a.writeUInt32LE(o.expectedAttachType, 68);
  if (o.attachBtfId !== undefined) a.writeUInt32LE(o.attachBtfId, 108);
  const r = o.relocations;
  if (r) {
    a.writeUInt32LE(r.btfFd, 72);
    a.writeUInt32LE(r.funcInfoRecSize, 76);
    a.writeBigUInt64LE(addressOf(r.funcInfo), 80);
    a.writeUInt32LE(r.funcInfo.length / r.funcInfoRecSize, 88);
    a.writeUInt32LE(r.count, 116);
    a.writeBigUInt64LE(addressOf(r.coreRelos), 128);
    a.writeUInt32LE(r.coreReloRecSize, 136);
  }
  const fd = bpf(Cmd.ProgLoad, a);
  const errno = fd < 0 ? lastErrno() : 0;
  let text = '';
  if (log) {
    const end = log.indexOf(0);
    text = log.toString('utf8', 0, end < 0 ? log.length : end);
  }
  return { fd, errno, log: text };
}

/** BPF_BTF_LOAD: the kernel checks `btf` and returns its fd; throws LoadError with the BTF log. */
export function btfLoad(btf: Buffer): number {
  const attempt = (withLog: boolean): { fd: number; errno: number; log: string } => {
    const log = withLog ? Buffer.alloc(64 * 1024) : null;
    const a = Buffer.alloc(ATTR_SIZE);
    a.writeBigUInt64LE(addressOf(btf), 0);
    a.writeUInt32LE(btf.length, 16);
    if (log) {
      a.writeBigUInt64LE(addressOf(log), 8);
      a.writeUInt32LE(log.length, 20);
      a.writeUInt32LE(1, 24);
    }
    const fd = bpf(Cmd.BtfLoad, a);
    const errno = fd < 0 ? lastErrno() : 0;
    const end = log ? log.indexOf(0) : 0;
    return { fd, errno, log: log ? log.toString('utf8', 0, end < 0 ? log.length : end) : '' };
  };
  const first = attempt(false);
  if (first.fd >= 0) return first.fd;
  const second = attempt(true);
  if (second.fd >= 0) return second.fd;
  throw new LoadError('BTF', first.errno, second.log);
}

/** BPF_PROG_TEST_RUN with an optional context; returns the program's return value. */
export function progTestRun(fd: number, ctxIn?: Buffer): number {
  const a = Buffer.alloc(80);
  a.writeUInt32LE(fd, 0);
  if (ctxIn && ctxIn.length > 0) {
    a.writeUInt32LE(ctxIn.length, 40);
    a.writeBigUInt64LE(addressOf(ctxIn), 48);
  }
  if (bpf(Cmd.ProgTestRun, a) !== 0) throw new SyscallError('running program (BPF_PROG_TEST_RUN)', lastErrno());
  return a.readUInt32LE(4);
}

/** BPF_RAW_TRACEPOINT_OPEN without a name: attaches a loaded fentry/fexit program to the
 *  function it was loaded for. Returns the link fd; closing it detaches. */
export function rawTracepointOpen(progFd: number): number {
  const a = Buffer.alloc(16);
  a.writeUInt32LE(progFd, 8);
  const fd = bpf(Cmd.RawTracepointOpen, a);
  if (fd < 0) throw new SyscallError('attaching tracing program (BPF_RAW_TRACEPOINT_OPEN)', lastErrno());
  return fd;
}

export { closeFd };
