// Map keys, lookups and updates on user maps.
import type { Call, Expr, MapAccess } from '../../lang/ast.ts';
import type { Span } from '../../lang/source.ts';
import { Reg } from '../insn.ts';
import { Helper } from '../helpers.ts';
import { alu, call, imm, ldMapFd, ldx, mov, reg, st, stx } from '../ops.ts';
import { HIST_BUCKETS, linearBuckets } from '../../lang/types.ts';
import { fail, type Gen, type MapRef } from './context.ts';
import { storeInt } from './expr.ts';
import { copyStr, strInto, zero } from './strings.ts';

export const BPF_ANY = 0;

/** The stack slot holding the key of `access` (built from its key expressions). */
export function buildKey(g: Gen, ref: MapRef, keys: readonly Expr[], span: Span): number {
  const user = ref.spec.user!;
  if (keys.length !== user.keyLayout.length) {
    throw fail(`map ${ref.spec.name} takes ${user.keyLayout.length} key(s), ${keys.length} given`, span);
  }
  const off = g.stack.alloc(ref.spec.keySize, span, `the key of ${ref.spec.name}`);
  if (keys.length === 0) {
    // A scalar map's key is 0: a u64 for hash maps, the u32 index 0 for arrays.
    g.emit(st(ref.spec.keySize === 4 ? 4 : 8, Reg.R10, off, 0));
    return off;
  }
  keys.forEach((k, i) => {
    const field = user.keyLayout[i]!;
    if (field.type.kind === 'string') {
      strInto(g, k, off + field.offset, field.type.size);
    } else {
      storeInt(g, k, off + field.offset, field.type);
    }
  });
  return off;
}

export function keyOf(g: Gen, access: MapAccess): { ref: MapRef; key: number } {
  const ref = g.map(access.name, access.span);
  return { ref, key: buildKey(g, ref, access.keys, access.span) };
}

/** r0 = bpf_map_lookup_elem(map, r10+key) */
export function lookup(g: Gen, ref: MapRef, key: number): void {
  g.emit(ldMapFd(Reg.R1, ref.spec.name), mov(Reg.R2, reg(Reg.R10)), alu('add', Reg.R2, imm(key)), call(Helper.map_lookup_elem));
}

/** bpf_map_update_elem(map, r10+key, r10+value, BPF_ANY) */
export function update(g: Gen, ref: MapRef, key: number, value: number): void {
  g.emit(
    ldMapFd(Reg.R1, ref.spec.name),
    mov(Reg.R2, reg(Reg.R10)),
    alu('add', Reg.R2, imm(key)),
    mov(Reg.R3, reg(Reg.R10)),
    alu('add', Reg.R3, imm(value)),
    mov(Reg.R4, imm(BPF_ANY)),
    call(Helper.map_update_elem),
  );
}

export function deleteKey(g: Gen, ref: MapRef, key: number): void {
  if (ref.spec.kind === 'percpu_array') {
    // Array elements cannot be deleted: zero this CPU's copy (a program sees no other).
    const skip = g.asm.newLabel('gone');
    lookup(g, ref, key);
    g.asm.jmp('jeq', Reg.R0, imm(0), skip);
    for (let at = 0; at < ref.spec.valueSize; at += 8) g.emit(st(8, Reg.R0, at, 0));
    g.asm.bind(skip);
    return;
  }
  g.emit(ldMapFd(Reg.R1, ref.spec.name), mov(Reg.R2, reg(Reg.R10)), alu('add', Reg.R2, imm(key)), call(Helper.map_delete_elem));
}

function plainMap(g: Gen, access: MapAccess): MapRef {
  const ref = g.map(access.name, access.span);
  if (ref.spec.user!.info.value.kind === 'agg') {
    throw fail(`${access.name} holds an aggregation (${ref.spec.user!.info.value.fn}) and cannot be read in an expression`, access.span);
  }
  return ref;
}

/** dst = @m[k], 0 when the key is missing. */
export function mapReadInt(g: Gen, access: MapAccess, dst: Reg): void {
  const ref = plainMap(g, access);
  const key = buildKey(g, ref, access.keys, access.span);
  lookup(g, ref, key);
  // On a miss r0 is already 0.
  const miss = g.asm.newLabel('miss');
  g.asm.jmp('jeq', Reg.R0, imm(0), miss);
  g.emit(ldx(8, Reg.R0, Reg.R0, 0));
  g.asm.bind(miss);
  if (dst !== Reg.R0) g.emit(mov(dst, reg(Reg.R0)));
}

