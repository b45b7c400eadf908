import { describe, expect, it } from 'vitest';
import { Assembler } from '../../codegen/asm.ts';
import { encodeProgram } from '../../codegen/encode.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Reg } from '../../codegen/insn.ts';
import { alu, call, exit, imm, ldMapFd, mov, st } from '../../codegen/ops.ts';
import { mapCreate, progLoad, progTestRun } from '../../runtime/bpf-syscall.ts';
import { closeFd } from '../../runtime/libc.ts';
import { RingBufferReader } from '../../runtime/ringbuf.ts';
import { kernelAvailable } from '../support/kernel.ts';
import { emitNextSequence, emitRecord } from './programs.ts';

const PAGE = 4096;

/** A ring, a sequence counter, and a raw_tracepoint program that emits one record {1, 0, seq}
 *  per run. */
function setup(ringSize: number) {
  const ring = mapCreate({ kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: ringSize, name: 'ring' });
  const seq = mapCreate({ kind: 'array', keySize: 4, valueSize: 8, maxEntries: 1, name: 'seq' });
  const a = new Assembler();
  emitNextSequence(a, 'seq');
  emitRecord(a, 'ring', 1, 0);
  a.emit(mov(Reg.R0, imm(0)), exit());
  const resolve = (name: string) => (name === 'ring' ? ring : seq);
  const prog = progLoad({ progType: 'raw_tracepoint', insns: encodeProgram(a.finish().insns, resolve), license: 'GPL', name: 'ring_test' });
  return {
    ring,
    run: () => progTestRun(prog),
    close: () => [prog, seq, ring].forEach(closeFd),
  };
}

describe.skipIf(!kernelAvailable)('ring buffer reader', () => {
  it('receives K records in order, across many wrap-arounds of a one-page ring', () => {
    const t = setup(PAGE);
    const got: bigint[] = [];
    const reader = new RingBufferReader(t.ring, PAGE, (r) => {
      expect(r.byteLength).toBe(16);
      expect(r.getUint32(0, true)).toBe(1);
      got.push(r.getBigUint64(8, true));
    });
    const K = 2000;
    // 24 bytes per record: 100 records per batch fit in 4096 bytes; 2000 wrap the ring ~12 times.
    for (let i = 0; i < K; i++) {
      t.run();
      if (i % 100 === 99) reader.drain();
    }
    reader.drain();
    reader.close();
    t.close();
    expect(got.length).toBe(K);
    expect(got).toEqual(Array.from({ length: K }, (_, i) => BigInt(i)));
  });

  it('drains at most `limit` records per call', () => {
    const t = setup(PAGE * 4);
    let n = 0;
    const reader = new RingBufferReader(t.ring, PAGE * 4, () => n++);
    for (let i = 0; i < 10; i++) t.run();
    expect(reader.drain(4)).toBe(4);
    expect(reader.drain()).toBe(6);
    expect(reader.drain()).toBe(0);
    reader.close();
    t.close();
    expect(n).toBe(10);
  });

  it('delivers records from the event loop after start()', async () => {
    const t = setup(PAGE * 16);
    const got: bigint[] = [];
    const K = 500;
    const done = new Promise<void>((resolve) => {
      const reader = new RingBufferReader(t.ring, PAGE * 16, (r) => {
        got.push(r.getBigUint64(8, true));
        if (got.length === K) {
          reader.close(); // closing from inside the handler must be safe
          resolve();
        }
      });
      reader.start();
    });
    for (let i = 0; i < K; i++) t.run();
    await done;
    t.close();
    expect(got).toEqual(Array.from({ length: K }, (_, i) => BigInt(i)));
  });

  it('skips discarded records', () => {
    const ring = mapCreate({ kind: 'ringbuf', keySize: 0, valueSize: 0, maxEntries: PAGE, name: 'ring' });
    const a = new Assembler();
    const none = a.newLabel('none');
    // reserve 16 bytes, fill, discard; then output a real record with value 5.
    a.emit(ldMapFd(Reg.R1, 'ring'), mov(Reg.R2, imm(16)), mov(Reg.R3, imm(0)), call(Helper.ringbuf_reserve));
    a.jmp('jeq', Reg.R0, imm(0), none);
    a.emit(st(4, Reg.R0, 0, 99), alu('mov', Reg.R1, { reg: Reg.R0 }), mov(Reg.R2, imm(0)), call(Helper.ringbuf_discard));
    a.bind(none);
    a.emit(mov(Reg.R7, imm(5)));
    emitRecord(a, 'ring', 1, 0);
    a.emit(mov(Reg.R0, imm(0)), exit());
    const prog = progLoad({ progType: 'raw_tracepoint', insns: encodeProgram(a.finish().insns, () => ring), license: 'GPL', name: 'discard' });
    const got: [number, bigint][] = [];
    const reader = new RingBufferReader(ring, PAGE, (r) => got.push([r.getUint32(0, true), r.getBigUint64(8, true)]));
    progTestRun(prog);
    progTestRun(prog);
    expect(reader.drain()).toBe(2);
    reader.close();
    [prog, ring].forEach(closeFd);
    expect(got).toEqual([
      [1, 5n],
      [1, 5n],
    ]);
  });

  it('ignores drain() after close()', () => {
    const t = setup(PAGE);
    const reader = new RingBufferReader(t.ring, PAGE, () => {
      throw new Error('must not be called');
    });
    t.run();
    reader.close();
    expect(reader.drain()).toBe(0);
    t.close();
  });
});

describe.skipIf(!kernelAvailable)('ring buffer reader re-entrancy', () => {
  it('lets a handler drain again and then close, delivering each record once, in order', () => {
    const t = setup(PAGE);
    const got: bigint[] = [];
    const reader = new RingBufferReader(t.ring, PAGE, (r) => {
      const seq = r.getBigUint64(8, true);
      got.push(seq);
      if (seq === 1n) {
        // Like an exit event: END emits more records, which are flushed before closing.
        t.run();
        t.run();
        expect(reader.drain()).toBe(3); // records 2 (already there), 3 and 4
        reader.close();
      }
    });
    for (let i = 0; i < 3; i++) t.run();
    expect(reader.drain()).toBe(2); // 0 and 1 at this level; the rest were nested
    expect(reader.drain()).toBe(0);
    t.close();
    expect(got).toEqual([0n, 1n, 2n, 3n, 4n]);
  });
});

describe.skipIf(!kernelAvailable)('ring buffer reader errors', () => {
  it('stops and reports a handler exception raised from the event loop', async () => {
    const t = setup(PAGE);
    const seen: bigint[] = [];
    const error = await new Promise<unknown>((resolve) => {
      const reader = new RingBufferReader(
        t.ring,
        PAGE,
        (r) => {
          seen.push(r.getBigUint64(8, true));
          throw new Error('sink failed');
        },
        resolve,
      );
      reader.start();
      t.run();
      t.run();
    });
    t.close();
    expect(String(error)).toBe('Error: sink failed');
    expect(seen).toEqual([0n]); // reading stopped at the first failure
  });
});
