import { describe, expect, test } from 'vitest';
import { dumpObject } from '../../codegen/dump.ts';
import { formatProgram } from '../../codegen/disasm.ts';
import { Helper } from '../../codegen/helpers.ts';
import { Reg, type Insn } from '../../codegen/insn.ts';
import type { BpfObject, ProgramSpec } from '../../codegen/object.ts';
import { CompileError } from '../../lang/diagnostics.ts';
import { check, compile } from './gen-compile.ts';

function only(obj: BpfObject): ProgramSpec {
  expect(obj.programs).toHaveLength(1);
  return obj.programs[0]!;
}

function calls(p: ProgramSpec): number[] {
  return p.insns.flatMap((i) => (i.kind === 'call' ? [i.helper] : []));
}

function ctxLoads(p: ProgramSpec): number[] {
  return p.insns.flatMap((i) => (i.kind === 'ldx' && i.src === Reg.R6 ? [i.off] : []));
}

function jumps(p: ProgramSpec): Extract<Insn, { kind: 'jmp' }>[] {
  return p.insns.filter((i): i is Extract<Insn, { kind: 'jmp' }> => i.kind === 'jmp');
}

describe('map specs', () => {
  test('user maps sorted by name with their key and value layouts, then internal maps', () => {
    const obj = compile('BEGIN { @a = 1; @[comm, pid] = count(); @s["x"] = "str"; @mm = min(5); @av[1] = avg(2); }');
    const shape = obj.maps.map((m) => [m.name, m.role, m.kind, m.keySize, m.valueSize, m.maxEntries, m.user?.keyLayout.map((f) => f.offset)]);
    expect(shape).toEqual([
      ['@', 'user', 'percpu_hash', 24, 8, 4096, [0, 16]],
      ['@a', 'user', 'hash', 8, 8, 4096, []],
      ['@av', 'user', 'percpu_hash', 8, 16, 4096, [0]],
      ['@mm', 'user', 'percpu_hash', 8, 16, 4096, []],
      ['@s', 'user', 'hash', 8, 8, 4096, [0]],
      ['.events', 'events', 'ringbuf', 0, 0, 256 << 10, undefined],
      ['.lost', 'lost', 'array', 4, 8, 1, undefined],
    ]);
    expect(obj.maps[0]!.user!.keyLayout.map((f) => f.type)).toEqual([
      { kind: 'string', size: 16 },
      { kind: 'int', bits: 64, signed: false },
    ]);
  });

  test('.globals exists only when elapsed is used; ringBytes sizes .events', () => {
    expect(compile('BEGIN { @x = nsecs; }').maps.map((m) => m.name)).toEqual(['@x', '.events', '.lost']);
    const obj = compile('BEGIN { @x = elapsed; }', [], { ringBytes: 1 << 16 });
    expect(obj.maps.map((m) => [m.name, m.kind, m.maxEntries])).toEqual([
      ['@x', 'hash', 4096],
      ['.events', 'ringbuf', 1 << 16],
      ['.lost', 'array', 1],
      ['.globals', 'array', 1],
    ]);
    expect(only(obj).insns).toContainEqual({ kind: 'ld_map_value', dst: Reg.R1, map: '.globals', offset: 0 });
    expect(() => compile('BEGIN { @x = 1; }', [], { ringBytes: 5000 })).toThrow(RangeError);
  });

  test('the default ring is large only when a probe firing at kernel rates sends events', () => {
    const ring = (script: string) => compile(script).maps.find((m) => m.role === 'events')!.maxEntries;
    expect(ring('BEGIN { printf("hi\\n"); exit(); }')).toBe(256 << 10);
    expect(ring('tracepoint:syscalls:sys_enter_openat { @ = count(); } interval:ms:100 { print(@); exit(); } END { clear(@); }')).toBe(256 << 10);
    expect(ring('tracepoint:syscalls:sys_enter_openat { printf("%d\\n", pid); }')).toBe(8 << 20);
    expect(ring('tracepoint:syscalls:sys_enter_openat { if (pid == 1) { exit(); } }')).toBe(8 << 20);
    expect(ring('profile:hz:99 { print(@x); } BEGIN { @x = 1; }')).toBe(8 << 20);
  });
});

