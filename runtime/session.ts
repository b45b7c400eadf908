// One run of a compiled script against the kernel: create the maps, load the programs, run
// BEGIN, attach, stream ring buffer events to a sink, read maps, run END, and tear everything
// down. Every kernel object we create is owned by an fd held here and nowhere else (no pinning,
// no links), so close() or process exit leaves nothing behind.
import { encodeProgram } from '../codegen/encode.ts';
import {
  EVENT_HEADER_SIZE,
  EventKind,
  GLOBALS_CPID,
  GLOBALS_SIZE,
  GLOBALS_START_NS,
  PRINT_MAP_DIV,
  PRINT_MAP_RECORD,
  PRINT_MAP_TOP,
  stackMapName,
  type BpfObject,
  type MapSpec,
  type PrintfLayout,
  type ProgramSpec,
} from '../codegen/object.ts';
import { CompileError } from '../lang/diagnostics.ts';
import { attachProgram, type AttachOptions, type Attachment } from './attach.ts';
import { BPF_TRACE_FENTRY, BPF_TRACE_FEXIT, LoadError, mapCreate, mapLookup, mapUpdate, progTestRun } from './bpf-syscall.ts';
import { loadWithFieldRelocations } from './field-relocations.ts';
import { possibleCpuCount } from './cpus.ts';
import type { EventSink, MapEntry } from './events.ts';
import { closeFd, SyscallError } from './libc.ts';
import { clearMapEntries, lookupValueSize, readMapEntries } from './maps.ts';
import { checkPrivileges, MISSING_PRIVILEGES } from './privileges.ts';
import { joinedStrings } from './output/join.ts';
import { RingBufferReader } from './ringbuf.ts';
import { loadErrorDiagnostic } from './verifier.ts';
import { Symbolizer, usesKernelSymbols } from './symbolizer.ts';

export interface SessionOptions {
  /** Verifier log level for the first load attempt (default 0; a rejection is retried at 1). */
  readonly logLevel?: number;
  /** The pid of the -c command, for `cpid` (written to the globals before BEGIN). */
  readonly cpid?: number;
}

export class Session {
  private readonly attachments: Attachment[] = [];
  private reader: RingBufferReader | undefined;
  private readonly printfs: ReadonlyMap<number, PrintfLayout>;
  private readonly possibleCpus = possibleCpuCount();
  /** Prints kstack/ustack and ksym/usym values: stacks come from this session's stack maps. */
  readonly symbols: Symbolizer;
  private closed = false;
  /** Set by an exit() event: like bpftrace, events after it are dropped until END runs. */
  private exited = false;

  private constructor(
    readonly obj: BpfObject,
    /** Map fds, parallel to obj.maps. */
    private readonly mapFds: readonly number[],
    /** Program fds, parallel to obj.programs. */
    private readonly progFds: readonly number[],
  ) {
    this.printfs = new Map(obj.printfs.map((p) => [p.id, p]));
    this.symbols = new Symbolizer((user, limit, id) => this.readStack(user, limit, id));
    if (usesKernelSymbols(obj)) this.symbols.warmUp();
  }

  /**
   * Creates every map, fills `.globals`, loads every program. A verifier rejection becomes a
   * CompileError pointing at the instruction's source span. On any failure everything opened so
   * far is closed before the error propagates.
   */
  static open(obj: BpfObject, opts: SessionOptions = {}): Session {
    const missing = checkPrivileges();
    if (missing) throw new CompileError([{ severity: 'error', message: missing }]);
    const mapFds: number[] = [];
    const progFds: number[] = [];
    try {
      for (const spec of obj.maps) mapFds.push(createMap(spec));
      const byName = new Map(obj.maps.map((m, i) => [m.name, mapFds[i]!]));
      obj.maps.forEach((spec, i) => {
        if (spec.role === 'globals') writeGlobals(mapFds[i]!, spec, opts.cpid ?? 0);
      });
      const resolve = (name: string): number => {
        const fd = byName.get(name);
        if (fd === undefined) throw new Error(`program refers to unknown map ${name}`);
        return fd;
      };
      for (const spec of obj.programs) progFds.push(loadProgram(spec, obj.license, resolve, opts));
      return new Session(obj, mapFds, progFds);
    } catch (e) {
      for (const fd of progFds) closeFd(fd);
      for (const fd of mapFds) closeFd(fd);
      throw e;
    }
  }

  /** Runs every BEGIN program once, in program order. */
  runBegin(): void {
    this.runOnce('begin');
  }

  /** Detaches every probe, then runs every END program once, in program order. */
  runEnd(): void {
    // Probes are detached first, as bpftrace does, so what END sees (and clears, and what is
    // printed after it) is final. (Disabling a perf event would not do: a BPF program on a
    // tracepoint runs whether its perf event is enabled or not.)
    this.detachAll();
    this.reader?.drain();
    this.exited = false;
    this.runOnce('end');
  }

