// tsbpf as a library: the same stages the CLI runs, for embedding or tooling.
export { SourceFile, type Span } from './lang/source.ts';
export { CompileError, formatDiagnostic, formatDiagnostics, type Diagnostic } from './lang/diagnostics.ts';
export { parse } from './lang/parser.ts';
export { analyze } from './lang/semantic/index.ts';
export type { CheckedProgram } from './lang/checked.ts';
export type { KernelEnvironment } from './lang/env.ts';
export { generate } from './codegen/gen/index.ts';
export { dumpObject } from './codegen/dump.ts';
export type { BpfObject, PrintfLayout, MapSpec } from './codegen/object.ts';
export { LiveKernelEnvironment } from './runtime/kernel-env.ts';
export { checkPrivileges } from './runtime/privileges.ts';
export { Session } from './runtime/session.ts';
export type { EventSink, Histogram, MapEntry, MapValue, Scalar, Stats } from './runtime/events.ts';
export { compilePrintf, type FormatRecord } from './runtime/output/printf.ts';
export { formatMap, formatUserMap, formatExitMaps } from './runtime/output/maps.ts';
export { OutputWriter } from './runtime/output/writer.ts';
export { TextSink, lostEventsMessage } from './runtime/output/text-sink.ts';