describe('hist, lhist and stats maps', () => {
  test('bucketed maps key on the user key plus a u64 bucket; stats keeps (total, count)', () => {
    const obj = compile('BEGIN { @h = hist(1); @k[comm, pid] = lhist(5, 0, 100, 10); @s[1] = stats(2); }');
    const shape = obj.maps.filter((m) => m.role === 'user').map((m) => [m.name, m.kind, m.keySize, m.valueSize, m.user!.keyLayout.map((f) => f.offset), m.user!.bucketOffset]);
    expect(shape).toEqual([
      ['@h', 'percpu_hash', 8, 8, [], 0],
      ['@k', 'percpu_hash', 32, 8, [0, 16], 24],
      ['@s', 'percpu_hash', 8, 16, [0], undefined],
    ]);
  });

  test('a constant argument is bucketed at compile time', () => {
    const p = only(compile('BEGIN { @h = hist(1500); @l = lhist(-4, 0, 100, 10); @m = lhist(100, 0, 100, 10); }'));
    const bucketStores = p.insns.filter((i) => i.kind === 'st' && i.imm !== 1 && i.imm !== 0).map((i) => i.kind === 'st' && i.imm);
    // 1500 is in [1K, 2K) = bucket 12; -4 underflows (0, not listed); 100 = max is the overflow bucket 11.
    expect(bucketStores).toEqual([12, 11]);
    expect(jumps(p).filter((j) => j.op !== 'jeq')).toEqual([]);
  });

  test('hist() is a loop-free binary search: six halvings, no backward jumps', () => {
    const p = only(compile('tracepoint:raw_syscalls:sys_enter { @ = hist(args.id); }'));
    const js = jumps(p);
    expect(js.every((j) => j.off >= 0)).toBe(true);
    expect(js.filter((j) => j.op === 'jlt').map((j) => j.src)).toEqual([0x10000, 0x100, 0x10, 4, 2].map((imm) => ({ imm })));
    expect(calls(p)).toEqual([Helper.map_lookup_elem, Helper.map_update_elem]);
  });
});