  /** Attaches every program except BEGIN/END; returns how many probes were attached. On a
   *  failure detaches all of them and throws a CompileError naming the probe. */
  attachAll(opts: AttachOptions = {}, warn: (e: CompileError) => void = () => {}): number {
    this.assertOpen();
    let n = 0;
    this.obj.programs.forEach((spec, i) => {
      const kind = spec.attach.resolved.kind;
      if (kind === 'begin' || kind === 'end') return;
      try {
        this.attachments.push(attachProgram(this.progFds[i]!, spec.attach.resolved, opts));
        n++;
      } catch (e) {
        // missing_probes = warn | ignore: go on without this probe.
        if (this.obj.missingProbes !== undefined && e instanceof SyscallError) {
          if (this.obj.missingProbes === 'warn') warn(attachError(spec, e, 'warning'));
          return;
        }
        this.detachAll();
        throw attachError(spec, e);
      }
    });
    return n;
  }

  /** Starts streaming ring buffer events to `sink` from the event loop. The DataView given to
   *  sink.printf is valid only during the call. If the sink throws while events are consumed
   *  from the event loop, streaming stops and `onError` gets the exception (without it, the
   *  exception is uncaught). */
  start(sink: EventSink, onError?: (e: unknown) => void): void {
    this.assertOpen();
    if (this.reader) return;
    const i = this.obj.maps.findIndex((m) => m.role === 'events');
    if (i < 0) return;
    this.reader = new RingBufferReader(this.mapFds[i]!, this.obj.maps[i]!.maxEntries, (record) =>
      this.dispatch(record, sink),
      onError,
    );
    this.reader.start();
  }

  /** Delivers every event already in the ring buffer, synchronously. */
  drain(): void {
    this.reader?.drain();
  }

  /** The decoded entries of user map `index` (into obj.maps). */
  readMap(index: number): MapEntry[] {
    const { spec, fd } = this.userMap(index);
    return readMapEntries(fd, spec, this.possibleCpus, this.symbols);
  }

  /** The instruction pointers of stack `id` in the stack map of (user, limit), if it is there. */
  private readStack(user: boolean, limit: number, id: number): bigint[] | undefined {
    if (this.closed) return undefined;
    const i = this.obj.maps.findIndex((m) => m.name === stackMapName(user, limit));
    if (i < 0) return undefined;
    const key = Buffer.alloc(4);
    key.writeUInt32LE(id);
    const value = Buffer.alloc(8 * limit);
    if (!mapLookup(this.mapFds[i]!, key, value)) return undefined;
    const ips: bigint[] = [];
    for (let at = 0; at < value.length; at += 8) ips.push(value.readBigUInt64LE(at));
    return ips;
  }

  /** Empties user map `index`. */
  clearMap(index: number): void {
    const { spec, fd } = this.userMap(index);
    clearMapEntries(fd, spec, this.possibleCpus);
  }

  /** Events the programs could not send because the ring buffer was full (all CPUs). */
  lostEvents(): bigint {
    this.assertOpen();
    const i = this.obj.maps.findIndex((m) => m.role === 'lost');
    if (i < 0) return 0n;
    const spec = this.obj.maps[i]!;
    const value = Buffer.alloc(lookupValueSize(spec, this.possibleCpus));
    if (!mapLookup(this.mapFds[i]!, Buffer.alloc(spec.keySize), value)) return 0n;
    const stride = spec.kind === 'percpu_array' ? (spec.valueSize + 7) & ~7 : value.length;
    let total = 0n;
    for (let at = 0; at + 8 <= value.length; at += stride) total += value.readBigUInt64LE(at);
    return total;
  }

