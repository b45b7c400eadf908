// A consumer for a BPF_MAP_TYPE_RINGBUF map, reading the kernel's mapping in place.
//
// Layout (kernel/bpf/ringbuf.c): page 0 holds consumer_pos (we write it), page 1 holds
// producer_pos (read-only to us), then the data area, mapped twice back to back so a record
// that wraps around the end is still contiguous. Each record starts with an 8-byte header
// `u32 len | BUSY | DISCARD; u32 pg_off` and is padded to 8 bytes.
//
// Waking: the map fd is polled from Node's own event loop (koffi.node.poll, a libuv uv_poll),
// plus a 10 ms timer because programs may submit without waking us (see notes/ring-buffer.md).
import { lastErrno, libc, MAP_FAILED, MAP_SHARED, PROT_READ, PROT_WRITE, SyscallError } from './libc.ts';

const PAGE_SIZE = 4096; // x86-64
const HEADER_SIZE = 8;
const BUSY_BIT = 0x80000000;
const DISCARD_BIT = 0x40000000;
const LEN_MASK = 0x3fffffff;
/** Records consumed per event-loop turn before yielding (an uncapped first batch starves
 *  the loop while the JIT warms up). */
const BATCH_LIMIT = 65536;
const TIMER_MS = 10;
/** Bytes consumed between consumer_pos updates (the ring is at least 256 KiB). */
const RELEASE_BYTES = 16 * 1024;

/**
 * Called once per committed record with a view of its bytes, header included. The view is
 * only valid during the call: the memory belongs to the kernel and is reused (or unmapped)
 * afterwards, so copy anything you keep.
 */
export type RecordHandler = (record: DataView) => void;

export class RingBufferReader {
  private readonly consumerPtr: bigint;
  private readonly producerPtr: bigint;
  private readonly consumerPos: BigUint64Array;
  private readonly producerPos: BigUint64Array;
  private readonly data: ArrayBuffer;
  private readonly headers: Int32Array;
  private readonly mask: number;
  private poller: { close(): void } | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;
  private immediate: ReturnType<typeof setImmediate> | undefined;
  /** Position of the next record to deliver (consumer_pos lags it inside nested drains). */
  private next: number;
  /** The consumer_pos last handed to the kernel. */
  private released: number;
  /** Nesting depth of drain() calls (handlers may drain). */
  private depth = 0;
  private closed = false;
  private unmapped = false;

  /** Maps ring buffer map `fd` of `size` bytes (a power-of-two multiple of the page size). */
  constructor(
    private readonly fd: number,
    private readonly size: number,
    private readonly onRecord: RecordHandler,
    /** Receives an exception thrown by the handler while consuming from the event loop
     *  (reading stops); without it the exception propagates as an uncaught exception. */
    private readonly onError?: (e: unknown) => void,
  ) {
    const { koffi, mmap, munmap } = libc();
    this.consumerPtr = mmap(null, PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (this.consumerPtr === MAP_FAILED) throw new SyscallError('mapping ring buffer consumer page', lastErrno());
    this.producerPtr = mmap(null, PAGE_SIZE + 2 * size, PROT_READ, MAP_SHARED, fd, PAGE_SIZE);
    if (this.producerPtr === MAP_FAILED) {
      const errno = lastErrno();
      munmap(this.consumerPtr, PAGE_SIZE);
      throw new SyscallError('mapping ring buffer data', errno);
    }
    this.consumerPos = new BigUint64Array(koffi.view(this.consumerPtr, PAGE_SIZE), 0, 1);
    this.producerPos = new BigUint64Array(koffi.view(this.producerPtr, PAGE_SIZE), 0, 1);
    this.data = koffi.view(this.producerPtr + BigInt(PAGE_SIZE), 2 * size);
    this.headers = new Int32Array(this.data);
    this.mask = size - 1;
    this.next = Number(Atomics.load(this.consumerPos, 0));
    this.released = this.next;
  }

  /** Starts consuming from the event loop. Keeps the process alive until close(). */
  start(): void {
    if (this.closed || this.poller) return;
    this.poller = libc().koffi.node.poll(this.fd, { readable: true }, () => this.pump());
    this.timer = setInterval(() => this.pump(), TIMER_MS);
  }

  /**
   * Consumes committed records synchronously, at most `limit`; returns how many were handled
   * (discarded ones not counted). Stops early at a record still being written. A handler may
   * call drain() again (e.g. to flush END's output from an exit event) or close().
   */
  drain(limit = Number.POSITIVE_INFINITY): number {
    if (this.closed) return 0;
    this.depth++;
    let handled = 0;
    try {
      let producer = Number(Atomics.load(this.producerPos, 0));
      while (handled < limit && !this.closed) {
        if (this.next >= producer) {
          producer = Number(Atomics.load(this.producerPos, 0));
          if (this.next >= producer) break;
        }
        const at = this.next & this.mask;
        const header = Atomics.load(this.headers, at >> 2);
        if (header & BUSY_BIT) break;
        const len = header & LEN_MASK;
        this.next += (len + HEADER_SIZE + 7) & ~7;
        if (!(header & DISCARD_BIT)) {
          handled++;
          this.onRecord(new DataView(this.data, at + HEADER_SIZE, len));
        }
        // Space goes back to the kernel every RELEASE_BYTES, not per record: the
        // BigInt and atomic store cost more than the record's own parsing.
        if (this.depth === 1 && this.next - this.released >= RELEASE_BYTES) this.release();
      }
    } finally {
      // Only the outermost drain hands space back to the kernel: records an outer handler
      // is still looking at must not be overwritten while a nested drain runs.
      if (this.depth === 1) this.release();
      this.depth--;
      if (this.closed && this.depth === 0) this.unmap();
    }
    return handled;
  }

  /** Stops polling and unmaps the ring (deferred to the end of a drain in progress). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.poller?.close();
    this.poller = undefined;
    if (this.timer) clearInterval(this.timer);
    if (this.immediate) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
    if (this.depth === 0) this.unmap();
  }

  private pump(): void {
    if (this.immediate) return; // a continuation is already queued
    let n: number;
    try {
      n = this.drain(BATCH_LIMIT);
    } catch (e) {
      if (!this.onError) throw e;
      this.close();
      this.onError(e);
      return;
    }
    if (n >= BATCH_LIMIT && !this.closed) {
      this.immediate = setImmediate(() => {
        this.immediate = undefined;
        this.pump();
      });
    }
  }

  private release(): void {
    if (this.next === this.released || this.unmapped) return;
    Atomics.store(this.consumerPos, 0, BigInt(this.next));
    this.released = this.next;
  }

  private unmap(): void {
    if (this.unmapped) return;
    this.unmapped = true;
    const { munmap } = libc();
    munmap(this.producerPtr, PAGE_SIZE + 2 * this.size);
    munmap(this.consumerPtr, PAGE_SIZE);
  }
}
