import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { globToRegExp, locateTracefs, parseFilterFunctions, parseFormat, Tracefs } from '../../runtime/tracefs.ts';
import { LiveKernelEnvironment } from '../../runtime/kernel-env.ts';
import { kernelAvailable } from '../support/kernel.ts';

const SCHED_SWITCH = `name: sched_switch
ID: 372
format:
\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;
\tfield:unsigned char common_flags;\toffset:2;\tsize:1;\tsigned:0;
\tfield:unsigned char common_preempt_count;\toffset:3;\tsize:1;\tsigned:0;
\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;

\tfield:char prev_comm[16];\toffset:8;\tsize:16;\tsigned:0;
\tfield:pid_t prev_pid;\toffset:24;\tsize:4;\tsigned:1;
\tfield:const char * filename;\toffset:32;\tsize:8;\tsigned:0;
\tfield:__data_loc char[] name;\toffset:40;\tsize:4;\tsigned:0;
\tfield:u8 mac[6];\toffset:44;\tsize:6;\tsigned:0;

print fmt: "prev_comm=%s", REC->prev_comm
`;

describe('parseFormat', () => {
  it('parses fields after the common_* header', () => {
    expect(parseFormat(SCHED_SWITCH, 'sched', 'sched_switch', 372)).toEqual({
      category: 'sched',
      event: 'sched_switch',
      id: 372,
      fields: [
        { name: 'prev_comm', cType: 'char[16]', offset: 8, size: 16, signed: false, isCharArray: true },
        { name: 'prev_pid', cType: 'pid_t', offset: 24, size: 4, signed: true, isCharArray: false },
        { name: 'filename', cType: 'const char *', offset: 32, size: 8, signed: false, isCharArray: false },
        { name: 'name', cType: '__data_loc char[]', offset: 40, size: 4, signed: false, isCharArray: false },
        { name: 'mac', cType: 'u8[6]', offset: 44, size: 6, signed: false, isCharArray: false },
      ],
    });
  });
});

describe('parseFilterFunctions', () => {
  it('keeps function names, drops module tags, duplicates and unnamed entries, and sorts', () => {
    const text = 'vfs_read\ndo_sys_open\nxfs_file_read_iter [xfs]\nvfs_read\n__ftrace_invalid_address___64\n\n';
    expect(parseFilterFunctions(text)).toEqual(['do_sys_open', 'vfs_read', 'xfs_file_read_iter']);
  });
});

describe('globToRegExp', () => {
  it('supports * and ? and escapes the rest', () => {
    const re = globToRegExp('sys_enter_open*');
    expect(re.test('sys_enter_openat')).toBe(true);
    expect(re.test('sys_enter_open')).toBe(true);
    expect(re.test('xsys_enter_open')).toBe(false);
    expect(globToRegExp('a?c').test('abc')).toBe(true);
    expect(globToRegExp('a.c').test('abc')).toBe(false);
  });
});

describe.skipIf(!kernelAvailable)('tracefs on the live kernel', () => {
  const tracefs = new Tracefs(locateTracefs());

  it('reads syscalls:sys_enter_openat', () => {
    const f = tracefs.format('syscalls', 'sys_enter_openat')!;
    expect(f.id).toBeGreaterThan(0);
    expect(f.fields).toEqual([
      { name: '__syscall_nr', cType: 'int', offset: 8, size: 4, signed: true, isCharArray: false },
      { name: 'dfd', cType: 'int', offset: 16, size: 8, signed: false, isCharArray: false },
      { name: 'filename', cType: 'const char *', offset: 24, size: 8, signed: false, isCharArray: false },
      { name: 'flags', cType: 'int', offset: 32, size: 8, signed: false, isCharArray: false },
      { name: 'mode', cType: 'umode_t', offset: 40, size: 8, signed: false, isCharArray: false },
    ]);
  });

  it('reads sched:sched_switch with char arrays', () => {
    const f = tracefs.format('sched', 'sched_switch')!;
    expect(f.fields.map((x) => x.name)).toEqual([
      'prev_comm', 'prev_pid', 'prev_prio', 'prev_state', 'next_comm', 'next_pid', 'next_prio',
    ]);
    // `signed` of a char array is the kernel's choice (0 on 6.18, 1 on 6.1).
    const { signed: _signed, ...comm } = f.fields[0]!;
    expect(comm).toEqual({ name: 'prev_comm', cType: 'char[16]', offset: 8, size: 16, isCharArray: true });
  });

  it('returns undefined for unknown or malformed names', () => {
    expect(tracefs.format('syscalls', 'sys_enter_nonexistent')).toBeUndefined();
    expect(tracefs.format('..', 'syscalls')).toBeUndefined();
  });

  it('lists events by glob, sorted', () => {
    const l = tracefs.list('syscalls', 'sys_enter_openat*');
    expect(l).toEqual([
      { category: 'syscalls', event: 'sys_enter_openat' },
      { category: 'syscalls', event: 'sys_enter_openat2' },
    ]);
    expect(tracefs.list('sched', 'sched_switch')).toEqual([{ category: 'sched', event: 'sched_switch' }]);
  });
});

