// The ELF reader against binutils as the oracle: a tiny program gcc builds here (non-PIE, so
// virtual addresses and file offsets differ), the same program stripped, and the system's
// /bin/bash and libc.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ElfError, fileOffsetOf, readElf, type ElfImage } from '../../runtime/elf.ts';

const hasGcc = spawnSync('sh', ['-c', 'command -v gcc && command -v nm && command -v strip']).status === 0;
const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

const C_SOURCE = `
__attribute__((noinline)) int marker(void) { return 0x12345678; }
__attribute__((noinline)) long twice(long x) { return 2 * x + marker(); }
static __attribute__((noinline, used)) int hidden(int x) { return x - 0x5a5a5a5a; }
int main(int argc, char **argv) { return (int)twice(argc) + hidden(argc); }
`;

/** `name -> [address, size]` of defined text symbols according to nm. */
function nmFunctions(path: string, dynamic: boolean): Map<string, [number, number]> {
  const out = execFileSync('nm', [...(dynamic ? ['-D'] : []), '-S', '--defined-only', path], { encoding: 'utf8' });
  const m = new Map<string, [number, number]>();
  for (const line of out.split('\n')) {
    const f = /^([0-9a-f]+) ([0-9a-f]+) [tTiW] (\S+)$/.exec(line);
    if (f) m.set(f[3]!.replace(/@.*/, ''), [parseInt(f[1]!, 16), parseInt(f[2]!, 16)]);
  }
  return m;
}

function fn(image: ElfImage, name: string) {
  const f = image.functions.find((x) => x.name === name);
  if (!f) throw new Error(`${name} not found`);
  return f;
}

describe.skipIf(!hasGcc)('readElf on a program built here', () => {
  let dir: string;
  let exe: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'tsbpf-elf-'));
    writeFileSync(join(dir, 't.c'), C_SOURCE);
    exe = join(dir, 't');
    execFileSync('gcc', ['-O1', '-no-pie', '-o', exe, join(dir, 't.c')]);
    execFileSync('gcc', ['-O1', '-no-pie', '-rdynamic', '-o', `${exe}-dyn`, join(dir, 't.c')]);
    execFileSync('strip', ['-o', `${exe}-stripped`, exe]);
    execFileSync('strip', ['-o', `${exe}-dyn-stripped`, `${exe}-dyn`]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds every function nm lists, with its address and size', () => {
    const image = readElf(exe);
    expect(image.stripped).toBe(false);
    const nm = nmFunctions(exe, false);
    for (const name of ['main', 'twice', 'marker', 'hidden']) {
      const f = fn(image, name);
      expect([name, f.address, f.size]).toEqual([name, ...nm.get(name)!]);
      expect(f.ifunc).toBe(false);
    }
  });

  it('maps a function address to the file offset of its code', () => {
    const image = readElf(exe);
    const marker = fn(image, 'marker');
    // Non-PIE: text is loaded at 0x401000 from file offset 0x1000, so the two differ.
    expect(marker.address).toBeGreaterThan(0x400000);
    const offset = fileOffsetOf(image, marker.address)!;
    expect(offset).toBe(marker.address - 0x400000);
    // `mov eax, 0x12345678` (b8 78 56 34 12), after an optional endbr64.
    const code = readFileSync(exe).subarray(offset, offset + 9);
    expect(code.indexOf(Buffer.from([0xb8, 0x78, 0x56, 0x34, 0x12]))).toBeGreaterThanOrEqual(0);
    expect(code.indexOf(Buffer.from([0xb8, 0x78, 0x56, 0x34, 0x12]))).toBeLessThanOrEqual(4);
  });

  it('answers undefined for an address no segment maps', () => {
    expect(fileOffsetOf(readElf(exe), 0x10)).toBeUndefined();
  });

  it('has no functions left once stripped, unless they are exported', () => {
    const stripped = readElf(`${exe}-stripped`);
    expect(stripped.stripped).toBe(true);
    expect(stripped.functions.map((f) => f.name).filter((n) => ['main', 'twice', 'marker', 'hidden'].includes(n))).toEqual([]);
    const dyn = readElf(`${exe}-dyn-stripped`);
    expect(dyn.stripped).toBe(true);
    expect(fn(dyn, 'twice').address).toBe(fn(readElf(exe), 'twice').address);
    expect(dyn.functions.some((f) => f.name === 'hidden')).toBe(false);
  });
});

describe('readElf on system files', () => {
  it('reads the dynamic symbols of libc like nm -D', () => {
    const image = readElf(LIBC);
    const nm = nmFunctions(LIBC, true);
    for (const name of ['malloc', 'free', 'getpid', 'write']) {
      const f = fn(image, name);
      expect([name, f.address, f.size]).toEqual([name, ...nm.get(name)!]);
    }
    expect(fn(image, 'strlen').ifunc).toBe(true);
    expect(fileOffsetOf(image, fn(image, 'getpid').address)).toBe(fn(image, 'getpid').address);
  });

  it('reads a stripped PIE executable (/bin/bash)', () => {
    const image = readElf('/bin/bash');
    expect(image.segments.filter((s) => s.executable)).toHaveLength(1);
    const nm = nmFunctions('/bin/bash', true);
    expect(fn(image, 'readline').address).toBe(nm.get('readline')![0]);
  });

  it('rejects files that are not ELF64', () => {
    expect(() => readElf('/etc/passwd')).toThrow(new ElfError('/etc/passwd is not an ELF file'));
    expect(() => readElf('/no/such/file')).toThrow(new ElfError('cannot open /no/such/file: ENOENT'));
  });
});
