import { describe, expect, it } from 'vitest';
import type { ElfImage } from '../../runtime/elf.ts';
import { buildId, parseMaps, UserSymbols, type UserSymbolSources } from '../../runtime/usyms.ts';

const MAPS = [
  '55dc51000000-55dc51001000 r--p 00000000 fe:00 1234                       /tmp/app',
  '55dc51001000-55dc51002000 r-xp 00001000 fe:00 1234                       /tmp/app',
  '55dc51002000-55dc51003000 rw-p 00002000 fe:00 1234                       /tmp/app',
  '7f0000000000-7f0000028000 r--p 00000000 fe:00 99                         /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7f0000028000-7f00001a0000 r-xp 00028000 fe:00 99                         /usr/lib/x86_64-linux-gnu/libc.so.6',
  '7ffd00000000-7ffd00021000 rw-p 00000000 00:00 0                          [stack]',
  '7ffd00100000-7ffd00102000 r-xp 00000000 00:00 0                          [vdso]',
].join('\n');

const APP: ElfImage = {
  path: '/tmp/app',
  functions: [
    { name: 'main', address: 0x1180, size: 0x30, ifunc: false },
    { name: 'f', address: 0x1159, size: 0x27, ifunc: false },
    { name: 'g', address: 0x1139, size: 0x20, ifunc: false },
    { name: 'nosize', address: 0x1200, size: 0, ifunc: false },
  ],
  segments: [
    { vaddr: 0, offset: 0, fileSize: 0x1000, executable: false },
    { vaddr: 0x1000, offset: 0x1000, fileSize: 0x1000, executable: true },
  ],
  stripped: false,
};
const LIBC: ElfImage = {
  path: '/usr/lib/x86_64-linux-gnu/libc.so.6',
  functions: [{ name: 'getppid', address: 0x2a4f0, size: 0x10, ifunc: false }],
  segments: [
    { vaddr: 0, offset: 0, fileSize: 0x28000, executable: false },
    { vaddr: 0x28000, offset: 0x28000, fileSize: 0x178000, executable: true },
  ],
  stripped: true,
};
const LIBC_DEBUG: ElfImage = { ...LIBC, path: '/usr/lib/debug/x.debug', functions: [{ name: '__libc_start_call_main', address: 0x29200, size: 0x80, ifunc: false }] };

function sources(alive: Set<number>): UserSymbolSources {
  const images: Record<string, ElfImage> = { [APP.path]: APP, [LIBC.path]: LIBC, [LIBC_DEBUG.path]: LIBC_DEBUG };
  return {
    maps: (pid) => (alive.has(pid) ? MAPS : undefined),
    alive: (pid) => alive.has(pid),
    elf: (path) => {
      const image = images[path];
      if (!image) throw new Error(`no ${path}`);
      return image;
    },
    debugFile: (path) => (path === LIBC.path ? LIBC_DEBUG.path : undefined),
  };
}

describe('parseMaps', () => {
  it('keeps executable, file-backed mappings', () => {
    expect(parseMaps(MAPS)).toEqual([
      { start: 0x55dc51001000n, end: 0x55dc51002000n, offset: 0x1000n, path: '/tmp/app' },
      { start: 0x7f0000028000n, end: 0x7f00001a0000n, offset: 0x28000n, path: '/usr/lib/x86_64-linux-gnu/libc.so.6' },
    ]);
  });
});

describe('UserSymbols', () => {
  it('maps a PIE address through its mapping and segment to the containing function', () => {
    const u = new UserSymbols(sources(new Set([42])));
    expect(u.resolve(0x55dc51001148n, 42)).toEqual({ name: 'g', offset: 15n, module: '/tmp/app' });
    expect(u.resolve(0x55dc51001175n, 42)).toEqual({ name: 'f', offset: 28n, module: '/tmp/app' });
    expect(u.resolve(0x7f000002a4f7n, 42)).toEqual({ name: 'getppid', offset: 7n, module: '/usr/lib/x86_64-linux-gnu/libc.so.6' });
  });

  it('finds local functions of a stripped library in its debug file', () => {
    const u = new UserSymbols(sources(new Set([42])));
    expect(u.resolve(0x7f000002924an, 42)).toEqual({ name: '__libc_start_call_main', offset: 0x4an, module: '/usr/lib/x86_64-linux-gnu/libc.so.6' });
  });

  it('has no symbol past a function end, in unmapped memory, or for a process that exited', () => {
    const alive = new Set([42]);
    const u = new UserSymbols(sources(alive));
    expect(u.resolve(0x55dc510011b0n, 42)).toBeUndefined(); // after main, before nosize
    expect(u.resolve(0x55dc51001200n, 42)).toBeUndefined(); // zero-size symbol
    expect(u.resolve(0x7ffd00100010n, 42)).toBeUndefined(); // vdso: not file-backed
    expect(u.resolve(0x55dc51001148n, 7)).toBeUndefined();
    alive.delete(42);
    expect(u.resolve(0x55dc51001148n, 42)).toBeUndefined();
  });
});

describe('buildId', () => {
  it('reads the GNU build id note of a real binary', () => {
    expect(buildId('/bin/ls')).toMatch(/^[0-9a-f]{40}$/);
    expect(buildId('/etc/hostname')).toBeUndefined();
  });
});
