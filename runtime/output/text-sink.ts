// The EventSink that prints: printf records through their compiled formatters, print(@m) through
// the map printer, all into one OutputWriter.
import type { BpfObject, PrintfLayout } from '../../codegen/object.ts';
import type { EventSink, MapEntry } from '../events.ts';
import { formatExitMaps, formatUserMap } from './maps.ts';
import { compilePrintf, type FormatRecord } from './printf.ts';
import type { OutputWriter } from './writer.ts';

/** What the sink needs from the session: reading and clearing maps. */
export interface MapAccess {
  readMap(index: number): MapEntry[];
  clearMap(index: number): void;
}

export class TextSink implements EventSink {
  private readonly formatters: FormatRecord[] = [];

  constructor(
    private readonly obj: BpfObject,
    private readonly out: OutputWriter,
    private readonly maps: MapAccess,
    private readonly onExit: (code: number) => void,
  ) {
    for (const l of obj.printfs) this.formatters[l.id] = compilePrintf(l);
  }

  printf(layout: PrintfLayout, record: DataView): void {
    const f = this.formatters[layout.id] ?? (this.formatters[layout.id] = compilePrintf(layout));
    this.out.write(f(record));
  }

  exit(code: number): void {
    this.onExit(code);
  }

  printMap(mapIndex: number): void {
    const spec = this.obj.maps[mapIndex];
    if (!spec?.user) return;
    this.out.write(formatUserMap(spec, this.maps.readMap(mapIndex)));
  }

  clearMap(mapIndex: number): void {
    this.maps.clearMap(mapIndex);
  }

  /** Prints every user map the way bpftrace does when a run ends. */
  printExitMaps(): void {
    const maps = this.obj.maps.flatMap((spec, i) => (spec.role === 'user' && spec.user ? [{ spec, entries: this.maps.readMap(i) }] : []));
    this.out.write(formatExitMaps(maps));
  }
}

/** The warning for events the ring buffer had no room for (stderr). */
export function lostEventsMessage(lost: bigint | number): string {
  return `Lost ${lost} events\n`;
}
