// tracefs: where tracepoints are described. We read `events/CAT/EVENT/format` (record layout)
// and `id` (for perf_event_open), and list events for wildcards. tracefs is not mounted at boot
// on every machine, so `locateTracefs` mounts it when needed.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import type { TracepointField, TracepointFormat } from '../lang/env.ts';
import { lastErrno, libc, SyscallError } from './libc.ts';

const TRACEFS = '/sys/kernel/tracing';
const DEBUGFS_TRACING = '/sys/kernel/debug/tracing';

/** The tracefs root with an `events/` directory, mounting tracefs at `mountPoint` if it is not
 *  there yet (falling back to debugfs's tracing directory); throws if there is none. */
export function locateTracefs(mountPoint = TRACEFS): string {
  if (existsSync(`${mountPoint}/events`)) return mountPoint;
  if (existsSync(mountPoint) && libc().mount('nodev', mountPoint, 'tracefs', 0, null) === 0 && existsSync(`${mountPoint}/events`)) {
    return mountPoint;
  }
  const errno = lastErrno();
  if (existsSync(`${DEBUGFS_TRACING}/events`)) return DEBUGFS_TRACING;
  throw new SyscallError(`mounting tracefs at ${mountPoint}`, errno);
}

// `field:const char * filename;	offset:24;	size:8;	signed:0;`
const FIELD_LINE = /^\s*field:(.*?);\s*offset:(\d+);\s*size:(\d+);\s*signed:(\d+);/;

/** Parses one tracepoint `format` file; common_* header fields are left out. */
export function parseFormat(text: string, category: string, event: string, id: number): TracepointFormat {
  const fields: TracepointField[] = [];
  for (const line of text.split('\n')) {
    const m = FIELD_LINE.exec(line);
    if (!m) continue;
    const decl = parseDeclaration(m[1]!);
    if (decl.name.startsWith('common_')) continue;
    fields.push({
      name: decl.name,
      cType: decl.cType,
      offset: Number(m[2]),
      size: Number(m[3]),
      signed: m[4] === '1',
      isCharArray: decl.isCharArray,
    });
  }
  return { category, event, id, fields };
}

/** Splits `const char * filename` / `char comm[16]` / `__data_loc char[] name` into name and type. */
function parseDeclaration(decl: string): { name: string; cType: string; isCharArray: boolean } {
  const m = /^(.*?)([A-Za-z_][A-Za-z0-9_]*)\s*(\[[^\]]*\])?\s*$/.exec(decl.trim());
  if (!m) return { name: decl.trim(), cType: '', isCharArray: false };
  const base = m[1]!.trim();
  const dims = m[3];
  if (dims === undefined) return { name: m[2]!, cType: base, isCharArray: false };
  const isCharArray = /^(const\s+)?char$/.test(base) && /^\[\d+\]$/.test(dims);
  return { name: m[2]!, cType: `${base}${dims}`, isCharArray };
}

/** Turns a glob with `*` and `?` into an anchored RegExp. */
export function globToRegExp(glob: string): RegExp {
  const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`);
}

/** Read access to one tracefs mount; directory listings are cached per instance. */
export class Tracefs {
  private categories: string[] | undefined;
  private readonly events = new Map<string, string[]>();

  constructor(readonly root: string) {}

  /** The format of CAT:EVENT, or undefined if there is no such tracepoint. */
  format(category: string, event: string): TracepointFormat | undefined {
    if (!isName(category) || !isName(event)) return undefined;
    const dir = `${this.root}/events/${category}/${event}`;
    let text: string;
    let id: number;
    try {
      text = readFileSync(`${dir}/format`, 'utf8');
      id = Number(readFileSync(`${dir}/id`, 'utf8').trim());
    } catch {
      return undefined;
    }
    return parseFormat(text, category, event, id);
  }

  /** Tracepoints matching the globs, sorted by category then event. */
  list(categoryGlob: string, eventGlob: string): { category: string; event: string }[] {
    const catRe = globToRegExp(categoryGlob);
    const evRe = globToRegExp(eventGlob);
    const out: { category: string; event: string }[] = [];
    for (const category of this.listCategories()) {
      if (!catRe.test(category)) continue;
      for (const event of this.listEvents(category)) if (evRe.test(event)) out.push({ category, event });
    }
    return out;
  }

  /** Functions kprobes may attach to (`available_filter_functions`), or null where that file
   *  does not exist (no ftrace). */
  traceableFunctions(): string[] | null {
    try {
      return parseFilterFunctions(readFileSync(`${this.root}/available_filter_functions`, 'utf8'));
    } catch {
      return null;
    }
  }

  /** Whether the legacy kprobe interface exists. */
  get hasKprobeEvents(): boolean {
    return existsSync(`${this.root}/kprobe_events`);
  }

  private listCategories(): string[] {
    this.categories ??= subdirectories(`${this.root}/events`);
    return this.categories;
  }

  private listEvents(category: string): string[] {
    let evs = this.events.get(category);
    if (!evs) {
      evs = subdirectories(`${this.root}/events/${category}`);
      this.events.set(category, evs);
    }
    return evs;
  }
}

/** Function names of an `available_filter_functions` file (`name` or `name [module]` per line),
 *  sorted and without duplicates (static functions may appear more than once). */
export function parseFilterFunctions(text: string): string[] {
  const names = new Set<string>();
  for (const line of text.split('\n')) {
    const name = line.split(/\s/, 1)[0];
    // `__ftrace_invalid_address___NNN` entries stand for functions ftrace could not name.
    if (name && !name.startsWith('__ftrace_invalid_address__')) names.add(name);
  }
  return [...names].sort();
}

function isName(s: string): boolean {
  return /^[A-Za-z0-9_.-]+$/.test(s);
}

function subdirectories(dir: string): string[] {
  try {
    return readdirSync(dir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name)
      .sort();
  } catch {
    return [];
  }
}