describe.skipIf(!kernelAvailable)('locateTracefs', () => {
  it('mounts tracefs where it is missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tsbpf-mnt-'));
    try {
      expect(existsSync(join(dir, 'events'))).toBe(false);
      expect(locateTracefs(dir)).toBe(dir);
      expect(existsSync(join(dir, 'events', 'syscalls', 'sys_enter_getppid', 'format'))).toBe(true);
    } finally {
      execSync(`umount ${dir}`);
      rmSync(dir, { recursive: true });
    }
  });
});

describe.skipIf(!kernelAvailable)('LiveKernelEnvironment', () => {
  const env = new LiveKernelEnvironment();

  it('answers tracepoint questions through tracefs', () => {
    expect(env.tracepointFormat('syscalls', 'sys_enter_getppid')?.fields).toEqual([
      { name: '__syscall_nr', cType: 'int', offset: 8, size: 4, signed: true, isCharArray: false },
    ]);
    expect(env.tracepointFormat('nope', 'nope')).toBeUndefined();
    expect(env.listTracepoints('raw_syscalls', '*')).toEqual([
      { category: 'raw_syscalls', event: 'sys_enter' },
      { category: 'raw_syscalls', event: 'sys_exit' },
    ]);
  });

  it('knows kernel function symbols from /proc/kallsyms', () => {
    expect(env.kernelSymbolExists('schedule')).toBe(true);
    expect(env.kernelSymbolExists('no_such_function_tsbpf')).toBe(false);
  });

  it('reports kprobe support as the machine has it', () => {
    const pmu = existsSync('/sys/bus/event_source/devices/kprobe/type');
    expect(env.hasKprobes).toBe(pmu || existsSync(`${locateTracefs()}/kprobe_events`));
  });
});

describe('LiveKernelEnvironment over a fixture tracefs', () => {
  const root = mkdtempSync(join(tmpdir(), 'tsbpf-tracefs-'));
  for (const [cat, ev, id] of [['sched', 'sched_switch', 372], ['sched', 'sched_wakeup', 373], ['irq', 'irq_handler_entry', 90]] as const) {
    mkdirSync(join(root, 'events', cat, ev), { recursive: true });
    writeFileSync(join(root, 'events', cat, ev, 'format'), SCHED_SWITCH);
    writeFileSync(join(root, 'events', cat, ev, 'id'), `${id}\n`);
  }
  writeFileSync(join(root, 'events', 'enable'), '0\n'); // a file, not a category
  writeFileSync(join(root, 'kprobe_events'), '');
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const env = new LiveKernelEnvironment(root);

  it('reads formats and ids', () => {
    const f = env.tracepointFormat('sched', 'sched_wakeup')!;
    expect(f.id).toBe(373);
    expect(f.event).toBe('sched_wakeup');
    expect(f.fields.length).toBe(5);
    expect(env.tracepointFormat('sched', 'missing')).toBeUndefined();
  });

  it('lists by category and event globs', () => {
    expect(env.listTracepoints('*', '*')).toEqual([
      { category: 'irq', event: 'irq_handler_entry' },
      { category: 'sched', event: 'sched_switch' },
      { category: 'sched', event: 'sched_wakeup' },
    ]);
    expect(env.listTracepoints('s?hed', '*_w*')).toEqual([{ category: 'sched', event: 'sched_wakeup' }]);
  });

  it('sees kprobe_events as kprobe support', () => {
    expect(env.hasKprobes).toBe(true);
  });
});