/** dst = 1 if has_key(@m, keys...) finds the key, else 0 (the value is not read). */
export function hasKey(g: Gen, c: Call, dst: Reg): void {
  const m = c.args[0];
  if (m?.kind !== 'MapAccess') throw fail('internal: has_key() without a map', c.span);
  const ref = g.map(m.name, m.span);
  const key = buildKey(g, ref, c.args.slice(1), c.span);
  lookup(g, ref, key);
  // On a miss r0 is already 0.
  const miss = g.asm.newLabel('miss');
  g.asm.jmp('jeq', Reg.R0, imm(0), miss);
  g.emit(mov(Reg.R0, imm(1)));
  g.asm.bind(miss);
  if (dst !== Reg.R0) g.emit(mov(dst, reg(Reg.R0)));
}

/** r10+off = @m[k], "" when the key is missing. */
export function mapReadStr(g: Gen, access: MapAccess, off: number, size: number): void {
  const ref = plainMap(g, access);
  const value = ref.spec.user!.info.value;
  if (value.kind !== 'string') throw fail(`${access.name} does not hold strings`, access.span);
  const key = buildKey(g, ref, access.keys, access.span);
  lookup(g, ref, key);
  const miss = g.asm.newLabel('miss');
  const end = g.asm.newLabel('end');
  g.asm.jmp('jeq', Reg.R0, imm(0), miss);
  copyStr(g, Reg.R0, 0, value.size, off, size);
  g.asm.ja(end);
  g.asm.bind(miss);
  zero(g, off, size);
  g.asm.bind(end);
}

/** delete(@m[k]) or delete(@m, k). */
export function deleteElement(g: Gen, c: Call): void {
  const [m, k] = c.args;
  if (!m || m.kind !== 'MapAccess') throw fail('delete() takes a map element', c.span);
  const ref = g.map(m.name, m.span);
  const keys = k ? [k] : m.keys;
  const key = buildKey(g, ref, keys, m.span);
  const bucketOffset = ref.spec.user?.bucketOffset;
  if (bucketOffset === undefined) return deleteKey(g, ref, key);
  deleteBuckets(g, ref, key, bucketOffset, c);
}

/**
 * A hist()/lhist() key is one kernel entry per bucket: delete them all, in a loop the verifier
 * bounds by the bucket count. r0 ends as 0 if any bucket was there (as map_delete_elem's result
 * for one entry would be), else non-zero.
 */
function deleteBuckets(g: Gen, ref: MapRef, key: number, bucketOffset: number, c: Call): void {
  const info = ref.spec.user!.info;
  const agg = info.value.kind === 'agg' ? info.value : undefined;
  const buckets = agg?.linear ? linearBuckets(agg.linear) : HIST_BUCKETS;
  const i = g.reg(true, c.span);
  const missing = g.reg(true, c.span);
  const loop = g.asm.newLabel('bucket');
  g.emit(mov(i, imm(0)), mov(missing, imm(1)));
  g.asm.bind(loop);
  g.emit(stx(8, Reg.R10, key + bucketOffset, i));
  deleteKey(g, ref, key);
  // map_delete_elem returns 0 or a negative errno: its sign bit says "was not there". Folded in
  // without a branch, so the verifier walks one state per bucket, not two.
  g.emit(alu('rsh', Reg.R0, imm(63)), alu('and', missing, reg(Reg.R0)), alu('add', i, imm(1)));
  g.asm.jmp('jlt', i, imm(buckets), loop);
  g.emit(mov(Reg.R0, reg(missing)));
  g.free(i);
  g.free(missing);
}

/** dst = delete(...) as a value (bpftrace 0.24+): 1 if the element was there (map_delete_elem
 *  returned 0), else 0; an array element always is. */
export function deleteValue(g: Gen, c: Call, dst: Reg): void {
  deleteElement(g, c);
  const m = c.args[0] as MapAccess;
  if (g.map(m.name, m.span).spec.kind === 'percpu_array') return g.emit(mov(dst, imm(1)));
  // r0 is the helper's result (and may be dst): turn it into the flag in place.
  const absent = g.asm.newLabel('absent');
  const end = g.asm.newLabel('end');
  g.asm.jmp('jne', Reg.R0, imm(0), absent);
  g.emit(mov(Reg.R0, imm(1)));
  g.asm.ja(end);
  g.asm.bind(absent);
  g.emit(mov(Reg.R0, imm(0)));
  g.asm.bind(end);
  if (dst !== Reg.R0) g.emit(mov(dst, reg(Reg.R0)));
}
