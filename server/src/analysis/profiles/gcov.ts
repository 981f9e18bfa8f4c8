// gcov's JSON intermediate format (`gcov --json-format`, gcc 9 and later): a gzipped
// <name>.gcov.json.gz per object file, or plain JSON on stdout with `--stdout`, one document
// per line when several files are processed. Branch arcs are only listed when gcov ran with
// --branch-probabilities (-b); without it every line's "branches" is empty.
import { gunzipSync } from 'node:zlib';
import * as path from 'node:path';
import { ProfileFormatError, type BranchSite, type FileProfile, type FunctionProfile, type LineCount, type Profile } from './types';
import { mergeFileProfiles } from './merge';

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : 0);

/** Text of a possibly gzipped buffer. */
export function decodeMaybeGzip(data: Buffer | Uint8Array | string): string {
  if (typeof data === 'string') return data;
  const bytes = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  if (bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString('utf8');
    } catch (error) {
      throw new ProfileFormatError(`corrupt gzip data: ${(error as Error).message}`);
    }
  }
  return bytes.toString('utf8');
}

/** One JSON document, or several separated by newlines (gcov --stdout with several inputs). */
export function parseJsonDocuments(text: string, what: string): unknown[] {
  const trimmed = text.trim();
  if (!trimmed) throw new ProfileFormatError(`${what}: empty input`);
  try {
    return [JSON.parse(trimmed)];
  } catch (whole) {
    const lines = trimmed.split('\n').filter((l) => l.trim());
    if (lines.length < 2) throw new ProfileFormatError(`${what}: not JSON (${(whole as Error).message})`);
    return lines.map((line, i) => {
      try {
        return JSON.parse(line);
      } catch (error) {
        throw new ProfileFormatError(`${what}: document ${i + 1} is not JSON (${(error as Error).message})`);
      }
    });
  }
}

function parseGcovFile(entry: Json, cwd: string | undefined): FileProfile {
  const name = typeof entry.file === 'string' ? entry.file : '';
  if (!name) throw new ProfileFormatError('gcov JSON: a file entry has no "file" name');
  const file = path.isAbsolute(name) || !cwd ? path.normalize(name) : path.join(cwd, name);
  const byLine = new Map<number, number>();
  const branches: BranchSite[] = [];
  for (const line of Array.isArray(entry.lines) ? entry.lines : []) {
    if (!isObject(line) || typeof line.line_number !== 'number') continue;
    // A line shared by several functions (inlined or macro-expanded code) is listed once per
    // function; the line as a whole ran the sum of those counts.
    byLine.set(line.line_number, (byLine.get(line.line_number) ?? 0) + count(line.count));
    const arcs = Array.isArray(line.branches) ? line.branches.filter(isObject) : [];
    if (arcs.length > 0) {
      branches.push({
        line: line.line_number,
        outcomes: arcs.map((arc) => ({
          kind: arc.throw === true ? ('throw' as const) : arc.fallthrough === true ? ('fallthrough' as const) : ('jump' as const),
          count: count(arc.count),
        })),
      });
    }
  }
  const functions: FunctionProfile[] = [];
  for (const fn of Array.isArray(entry.functions) ? entry.functions : []) {
    if (!isObject(fn) || typeof fn.name !== 'string') continue;
    const demangled = typeof fn.demangled_name === 'string' ? fn.demangled_name : fn.name;
    functions.push({
      name: demangled,
      rawName: fn.name,
      startLine: typeof fn.start_line === 'number' ? fn.start_line : undefined,
      endLine: typeof fn.end_line === 'number' ? fn.end_line : undefined,
      executionCount: count(fn.execution_count),
    });
  }
  const lines: LineCount[] = [...byLine].map(([line, c]) => ({ line, count: c })).sort((a, b) => a.line - b.line);
  return { file, lines, branches, functions };
}

/**
 * Parses gcov JSON (gzipped or plain, one or several documents) into a Profile. Relative file
 * names are resolved against the document's current_working_directory.
 */
export function parseGcovJson(data: Buffer | Uint8Array | string, origin: string): Profile {
  const docs = parseJsonDocuments(decodeMaybeGzip(data), `gcov JSON ${origin}`);
  let toolVersion: string | undefined;
  const files: FileProfile[] = [];
  for (const doc of docs) {
    if (!isObject(doc) || !Array.isArray(doc.files)) {
      throw new ProfileFormatError(`gcov JSON ${origin}: no "files" array (is this gcov --json-format output?)`);
    }
    if (typeof doc.gcc_version === 'string') toolVersion = doc.gcc_version;
    const cwd = typeof doc.current_working_directory === 'string' ? doc.current_working_directory : undefined;
    for (const entry of doc.files) if (isObject(entry)) files.push(parseGcovFile(entry, cwd));
  }
  return { tool: 'gcov', toolVersion, origin, files: mergeFileProfiles(files) };
}