describe('printf records', () => {
  test('layout: header, then each argument 8-byte aligned', () => {
    const obj = compile('tracepoint:syscalls:sys_enter_openat { printf("%s %d %s\\n", comm, pid, str(args.filename)); }');
    expect(obj.printfs.map((p) => ({ id: p.id, size: p.size, args: p.args }))).toEqual([
      {
        id: 0,
        size: 96,
        args: [
          { offset: 8, type: { kind: 'string', size: 16 } },
          { offset: 24, type: { kind: 'int', bits: 32, signed: false } },
          { offset: 32, type: { kind: 'string', size: 64 } },
        ],
      },
    ]);
    const p = only(obj);
    // Reserved in the ring and written in place: stores first, then the helpers that fill it.
    expect(calls(p)).toEqual([
      Helper.ringbuf_reserve,
      Helper.get_current_pid_tgid,
      Helper.get_current_comm,
      Helper.probe_read_user_str,
      Helper.ringbuf_query,
      Helper.ringbuf_submit,
    ]);
    // Header: kind Printf (1), id 0, as one store through the record pointer.
    const rec = p.insns.find((i) => i.kind === 'alu' && i.op === 'mov' && 'reg' in i.src && i.src.reg === Reg.R0);
    expect(rec).toEqual({ kind: 'alu', op: 'mov', width: 64, dst: Reg.R7, src: { reg: Reg.R0 } });
    expect(p.insns).toContainEqual({ kind: 'st', size: 8, dst: Reg.R7, off: 0, imm: 1 });
    expect(p.insns).toContainEqual({ kind: 'stx', size: 8, dst: Reg.R7, off: 24, src: Reg.R0 });
    // str() reads the context's pointer straight into the helper's argument.
    const read = p.insns.findIndex((i) => i.kind === 'call' && i.helper === Helper.probe_read_user_str);
    expect(p.insns.slice(read - 4, read)).toEqual([
      { kind: 'alu', op: 'mov', width: 64, dst: Reg.R1, src: { reg: Reg.R7 } },
      { kind: 'alu', op: 'add', width: 64, dst: Reg.R1, src: { imm: 32 } },
      { kind: 'alu', op: 'mov', width: 64, dst: Reg.R2, src: { imm: 64 } },
      { kind: 'ldx', size: 8, dst: Reg.R3, src: Reg.R6, off: 24 },
    ]);
  });

  test('a str() pointer that needs a helper is evaluated before the reserve', () => {
    const p = only(compile('tracepoint:syscalls:sys_enter_openat { @p = args.filename; printf("%s\\n", str(@p)); }'));
    const cs = calls(p);
    expect(cs.slice(-5)).toEqual([Helper.map_lookup_elem, Helper.ringbuf_reserve, Helper.probe_read_user_str, Helper.ringbuf_query, Helper.ringbuf_submit]);
  });

  test('a second printf in a program writes its id in the header', () => {
    const p = only(compile('BEGIN { printf("a\\n"); printf("%d\\n", 7); }'));
    expect(p.insns.filter((i) => i.kind === 'st' && i.dst === Reg.R7)).toEqual([
      { kind: 'st', size: 8, dst: Reg.R7, off: 0, imm: 1 },
      { kind: 'st', size: 4, dst: Reg.R7, off: 0, imm: 1 },
      { kind: 'st', size: 4, dst: Reg.R7, off: 4, imm: 1 },
      { kind: 'st', size: 8, dst: Reg.R7, off: 8, imm: 7 },
    ]);
  });

  test('every reserve is submitted once; a failed reserve counts a lost event and skips the record', () => {
    const p = only(compile('BEGIN { printf("%d %s\\n", pid, comm); if (pid > 1) { printf("%s\\n", "x"); } else { printf("%d\\n", 2); } }'));
    const cs = calls(p);
    // Jump offsets count 8-byte slots; a 64-bit immediate load takes two.
    const slot = (i: number) => p.insns.slice(0, i).reduce((n, x) => n + (x.kind === 'ld_imm64' || x.kind === 'ld_map_fd' || x.kind === 'ld_map_value' ? 2 : 1), 0);
    expect(cs.filter((h) => h === Helper.ringbuf_reserve)).toHaveLength(3);
    expect(cs.filter((h) => h === Helper.ringbuf_submit)).toHaveLength(3);
    expect(cs).not.toContain(Helper.ringbuf_output);
    expect(cs).not.toContain(Helper.ringbuf_discard);
    // Right after each reserve: non-NULL jumps over the lost counter, which then skips to the end.
    p.insns.forEach((insn, i) => {
      if (insn.kind !== 'call' || insn.helper !== Helper.ringbuf_reserve) return;
      const [test, lost, one, add, skip] = p.insns.slice(i + 1, i + 6);
      expect(test).toEqual({ kind: 'jmp', op: 'jne', width: 64, dst: Reg.R0, src: { imm: 0 }, off: 5 });
      expect(lost).toMatchObject({ kind: 'ld_map_value', dst: Reg.R1 });
      expect(one).toEqual({ kind: 'alu', op: 'mov', width: 64, dst: Reg.R2, src: { imm: 1 } });
      expect(add).toEqual({ kind: 'atomic', op: 'add', size: 8, fetch: false, dst: Reg.R1, src: Reg.R2, off: 0 });
      expect(skip).toMatchObject({ kind: 'ja' });
      // The skip lands right after this record's submit.
      const submit = p.insns.findIndex((x, j) => j > i && x.kind === 'call' && x.helper === Helper.ringbuf_submit);
      expect(slot(i + 5) + 1 + (skip as { off: number }).off).toBe(slot(submit + 1));
    });
  });

  test('wake the reader only when the record crosses half the ring', () => {
    const p = only(compile('BEGIN { printf("%d\\n", 1); }', [], { ringBytes: 1 << 16 }));
    const half = 1 << 15;
    const record = 16 + 8; // 16-byte record plus the ring's header
    // After the reserve, avail counts this record: it crossed when avail - record < half <= avail.
    expect(jumps(p).map((j) => [j.op, j.dst, j.src])).toEqual([
      ['jne', Reg.R0, { imm: 0 }],
      ['jlt', Reg.R0, { imm: half }],
      ['jge', Reg.R0, { imm: half + record }],
    ]);
    expect(p.insns.slice(-8, -2)).toEqual([
      { kind: 'alu', op: 'mov', width: 64, dst: Reg.R2, src: { imm: 1 } },
      jumps(p)[1],
      jumps(p)[2],
      { kind: 'alu', op: 'mov', width: 64, dst: Reg.R2, src: { imm: 2 } },
      { kind: 'alu', op: 'mov', width: 64, dst: Reg.R1, src: { reg: Reg.R7 } },
      { kind: 'call', helper: Helper.ringbuf_submit },
    ]);
    expect(p.insns).toContainEqual({ kind: 'atomic', op: 'add', size: 8, fetch: false, dst: Reg.R1, src: Reg.R2, off: 0 });
  });

  test('exit() forces a wakeup and ends the program; print/clear name the map index', () => {
    const ex = only(compile('BEGIN { exit(); @x = 1; }'));
    // The unreachable update after exit() is removed: the verifier rejects dead code.
    expect(calls(ex)).toEqual([Helper.ringbuf_output]);
    expect(ex.insns).toContainEqual({ kind: 'st', size: 4, dst: Reg.R10, off: -16, imm: 2 });
    const pc = only(compile('BEGIN { @a = 1; @b = 2; print(@b); clear(@a); }'));
    const headers = pc.insns.filter((i) => i.kind === 'st' && i.size === 4).map((i) => (i.kind === 'st' ? i.imm : -1));
    expect(headers).toEqual([3, 1, 4, 0]);
  });
});

