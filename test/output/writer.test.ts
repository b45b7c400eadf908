import { closeSync, constants, openSync, readFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OutputWriter } from '../../runtime/output/writer.ts';
import { lostEventsMessage } from '../../runtime/output/text-sink.ts';

function tempFile(): string {
  return join(mkdtempSync(join(tmpdir(), 'tsbpf-writer-')), 'out');
}

describe('OutputWriter', () => {
  it('holds small writes until flush, then writes them in order', () => {
    const path = tempFile();
    const fd = openSync(path, 'w');
    const w = new OutputWriter(fd);
    w.write('a\n');
    w.write('é\n');
    expect(readFileSync(path, 'utf8')).toBe('');
    w.flush();
    expect(readFileSync(path, 'utf8')).toBe('a\né\n');
    closeSync(fd);
  });

  it('writes by itself once 64 KiB have gathered', () => {
    const path = tempFile();
    const fd = openSync(path, 'w');
    const w = new OutputWriter(fd);
    const line = 'x'.repeat(1023) + '\n';
    for (let i = 0; i < 64; i++) w.write(line);
    expect(readFileSync(path, 'utf8').length).toBe(64 * 1024);
    w.flush();
    closeSync(fd);
  });

  it('flushes at the end of the event-loop turn', async () => {
    const path = tempFile();
    const fd = openSync(path, 'w');
    const w = new OutputWriter(fd);
    w.write('soon\n');
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(readFileSync(path, 'utf8')).toBe('soon\n');
    closeSync(fd);
  });
});

describe('lostEventsMessage', () => {
  it('is bpftrace\'s wording', () => {
    expect(lostEventsMessage(12n)).toBe('Lost 12 events\n');
  });
});

describe('OutputWriter on a non-blocking pipe', () => {
  it('waits out EAGAIN while the reader lags and loses nothing', async () => {
    const { spawn } = await import('node:child_process');
    // The reader sleeps before reading, so the 64 KiB pipe fills and writes fail with EAGAIN.
    const reader = spawn('sh', ['-c', 'sleep 0.3; wc -c'], { stdio: ['pipe', 'pipe', 'inherit'] });
    const fd = (reader.stdin as unknown as { _handle: { fd: number } })._handle.fd;
    let counted = '';
    reader.stdout!.setEncoding('utf8').on('data', (d: string) => (counted += d));
    const done = new Promise((r) => reader.on('close', r));
    const w = new OutputWriter(fd);
    const line = 'y'.repeat(99) + '\n';
    for (let i = 0; i < 5000; i++) w.write(line); // 500 KB
    w.flush();
    reader.stdin!.end();
    await done;
    expect(counted.trim()).toBe('500000');
  });

  it('stops writing and reports once when the reader has gone (EPIPE)', async () => {
    const { execFileSync } = await import('node:child_process');
    const fifo = join(mkdtempSync(join(tmpdir(), 'tsbpf-fifo-')), 'p');
    execFileSync('mkfifo', [fifo]);
    const readEnd = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
    const fd = openSync(fifo, constants.O_WRONLY);
    closeSync(readEnd);
    const w = new OutputWriter(fd);
    let closed = 0;
    w.onClosed = () => closed++;
    w.write('a\n');
    w.flush();
    w.write('b\n');
    w.flush();
    expect(closed).toBe(1);
    expect(w.isClosed).toBe(true);
    closeSync(fd);
  });
});
