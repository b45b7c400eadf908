// Constants from C headers, read from a fixture include tree.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { headerConstants } from '../../runtime/c-headers.ts';

describe('headerConstants', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tsbpf-headers-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  mkdirSync(join(dir, 'sys'));
  mkdirSync(join(dir, 'bits'));
  writeFileSync(join(dir, 'sys', 'socket.h'), '#include <features.h>\n#include <bits/socket.h>\n#define SOCK_MAX (1 << 4) /* a comment */\n');
  writeFileSync(
    join(dir, 'bits', 'socket.h'),
    [
      '#define PF_INET\t\t2\t/* IP protocol family.  */',
      '#define AF_INET\t\tPF_INET',
      '#define lower_case 3',
      '#define FN(x) ((x) + 1)',
      '#define STRINGY "text"',
      '#define LONG_ONE \\',
      '  (PF_INET + 8)',
      '#if 0',
      '#define IN_IF 5',
      '#endif',
    ].join('\n'),
  );

  it('follows includes and keeps upper-case constants, whatever the conditionals say', () => {
    expect(Object.fromEntries(headerConstants('sys/socket.h', [dir])!)).toEqual({
      SOCK_MAX: '(1 << 4)',
      PF_INET: '2',
      AF_INET: 'PF_INET',
      LONG_ONE: '(PF_INET + 8)',
      IN_IF: '5',
    });
  });

  it('is undefined for a header no directory has (kernel-internal ones: BTF has their types)', () => {
    expect(headerConstants('net/sock.h', [dir])).toBeUndefined();
  });
});