describe('programs', () => {
  test('one program per attach point, with its type and a short kernel name', () => {
    const obj = compile('kprobe:sys_openat,\n tracepoint:syscalls:sys_exit_openat,\n BEGIN, END, interval:s:1, profile:hz:99 { @ = count(); }');
    expect(obj.programs.map((p) => [p.name, p.progType, p.probeIndex])).toEqual([
      ['kprobe_sys_open', 'tracepoint', 0],
      ['tp_sys_exit_ope', 'tracepoint', 0],
      ['BEGIN', 'raw_tracepoint', 0],
      ['END', 'raw_tracepoint', 0],
      ['interval_s_1', 'perf_event', 0],
      ['profile_hz_99', 'perf_event', 0],
    ]);
    for (const p of obj.programs) expect(p.insns.slice(-2)).toEqual([{ kind: 'alu', op: 'mov', width: 64, dst: Reg.R0, src: { imm: 0 } }, { kind: 'exit' }]);
  });

  test('every instruction carries the span of the script line it came from', () => {
    const text = 'BEGIN {\n  @x = 1;\n  printf("%d\\n", @x);\n}';
    const p = only(compile(text));
    expect(p.spans).toHaveLength(p.insns.length);
    expect(p.spans.every((s) => s !== undefined)).toBe(true);
    const lines = p.spans.map((s) => s!.line);
    const update = p.insns.findIndex((i) => i.kind === 'call' && i.helper === Helper.map_update_elem);
    const output = p.insns.findIndex((i) => i.kind === 'call' && i.helper === Helper.ringbuf_submit);
    expect([lines[update], lines[output]]).toEqual([2, 3]);
  });

  test('a probe needing more than 512 bytes of stack is a CompileError naming it', () => {
    const vars = 'abcdefghi'.split('').map((v) => `$${v} = str(args.filename);`).join(' ');
    const text = `tracepoint:syscalls:sys_enter_openat { ${vars} }`;
    let err: unknown;
    try {
      compile(text);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(CompileError);
    const d = (err as CompileError).diagnostics[0]!;
    expect(d.message).toBe('probe tracepoint:syscalls:sys_enter_openat needs more than the 512 bytes of BPF stack (576 bytes at variable $i)');
    expect(d.span?.column).toBe(text.indexOf('$i') + 1);
    expect(d.notes?.[0]).toMatch(/^HINT: /);
  });

  test('scratch variables are zeroed only when they may be read before written', () => {
    const direct = only(compile('BEGIN { $x = nsecs; @a = $x; }'));
    expect(direct.insns[0]).toEqual({ kind: 'call', helper: Helper.ktime_get_ns });
    const maybe = only(compile('BEGIN { if (pid > 1) { $x = 1; } @a = $x; }'));
    expect(maybe.insns[0]).toEqual({ kind: 'st', size: 8, dst: Reg.R10, off: -8, imm: 0 });
  });
});

describe('expressions', () => {
  test('small constants are immediates, others ld_imm64', () => {
    const p = only(compile('BEGIN { @x = 5; @y = 0x100000000; }'));
    expect(p.insns.filter((i) => i.kind === 'ld_imm64')).toEqual([{ kind: 'ld_imm64', dst: Reg.R0, imm: 0x100000000n }]);
    expect(p.insns).toContainEqual({ kind: 'st', size: 8, dst: Reg.R10, off: -16, imm: 5 });
  });

  test('signed operands compare and shift signed, unsigned ones unsigned', () => {
    const p = only(compile('BEGIN { $a = -1; if ($a < 5) { @x = $a >> 1; } if (nsecs < 5) { @y = nsecs >> 1; } }'));
    expect(jumps(p).map((j) => j.op)).toEqual(['jsge', 'jge']);
    expect(p.insns.filter((i) => i.kind === 'alu' && (i.op === 'rsh' || i.op === 'arsh')).map((i) => (i.kind === 'alu' ? i.op : ''))).toEqual(['arsh', 'rsh']);
  });

  test('kprobe arguments come from pt_regs, fallback ones from the syscall record', () => {
    const kp = only(compile('kprobe:vfs_read { @[arg0, arg1, arg2, arg3, arg4, arg5] = count(); }', [], { hasKprobes: true }));
    expect(ctxLoads(kp)).toEqual([112, 104, 96, 88, 72, 64]);
    expect(kp.progType).toBe('kprobe');
    expect(ctxLoads(only(compile('kretprobe:vfs_read { @ = sum(retval); }', [], { hasKprobes: true })))).toEqual([80]);
    expect(ctxLoads(only(compile('kprobe:sys_openat { @[arg0, arg1] = count(); }')))).toEqual([16, 24]);
    expect(ctxLoads(only(compile('kretprobe:sys_openat { @ = sum(retval); }')))).toEqual([16]);
  });

  test('str() reads user memory in tracepoints, kernel memory in kprobes', () => {
    expect(calls(only(compile('tracepoint:syscalls:sys_enter_openat { @[str(args.filename)] = count(); }')))).toContain(Helper.probe_read_user_str);
    expect(calls(only(compile('kprobe:vfs_read { @[str(arg1)] = count(); }', [], { hasKprobes: true })))).toContain(Helper.probe_read_kernel_str);
  });

  test('tracepoint int fields are direct, sign-extended context loads', () => {
    const p = only(compile('tracepoint:sched:sched_switch { @[args.next_pid] = count(); }'));
    expect(p.insns.slice(0, 4)).toEqual([
      { kind: 'alu', op: 'mov', width: 64, dst: Reg.R6, src: { reg: Reg.R1 } },
      { kind: 'ldx', size: 4, dst: Reg.R0, src: Reg.R6, off: 56 },
      { kind: 'alu', op: 'lsh', width: 64, dst: Reg.R0, src: { imm: 32 } },
      { kind: 'alu', op: 'arsh', width: 64, dst: Reg.R0, src: { imm: 32 } },
    ]);
  });

  test('a predicate on a helper result tests r0 directly', () => {
    const p = only(compile('tracepoint:syscalls:sys_enter_openat /pid > 1/ { @ = count(); }'));
    expect(p.insns.slice(0, 3)).toEqual([
      { kind: 'call', helper: Helper.get_current_pid_tgid },
      { kind: 'alu', op: 'rsh', width: 64, dst: Reg.R0, src: { imm: 32 } },
      { kind: 'jmp', op: 'jle', width: 64, dst: Reg.R0, src: { imm: 1 }, off: 10 },
    ]);
  });

  test('unreachable code (constant conditions) is removed', () => {
    const p = only(compile('BEGIN { if (0) { @x = 1; } @y = 1 ? 2 : 3; }'));
    expect(calls(p)).toEqual([Helper.map_update_elem]);
    expect(p.insns.filter((i) => i.kind === 'ja' || i.kind === 'jmp')).toEqual([]);
  });

  test('string comparison against a literal compares words against constants', () => {
    const p = only(compile('BEGIN { if (comm == "bash") { @x = 1; } }'));
    expect(jumps(p).map((j) => [j.op, j.src])).toEqual([['jne', { imm: 0x68736162 }]]);
  });
});

describe('indexing', () => {
  test('a tracepoint array element is one load from the context', () => {
    const p = only(compile('tracepoint:raw_syscalls:sys_enter { @[args.args[2]] = count(); }'));
    expect(p.insns.slice(0, 2)).toEqual([
      { kind: 'alu', op: 'mov', width: 64, dst: Reg.R6, src: { reg: Reg.R1 } },
      { kind: 'ldx', size: 8, dst: Reg.R0, src: Reg.R6, off: 32 },
    ]);
  });

  test('a pointer element is one read of its size, from user memory on syscall tracepoints', () => {
    const p = only(compile('tracepoint:syscalls:sys_enter_execve { @[args.argv[3]] = count(); }'));
    expect(calls(p).slice(0, 1)).toEqual([Helper.probe_read_user]);
    expect(p.insns).toContainEqual({ kind: 'alu', op: 'add', width: 64, dst: Reg.R3, src: { imm: 24 } });
    expect(p.insns).toContainEqual({ kind: 'alu', op: 'mov', width: 64, dst: Reg.R2, src: { imm: 8 } });
  });
});

describe('ppid', () => {
  test('two relocated loads, task->real_parent then ->tgid, and a clear error without relocations', () => {
    const p = only(compile('BEGIN { @ = ppid; }', [], { kernelFields: true }));
    expect(p.insns.flatMap((i) => (i.kind === 'ldx' && i.field ? [`${i.field.member}:${i.size}`] : []))).toEqual(['real_parent:8', 'tgid:4']);
    expect(() => compile('BEGIN { @ = ppid; }')).toThrow(/ppid needs a kernel that relocates struct member loads/);
  });
});

describe('comm', () => {
  const text = 'tracepoint:syscalls:sys_enter_openat { @[comm] = count(); printf("%s\\n", comm); }';
  test('without kernel field relocations: bpf_get_current_comm', () => {
    const p = only(compile(text));
    expect(calls(p).filter((h) => h === Helper.get_current_comm)).toHaveLength(2);
    expect(p.insns.some((i) => i.kind === 'ldx' && i.field)).toBe(false);
  });

  test('with them: two loads of task_struct.comm from the current task, no helper for the bytes', () => {
    const p = only(compile(text, [], { kernelFields: true }));
    expect(calls(p)).not.toContain(Helper.get_current_comm);
    expect(calls(p).filter((h) => h === Helper.get_current_task_btf)).toHaveLength(2);
    const loads = p.insns.flatMap((i) => (i.kind === 'ldx' && i.field ? [[i.size, i.src, i.off, i.field.struct, i.field.member]] : []));
    expect(loads).toEqual([
      [8, Reg.R0, 0, 'task_struct', 'comm'], [8, Reg.R0, 8, 'task_struct', 'comm'],
      [8, Reg.R0, 0, 'task_struct', 'comm'], [8, Reg.R0, 8, 'task_struct', 'comm'],
    ]);
    expect(formatProgram(p.insns)).toContain('= *(u64 *)(r0 +8)  ; task_struct.comm+8, offset from kernel BTF');
  });
});

describe('instruction counts of the benchmark scripts (bpftrace 0.17 needs more)', () => {
  test.each([
    ['tracepoint:raw_syscalls:sys_enter { @ = count(); }', 11],
    ['tracepoint:raw_syscalls:sys_enter { @[comm] = count(); }', 23],
    // printf reserves its record in the ring and fills it in place: a NULL check and a skip more.
    ['tracepoint:syscalls:sys_enter_openat { printf("%s %d %s\\n", comm, pid, str(args.filename)); }', 35],
    ['tracepoint:raw_syscalls:sys_enter { @ = hist(args.id); }', 47],
    ['tracepoint:raw_syscalls:sys_enter { @[comm] = hist(args.id); }', 52],
    ['tracepoint:raw_syscalls:sys_enter { @ = lhist(args.id, 0, 1000, 10); }', 29],
    ['tracepoint:raw_syscalls:sys_enter { @ = stats(args.id); }', 26],
  ])('%s: at most %i instructions', (text, ceiling) => {
    expect(only(compile(text)).insns.length).toBeLessThanOrEqual(ceiling);
  });

  test('a scalar count() is an inlinable per-CPU array lookup and an in-place increment', () => {
    const obj = compile('tracepoint:raw_syscalls:sys_enter { @ = count(); }');
    expect(obj.maps[0]).toMatchObject({ name: '@', kind: 'percpu_array', keySize: 4, valueSize: 8, maxEntries: 1 });
    expect(formatProgram(only(obj).insns)).toBe(
      [
        ' 0: *(u32 *)(r10 -8) = 0',
        ' 1: r1 = map[@]',
        ' 3: r2 = r10',
        ' 4: r2 += -8',
        ' 5: call bpf_map_lookup_elem#1',
        ' 6: if r0 == 0x0 goto +3',
        ' 7: r1 = *(u64 *)(r0 +0)',
        ' 8: r1 += 1',
        ' 9: *(u64 *)(r0 +0) = r1',
        '10: r0 = 0',
        '11: exit',
      ].join('\n'),
    );
  });

  test('a keyed count() is lookup, in-place increment, or insert', () => {
    const obj = compile('tracepoint:raw_syscalls:sys_enter { @[cpu] = count(); }');
    expect(obj.maps[0]).toMatchObject({ name: '@', kind: 'percpu_hash', keySize: 8 });
    expect(calls(only(obj))).toEqual([Helper.get_smp_processor_id, Helper.map_lookup_elem, Helper.map_update_elem]);
  });

  test('delete() of a scalar count() zeroes this CPU\'s copy (array elements cannot be deleted)', () => {
    const p = only(compile('BEGIN { @c = count(); delete(@c); }'));
    expect(calls(p)).toEqual([Helper.map_lookup_elem, Helper.map_lookup_elem]);
    expect(p.insns.filter((i) => i.kind === 'st' && i.dst === Reg.R0)).toEqual([{ kind: 'st', size: 8, dst: Reg.R0, off: 0, imm: 0 }]);
  });
});

describe('dumpObject', () => {
  test('maps, a header per program and the script line before its instructions', () => {
    const text = 'BEGIN {\n  @x = 1;\n}';
    const out = dumpObject(compile(text), check(text).source);
    expect(out.split('\n').slice(0, 10)).toEqual([
      '; map 0: @x hash key 8 value 8 entries 4096',
      '; map 1: .events ringbuf key 0 value 0 entries 262144',
      '; map 2: .lost array key 4 value 8 entries 1',
      '',
      '; program BEGIN (raw_tracepoint) for BEGIN: 11 instructions, 12 slots',
      '; @x = 1;',
      ' 0: *(u64 *)(r10 -8) = 0',
      ' 1: *(u64 *)(r10 -16) = 1',
      ' 2: r1 = map[@x]',
      ' 4: r2 = r10',
    ]);
    expect(out).toContain('; BEGIN {\n10: r0 = 0\n11: exit\n');
  });
});