  /** Stops the reader, detaches every probe and closes every program and map. Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.reader?.close();
    this.reader = undefined;
    this.detachAll();
    for (const fd of this.progFds) closeFd(fd);
    for (const fd of this.mapFds) closeFd(fd);
  }

  private dispatch(record: DataView, sink: EventSink): void {
    if (record.byteLength < EVENT_HEADER_SIZE) return;
    const kind = record.getUint32(0, true);
    if (this.exited) return;
    const id = record.getUint32(4, true);
    switch (kind) {
      case EventKind.Printf: {
        const layout = this.printfs.get(id);
        if (layout) sink.printf(layout, record);
        return;
      }
      case EventKind.Cat: {
        const layout = this.printfs.get(id);
        if (layout) sink.cat?.(layout, record);
        return;
      }
      case EventKind.Exit:
        this.exited = true;
        sink.exit(record.byteLength >= 16 ? Number(record.getBigInt64(8, true)) : 0);
        return;
      case EventKind.PrintMap:
        if (record.byteLength >= PRINT_MAP_RECORD) {
          sink.printMap(id, { top: Number(record.getBigUint64(PRINT_MAP_TOP, true)), div: Number(record.getBigUint64(PRINT_MAP_DIV, true)) });
        } else {
          sink.printMap(id);
        }
        return;
      case EventKind.ClearMap:
        sink.clearMap(id);
        return;
      case EventKind.Time: {
        const format = this.obj.timeFormats?.[id];
        if (format !== undefined) sink.time?.(format);
        return;
      }
      case EventKind.Join: {
        const sep = this.obj.joinDelimiters?.[id];
        if (sep !== undefined) sink.join?.(joinedStrings(record, sep));
        return;
      }
      // Unknown kinds cannot come from our own codegen; skipping keeps the stream going.
    }
  }

  private runOnce(kind: 'begin' | 'end'): void {
    this.assertOpen();
    this.obj.programs.forEach((spec, i) => {
      if (spec.attach.resolved.kind !== kind) return;
      try {
        progTestRun(this.progFds[i]!);
      } catch (e) {
        const reason = e instanceof Error ? e.message : String(e);
        throw new CompileError([{ severity: 'error', message: `cannot run ${spec.attach.probeName}: ${reason}`, span: spec.attach.attachPoint.span }]);
      }
    });
  }

  private detachAll(): void {
    for (const a of this.attachments) a.close();
    this.attachments.length = 0;
  }

  private userMap(index: number): { spec: MapSpec; fd: number } {
    this.assertOpen();
    const spec = this.obj.maps[index];
    if (!spec || spec.role !== 'user') throw new Error(`map index ${index} is not a user map`);
    return { spec, fd: this.mapFds[index]! };
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('session is closed');
  }
}

function createMap(spec: MapSpec): number {
  try {
    if (spec.kind === 'ringbuf') {
      return mapCreate({ kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: spec.maxEntries, name: spec.name });
    }
    return mapCreate({ kind: spec.kind, keySize: spec.keySize, valueSize: spec.valueSize, maxEntries: spec.maxEntries, name: spec.name });
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
    throw new CompileError([{ severity: 'error', message: e.message, notes: [`HINT: ${mapCreateHint(spec, e.code)}`] }]);
  }
}

/** What a user can do about a map the kernel refused to create. */
function mapCreateHint(spec: MapSpec, code: string): string {
  if (code === 'EPERM' || code === 'EACCES') return MISSING_PRIVILEGES;
  if (code === 'ENOMEM') return 'the kernel is out of memory for BPF maps; raise `ulimit -l` (locked memory) or free memory';
  if (spec.kind === 'ringbuf' && code === 'EINVAL') return 'this kernel has no BPF ring buffer (it needs Linux 5.8 or later)';
  if (spec.kind === 'stack_trace' && code === 'EINVAL') {
    return `kernel.perf_event_max_stack may be smaller than ${spec.valueSize / 8} frames; raise it with sysctl kernel.perf_event_max_stack=<new value>`;
  }
  return `the kernel refused a ${spec.kind} map of ${spec.keySize}-byte keys and ${spec.valueSize}-byte values`;
}

function writeGlobals(fd: number, spec: MapSpec, cpid: number): void {
  const value = Buffer.alloc(Math.max(spec.valueSize, GLOBALS_SIZE));
  // process.hrtime is CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns.
  value.writeBigUInt64LE(process.hrtime.bigint(), GLOBALS_START_NS);
  value.writeUInt32LE(cpid, GLOBALS_CPID);
  mapUpdate(fd, Buffer.alloc(spec.keySize), value.subarray(0, spec.valueSize));
}

function loadProgram(spec: ProgramSpec, license: string, resolve: (name: string) => number, opts: SessionOptions): number {
  const insns = encodeProgram(spec.insns, resolve);
  try {
    return loadWithFieldRelocations(spec.insns, { progType: spec.progType, insns, license, name: spec.name, logLevel: opts.logLevel ?? 0, ...tracingTarget(spec) });
  } catch (e) {
    if (e instanceof LoadError) throw new CompileError([loadErrorDiagnostic(spec, e)]);
    throw e;
  }
}

/** Where an fentry/fexit program must be loaded for: the kernel verifies it against the function. */
function tracingTarget(spec: ProgramSpec): { expectedAttachType?: number; attachBtfId?: number } {
  const r = spec.attach.resolved;
  if (r.kind !== 'fentry') return {};
  return { expectedAttachType: r.ret ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY, attachBtfId: r.btfId };
}

function attachError(spec: ProgramSpec, e: unknown, severity: 'error' | 'warning' = 'error'): CompileError {
  const probe = spec.attach.probeName;
  const reason = e instanceof Error ? e.message : String(e);
  let hint = 'check that this kernel supports the probe (see `tsbpf -l`)';
  if (e instanceof SyscallError) {
    if (e.code === 'EPERM' || e.code === 'EACCES') hint = MISSING_PRIVILEGES;
    else if (spec.attach.resolved.kind === 'perf_counter' && spec.attach.resolved.counter === 'hardware' && ['ENOENT', 'EOPNOTSUPP', 'ENODEV'].includes(e.code)) {
      hint = `this CPU offers no ${spec.attach.resolved.event} counter to perf (virtual machines often expose no hardware PMU); software events such as software:cpu-clock work everywhere`;
    } else if (e.code === 'ENOENT' || e.code === 'EINVAL') hint = 'the kernel has no such probe point; check the name (e.g. with `tsbpf -l`)';
    else if (e.code === 'EBUSY') hint = 'another tracer holds this probe point; try again when it has exited';
  }
  return new CompileError([{ severity, message: `cannot attach ${probe}: ${reason}`, span: spec.attach.attachPoint.span, notes: [hint] }]);
}
