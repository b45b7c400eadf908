// Constants from the system's C headers, for scripts that `#include` them to get `#define`s such
// as AF_INET (bpftrace runs clang's preprocessor on them; tsbpf reads types from BTF and needs only
// the constants). A header is found under the usual include directories and read with the headers
// it includes, taking every object-like `#define` of an upper-case name whose value is a plain
// constant expression. Conditionals are not evaluated: a header that defines one name
// differently per architecture gives its last definition.
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

const INCLUDE_DIRS = ['/usr/local/include', '/usr/include/x86_64-linux-gnu', '/usr/include'];
/** Headers included from headers, at most: enough for glibc's sys/socket.h → bits/socket.h. */
const MAX_FILES = 64;
const NAME = /^[A-Z_][A-Z0-9_]*$/;
/** Numbers, other names, parentheses, and the operators constants are written with. */
const CONSTANT_VALUE = /^[\w\s()+\-*/%<>|&~^]+$/;

/**
 * The constant macros header `name` (as written between `<>` or quotes) defines, directly or
 * through the headers it includes; undefined if no include directory has it (kernel-internal
 * headers such as <net/sock.h>: their types come from BTF).
 */
export function headerConstants(name: string, dirs: readonly string[] = INCLUDE_DIRS): ReadonlyMap<string, string> | undefined {
  const found = locate(name, dirs);
  if (!found) return undefined;
  const defines = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [found];
  while (queue.length > 0 && seen.size < MAX_FILES) {
    const path = queue.shift()!;
    if (seen.has(path)) continue;
    seen.add(path);
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch {
      continue;
    }
    // Comments out, continuation lines joined.
    text = text.replace(/\/\*[\s\S]*?\*\//g, ' ').replace(/\/\/[^\n]*/g, '').replace(/\\\n/g, ' ');
    for (const line of text.split('\n')) {
      const inc = /^\s*#\s*include\s*[<"]([^>"]+)[>"]/.exec(line);
      if (inc) {
        const next = locate(inc[1]!, dirs);
        if (next) queue.push(next);
        continue;
      }
      const def = /^\s*#\s*define\s+([A-Za-z_]\w*)(\s+(.*))?$/.exec(line);
      if (!def) continue;
      const [, macro, , value = ''] = def;
      // `#define F(x)` (no space before the parenthesis) is a function-like macro: not a constant.
      if (line.includes(`${macro}(`) || !NAME.test(macro!)) continue;
      const v = value.trim();
      if (v !== '' && CONSTANT_VALUE.test(v)) defines.set(macro!, v);
    }
  }
  return defines;
}

function locate(name: string, dirs: readonly string[]): string | undefined {
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      if (statSync(path).isFile()) return path;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}
