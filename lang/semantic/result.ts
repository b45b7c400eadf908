// The CheckedProgram handed to codegen: lookups keyed by AST node identity.
import type { Builtin, Call, Deref, Expr, FieldAccess, Index, MapAccess, Program, ScratchVar } from '../ast.ts';
import type { CheckedAttach, CheckedProbe, CheckedProgram, FieldInfo, IndexInfo, MapInfo, MemberInfo, PrintfInfo, ScriptConfig } from '../checked.ts';
import type { Type } from '../types.ts';


export interface CheckedTables {
  readonly program: Program;
  readonly config: ScriptConfig;
  readonly probes: readonly CheckedProbe[];
  readonly maps: ReadonlyMap<string, MapInfo>;
  readonly printfs: readonly PrintfInfo[];
  readonly positionals: readonly string[];
  readonly types: ReadonlyMap<Expr, Type>;
  readonly fields: ReadonlyMap<FieldAccess, ReadonlyMap<CheckedAttach, FieldInfo>>;
  readonly printfOf: ReadonlyMap<Call, PrintfInfo>;
  readonly mapOf: ReadonlyMap<MapAccess, string>;
  readonly members?: ReadonlyMap<FieldAccess, MemberInfo>;
  readonly constants?: ReadonlyMap<Builtin | Call, bigint>;
  readonly indexes?: ReadonlyMap<Index | Deref, ReadonlyMap<CheckedAttach, IndexInfo>>;
}

/** Asking about a node the analysis never saw is a bug in the caller, not a user error. */
function internal(what: string, span: { line: number; column: number }): Error {
  return new Error(`internal error: semantic analysis has no ${what} for the node at ${span.line}:${span.column}`);
}

export function makeCheckedProgram(t: CheckedTables): CheckedProgram {
  return {
    program: t.program,
    config: t.config,
    probes: t.probes,
    maps: t.maps,
    printfs: t.printfs,
    positionals: t.positionals,
    typeOf(e: Expr): Type {
      const ty = t.types.get(e);
      if (!ty) throw internal('type', e.span);
      return ty;
    },
    fieldOf(e: FieldAccess, attach: CheckedAttach): FieldInfo {
      const f = t.fields.get(e)?.get(attach);
      if (!f) throw internal(`field for ${attach.probeName}`, e.span);
      return f;
    },
    indexOf(e: Index | Deref, attach: CheckedAttach): IndexInfo {
      const i = t.indexes?.get(e)?.get(attach);
      if (!i) throw internal(`index for ${attach.probeName}`, e.span);
      return i;
    },
    memberOf(e: FieldAccess): MemberInfo | undefined {
      return t.members?.get(e);
    },
    constantOf(e: Builtin | Call): bigint | undefined {
      return t.constants?.get(e);
    },
    printfOf(e: Call): PrintfInfo {
      const p = t.printfOf.get(e);
      if (!p) throw internal('printf', e.span);
      return p;
    },
    mapOf(e: MapAccess): MapInfo {
      const name = t.mapOf.get(e);
      const m = name === undefined ? undefined : t.maps.get(name);
      if (!m) throw internal('map', e.span);
      return m;
    },
    variableType(probe: CheckedProbe, v: ScratchVar): Type {
      const ty = probe.variables.get(v.name);
      if (!ty) throw internal(`variable ${v.name}`, v.span);
      return ty;
    },
  };
}
