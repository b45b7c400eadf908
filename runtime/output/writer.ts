// Buffered, synchronous output to a file descriptor. Per-line writes cost ~4x more than batched
// ones (shared notes/ring-buffer.md), so text collects into ~64 KiB chunks written with
// fs.writeSync. Nothing else may write to the same fd through process.stdout: that would make a
// pipe non-blocking behind our back; we handle EAGAIN anyway by waiting briefly and retrying.
import { writeSync } from 'node:fs';

const CHUNK = 64 * 1024;

export class OutputWriter {
  private buffered: string[] = [];
  private size = 0;
  private scheduled = false;
  private closed = false;
  private readonly sleepCell = new Int32Array(new SharedArrayBuffer(4));

  /** Called once if the reader went away (EPIPE); further output is dropped. */
  onClosed: (() => void) | undefined;

  constructor(private readonly fd: number) {}

  /** Queues text; it is written when 64 KiB have gathered or at the end of this event-loop turn. */
  write(text: string): void {
    if (this.closed || text.length === 0) return;
    this.buffered.push(text);
    this.size += text.length;
    if (this.size >= CHUNK) this.flush();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        this.flush();
      });
    }
  }

  /** Writes everything queued, synchronously. */
  flush(): void {
    if (this.size === 0) return;
    const data = Buffer.from(this.buffered.join(''), 'utf8');
    this.buffered = [];
    this.size = 0;
    if (!this.closed) this.writeAll(data);
  }

  /** Whether the reader of this fd went away. */
  get isClosed(): boolean {
    return this.closed;
  }

  private writeAll(data: Buffer): void {
    let off = 0;
    while (off < data.length) {
      try {
        off += writeSync(this.fd, data, off, data.length - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') {
          // A non-blocking pipe whose reader lags: wait 1 ms without spinning, then retry.
          Atomics.wait(this.sleepCell, 0, 0, 1);
          continue;
        }
        if (code === 'EPIPE') {
          this.closed = true;
          this.onClosed?.();
          return;
        }
        throw e;
      }
    }
  }
}
