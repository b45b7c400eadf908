// Finds the file a uprobe target names and reads its functions: `/bin/bash` and `./a.out` are
// paths; a bare name is looked up as bpftrace does, first as an executable in PATH, then as a
// shared library (`libc`, `libc.so.6`, `m`) in the dynamic linker's cache (`ldconfig -p`), then
// in the standard library directories.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { UserBinaryLookup } from '../lang/env.ts';
import { ElfError, fileOffsetOf, readElf } from './elf.ts';

/** One library of the ld.so cache: its soname-like file name and its path. */
export interface LibraryEntry {
  readonly name: string;
  readonly path: string;
  /** The cache's flags text, e.g. `libc6,x86-64`. */
  readonly flags: string;
}

export interface LookupSources {
  /** PATH, for bare executable names. */
  readonly searchPath: string;
  /** The ld.so cache entries, read on first need. */
  readonly libraries: () => readonly LibraryEntry[];
  /** Directories scanned when the cache has no match. */
  readonly libraryDirs: readonly string[];
}

const LIBRARY_DIRS = ['/lib/x86_64-linux-gnu', '/usr/lib/x86_64-linux-gnu', '/lib64', '/usr/lib64', '/lib', '/usr/lib'];

const HINT = 'give a path to an executable or shared library, or a bare name found in PATH or the ld.so cache (e.g. uprobe:libc:malloc)';

export function defaultLookupSources(): LookupSources {
  let cache: readonly LibraryEntry[] | undefined;
  return {
    searchPath: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin',
    libraries: () => (cache ??= readLdCache()),
    libraryDirs: LIBRARY_DIRS,
  };
}

/** Resolves `target` to a file and reads its function symbols. */
export function lookupUserBinary(target: string, sources: LookupSources = defaultLookupSources()): UserBinaryLookup {
  const path = resolveTargetPath(target, sources);
  if (path === undefined) {
    if (target.includes('/')) return { kind: 'error', message: `cannot probe '${target}': no such file`, hint: HINT };
    return {
      kind: 'error',
      message: `cannot probe '${target}': no executable of that name in PATH and no library of that name in the ld.so cache`,
      hint: HINT,
    };
  }
  try {
    const image = readElf(path);
    return { kind: 'found', path, functions: image.functions, fileOffset: (vaddr) => fileOffsetOf(image, vaddr) };
  } catch (e) {
    if (e instanceof ElfError) return { kind: 'error', message: `cannot probe '${path}': ${e.message}`, hint: HINT };
    throw e;
  }
}

/** The file `target` names, or undefined if there is none. */
export function resolveTargetPath(target: string, sources: LookupSources): string | undefined {
  if (target.includes('/')) return isFile(target) ? target : undefined;
  for (const dir of sources.searchPath.split(':')) {
    if (dir === '') continue;
    const candidate = join(dir, target);
    if (isFile(candidate) && isExecutable(candidate)) return candidate;
  }
  const fromCache = pickLibrary(target, sources.libraries());
  if (fromCache) return fromCache;
  for (const dir of sources.libraryDirs) {
    let names: string[];
    try {
      names = readdirSync(dir);
    } catch {
      continue;
    }
    const match = names.filter((n) => libraryNameMatches(target, n)).sort()[0];
    if (match && isFile(join(dir, match))) return join(dir, match);
  }
  return undefined;
}

/** `libc` and `c` match `libc.so.6`; a name with `.so` (`libc.so`, `libc.so.6`) matches itself
 *  and its versions. */
export function libraryNameMatches(target: string, fileName: string): boolean {
  if (target.includes('.so')) return fileName === target || fileName.startsWith(`${target}.`);
  const base = target.startsWith('lib') ? target : `lib${target}`;
  return fileName.startsWith(`${base}.so`);
}

/** The best cache entry for `target`: x86-64 entries first, then cache order. */
export function pickLibrary(target: string, entries: readonly LibraryEntry[]): string | undefined {
  const matches = entries.filter((e) => libraryNameMatches(target, e.name));
  return (matches.find((e) => e.flags.includes('x86-64')) ?? matches[0])?.path;
}

/** Parses `ldconfig -p` output: `\tlibc.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libc.so.6`. */
export function parseLdconfig(text: string): LibraryEntry[] {
  const out: LibraryEntry[] = [];
  const re = /^\s+(\S+) \(([^)]*)\)(?: OS ABI: [^=]*)? => (\S.*)$/gm;
  for (let m = re.exec(text); m; m = re.exec(text)) out.push({ name: m[1]!, flags: m[2]!, path: m[3]!.trim() });
  return out;
}

function readLdCache(): LibraryEntry[] {
  for (const ldconfig of ['/sbin/ldconfig', '/usr/sbin/ldconfig', 'ldconfig']) {
    try {
      return parseLdconfig(execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }));
    } catch {
      // try the next location
    }
  }
  return [];
}

function isFile(p: string): boolean {
  try {
    return statSync(p).isFile();
  } catch {
    return false;
  }
}

function isExecutable(p: string): boolean {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
