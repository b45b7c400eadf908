// The EventSink that prints, whatever the output format: printf records through their compiled
// formatters, time() through strftime, print(@m) and the exit maps through the map printer. An
// OutputFormat (text or JSON) only turns each piece into its bytes.
import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import type { BpfObject, MapSpec, PrintfLayout } from '../../codegen/object.ts';
import type { EventSink, MapEntry, PrintView } from '../events.ts';
import type { ValueSymbols } from '../symbolizer.ts';
import { sortByMapName } from './maps.ts';
import { compilePrintf, type FormatRecord } from './printf.ts';
import { brokenDownTime, strftime } from './strftime.ts';
import type { OutputWriter } from './writer.ts';

/** What the sink needs from the session: reading and clearing maps. */
export interface MapAccess {
  readMap(index: number): MapEntry[];
  clearMap(index: number): void;
  /** Symbolizes kstack/ustack/ksym/usym printf arguments (the session's). */
  readonly symbols?: ValueSymbols;
}

/** How one output format spells each kind of output. Pure: no I/O. */
export interface OutputFormat {
  printf(text: string): string;
  time(text: string): string;
  join(text: string): string;
  cat(text: string): string;
  map(spec: MapSpec, entries: readonly MapEntry[], view?: PrintView): string;
  attachedProbes(probes: number): string;
  lostEvents(lost: bigint): string;
  /**
   * Whether attachedProbes/lostEvents go with the trace output (JSON, for its readers) or to
   * stderr (text: tsbpf keeps them out of the trace, where bpftrace 0.17 mixes them in).
   */
  readonly noticesInOutput: boolean;
}

export interface SinkOptions {
  /** Where notices and errors (`ERROR: strftime returned 0`) go; default: stderr. */
  readonly stderr?: (text: string) => void;
  /** The current time in ms since the epoch, for time(); default Date.now. */
  readonly now?: () => number;
  /** IANA time zone for time(); default: the local one ($TZ). */
  readonly timeZone?: string;
}

/** bpftrace's max_cat_bytes default: cat() prints at most this much of a file. */
const MAX_CAT_BYTES = 10240;

/** `No such file or directory`, as strerror() words an fs error's code. */
function errnoMessage(e: unknown): string {
  const m = /^\w+: ([^,]+),/.exec((e as Error).message ?? '');
  const text = m?.[1] ?? String(e);
  return text.charAt(0).toUpperCase() + text.slice(1);
}

/** bpftrace's strftime buffer (MAX_TIME_STR_LEN): a longer result, or an empty one, is an error. */
const MAX_TIME_BYTES = 64;

function writeStderr(text: string): void {
  try {
    writeSync(2, text);
  } catch {
    // stderr closed: nothing useful left to do.
  }
}

export class PrintingSink implements EventSink {
  private readonly formatters: FormatRecord[] = [];
  private readonly stderr: (text: string) => void;
  private readonly now: () => number;

  constructor(
    private readonly obj: BpfObject,
    private readonly out: OutputWriter,
    private readonly maps: MapAccess,
    private readonly onExit: (code: number) => void,
    private readonly format: OutputFormat,
    private readonly options: SinkOptions = {},
  ) {
    for (const l of obj.printfs) this.formatters[l.id] = compilePrintf(l, maps.symbols);
    this.stderr = options.stderr ?? writeStderr;
    this.now = options.now ?? Date.now;
  }

  printf(layout: PrintfLayout, record: DataView): void {
    const f = this.formatters[layout.id] ?? (this.formatters[layout.id] = compilePrintf(layout, this.maps.symbols));
    this.out.write(this.format.printf(f(record)));
  }

  /** cat(): the file's first MAX_CAT_BYTES bytes, as bpftrace 0.17 prints them (a file that
   *  cannot be read is an error line on stderr). */
  cat(layout: PrintfLayout, record: DataView): void {
    const f = this.formatters[layout.id] ?? (this.formatters[layout.id] = compilePrintf(layout, this.maps.symbols));
    const path = f(record);
    let text: string;
    try {
      const fd = openSync(path, 'r');
      try {
        const buf = Buffer.alloc(MAX_CAT_BYTES);
        text = buf.toString('utf8', 0, readSync(fd, buf, 0, MAX_CAT_BYTES, null));
      } finally {
        closeSync(fd);
      }
    } catch (e) {
      this.stderr(`ERROR: failed to open file '${path}': ${errnoMessage(e)}\n`);
      return;
    }
    this.out.write(this.format.cat(text));
  }

  /** time(fmt): the time the event is read, as bpftrace formats it when it receives one. */
  time(format: string): void {
    const text = strftime(format, brokenDownTime(this.now(), this.options.timeZone));
    if (text.length === 0 || Buffer.byteLength(text) >= MAX_TIME_BYTES) {
      this.error('strftime returned 0');
      return;
    }
    this.out.write(this.format.time(text));
  }

  join(text: string): void {
    this.out.write(this.format.join(text));
  }

  exit(code: number): void {
    this.onExit(code);
  }

  printMap(mapIndex: number, view?: PrintView): void {
    const spec = this.obj.maps[mapIndex];
    if (!spec?.user) return;
    this.out.write(this.format.map(spec, this.maps.readMap(mapIndex), view));
  }

  clearMap(mapIndex: number): void {
    this.maps.clearMap(mapIndex);
  }

  /** `Attaching N probes...` (text, on stderr) or its JSON line. */
  attachedProbes(probes: number): void {
    this.notice(this.format.attachedProbes(probes));
  }

  /** `Lost N events` (text, on stderr) or its JSON line. */
  lostEvents(lost: bigint): void {
    this.notice(this.format.lostEvents(lost));
  }

  /**
   * Prints every user map the way bpftrace does when a run ends. bpftrace writes the two
   * newlines before them to stdout even when the maps go to an -o file: `separator` is stdout.
   */
  printExitMaps(separator: OutputWriter = this.out): void {
    separator.write('\n\n');
    if (separator !== this.out) separator.flush();
    const maps = this.obj.maps.flatMap((spec, i) => (spec.role === 'user' && spec.user ? [{ spec, entries: this.maps.readMap(i) }] : []));
    for (const m of sortByMapName(maps)) this.out.write(this.format.map(m.spec, m.entries));
  }

  private notice(text: string): void {
    if (this.format.noticesInOutput) {
      this.out.write(text);
      return;
    }
    // Whatever was printed before the notice comes first.
    this.out.flush();
    this.stderr(text);
  }

  private error(message: string): void {
    this.out.flush();
    this.stderr(`ERROR: ${message}\n`);
  }
}
