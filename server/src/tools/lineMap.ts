// Which line of the original server each line of a generated file came from. The code
// generator keeps one while it writes NAME.bpf.c and stores it beside it as
// NAME.bpf.c.map.json, so that a verifier error in the generated file can also be shown on the
// handler line the user wrote. Plain JSON, no source-map VLQ: the files are small and a human
// should be able to read the map when a mapping looks wrong.
import { readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';

export const LINE_MAP_VERSION = 1;
export const LINE_MAP_SUFFIX = '.map.json';

/** Lines `generated[0]..generated[1]` (1-based, inclusive) of the generated file came from `line` of `sources[source]`. */
export interface LineMapSpan {
  generated: [number, number];
  source: number;
  /** 1-based line in the original file. */
  line: number;
}

export interface LineMap {
  version: typeof LINE_MAP_VERSION;
  /** The generated file's name (no directory), e.g. "kv-cache.bpf.c". */
  generated: string;
  /** Original files; relative paths are relative to the directory holding the map. */
  sources: string[];
  /** Sorted by start line, not overlapping. Unmapped generated lines (boilerplate) have no span. */
  spans: LineMapSpan[];
}

export interface OriginalLine {
  /** As stored in the map (see `resolveOriginal` for an absolute path). */
  file: string;
  line: number;
}

export class LineMapError extends Error {}

/** Builds a map while the generator emits lines; mapping a line twice keeps the last origin. */
export class LineMapBuilder {
  private readonly sources: string[] = [];
  private readonly origins = new Map<number, { source: number; line: number }>();

  constructor(private readonly generatedName: string) {}

  /** Generated line `generatedLine` (1-based) came from `originalFile`:`originalLine`. */
  map(generatedLine: number, originalFile: string, originalLine: number): this {
    return this.mapRange(generatedLine, generatedLine, originalFile, originalLine);
  }

  /** Every generated line from `from` to `to` (inclusive) came from one original line, e.g. an inlined memcmp. */
  mapRange(from: number, to: number, originalFile: string, originalLine: number): this {
    checkLine(from, 'generated line');
    checkLine(to, 'generated line');
    checkLine(originalLine, 'original line');
    if (to < from) throw new LineMapError(`generated range ${from}..${to} is empty`);
    let source = this.sources.indexOf(originalFile);
    if (source < 0) source = this.sources.push(originalFile) - 1;
    for (let line = from; line <= to; line++) this.origins.set(line, { source, line: originalLine });
    return this;
  }

  build(): LineMap {
    const lines = [...this.origins.keys()].sort((a, b) => a - b);
    const spans: LineMapSpan[] = [];
    for (const generatedLine of lines) {
      const origin = this.origins.get(generatedLine)!;
      const last = spans[spans.length - 1];
      // Consecutive generated lines with the same origin share one span, which keeps the
      // file short for the long expansions (packet parsing, inlined byte loops).
      if (last && last.generated[1] === generatedLine - 1 && last.source === origin.source && last.line === origin.line) {
        last.generated[1] = generatedLine;
      } else {
        spans.push({ generated: [generatedLine, generatedLine], source: origin.source, line: origin.line });
      }
    }
    return { version: LINE_MAP_VERSION, generated: this.generatedName, sources: [...this.sources], spans };
  }
}

/**
 * Writes text line by line and records where each line came from, so a generator does not
 * count lines itself. `origin` applies to every line of a multi-line `text`.
 */
export class MappedTextWriter {
  private readonly lines: string[] = [];
  private readonly builder: LineMapBuilder;

  constructor(generatedName: string) {
    this.builder = new LineMapBuilder(generatedName);
  }

  /** The 1-based number the next written line will get. */
  get nextLine(): number {
    return this.lines.length + 1;
  }

  write(text: string, origin?: OriginalLine): this {
    const added = text.replace(/\n$/, '').split('\n');
    const first = this.nextLine;
    this.lines.push(...added);
    if (origin) this.builder.mapRange(first, first + added.length - 1, origin.file, origin.line);
    return this;
  }

  text(): string {
    return this.lines.length ? this.lines.join('\n') + '\n' : '';
  }

  lineMap(): LineMap {
    return this.builder.build();
  }
}

function checkLine(n: number, what: string): void {
  if (!Number.isInteger(n) || n < 1) throw new LineMapError(`${what} must be an integer >= 1, got ${n}`);
}

/** The original line a generated line (1-based) came from, or undefined for generated-only lines. */
export function originalLineOf(map: LineMap, generatedLine: number): OriginalLine | undefined {
  let low = 0;
  let high = map.spans.length - 1;
  while (low <= high) {
    const mid = (low + high) >> 1;
    const span = map.spans[mid];
    if (generatedLine < span.generated[0]) high = mid - 1;
    else if (generatedLine > span.generated[1]) low = mid + 1;
    else return { file: map.sources[span.source], line: span.line };
  }
  return undefined;
}

/** An original file named in the map, as an absolute path; `mapDir` is the directory holding the map. */
export function resolveOriginal(mapDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(mapDir, file);
}

export function lineMapPath(generatedPath: string): string {
  return generatedPath + LINE_MAP_SUFFIX;
}

export function serializeLineMap(map: LineMap): string {
  return JSON.stringify(map, null, 1) + '\n';
}

/** Checks the shape of a parsed map; throws LineMapError naming what is wrong. */
export function parseLineMap(text: string, where = 'line map'): LineMap {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new LineMapError(`${where}: not JSON (${(e as Error).message})`);
  }
  const fail = (why: string): never => {
    throw new LineMapError(`${where}: ${why}`);
  };
  if (typeof data !== 'object' || data === null) return fail('expected an object');
  const map = data as Partial<LineMap>;
  if (map.version !== LINE_MAP_VERSION) fail(`unsupported version ${String(map.version)} (expected ${LINE_MAP_VERSION})`);
  if (typeof map.generated !== 'string') fail('"generated" must be a file name');
  if (!Array.isArray(map.sources) || !map.sources.every((s) => typeof s === 'string')) fail('"sources" must be a list of paths');
  if (!Array.isArray(map.spans)) fail('"spans" must be a list');
  let previousEnd = 0;
  map.spans!.forEach((span, i) => {
    const ok =
      span && Array.isArray(span.generated) && span.generated.length === 2 &&
      span.generated.every((n) => Number.isInteger(n) && n >= 1) && span.generated[0] <= span.generated[1] &&
      Number.isInteger(span.source) && span.source >= 0 && span.source < map.sources!.length &&
      Number.isInteger(span.line) && span.line >= 1;
    if (!ok) fail(`span ${i} is malformed: ${JSON.stringify(span)}`);
    if (span.generated[0] <= previousEnd) fail(`span ${i} overlaps or is out of order`);
    previousEnd = span.generated[1];
  });
  return map as LineMap;
}

export type LineMapLoad =
  | { status: 'loaded'; map: LineMap; path: string }
  | { status: 'missing'; path: string }
  | { status: 'invalid'; path: string; reason: string };

/** Reads NAME.bpf.c.map.json beside `generatedPath`; never throws. */
export function readLineMap(generatedPath: string): LineMapLoad {
  const path = lineMapPath(generatedPath);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { status: 'missing', path };
    return { status: 'invalid', path, reason: (e as Error).message };
  }
  try {
    return { status: 'loaded', map: parseLineMap(text, path), path };
  } catch (e) {
    return { status: 'invalid', path, reason: (e as Error).message };
  }
}

/** For generators that write files directly; the code action puts serializeLineMap's text into its WorkspaceEdit instead. */
export function writeLineMap(generatedPath: string, map: LineMap): string {
  const path = lineMapPath(generatedPath);
  writeFileSync(path, serializeLineMap(map));
  return path;
}
