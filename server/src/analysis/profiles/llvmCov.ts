// llvm-cov's export format (`llvm-cov export -format=text -instr-profile=P BINARY`, type
// "llvm.coverage.json.export"). It has no per-line counts: they are derived from the
// segments, the points where the count in effect changes.
//
// Segment: [line, column, count, hasCount, isRegionEntry, isGapRegion].
// Branch:  [line, column, endLine, endColumn, trueCount, falseCount, fileId, expandedFileId, kind].
// Region:  [line, column, endLine, endColumn, count, fileId, expandedFileId, kind].
import * as path from 'node:path';
import { ProfileFormatError, type BranchSite, type FileProfile, type FunctionProfile, type LineCount, type Profile } from './types';
import { decodeMaybeGzip, parseJsonDocuments } from './gcov';
import { mergeFileProfiles } from './merge';

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export interface CoverageSegment {
  line: number;
  column: number;
  count: number;
  hasCount: boolean;
  isRegionEntry: boolean;
  isGap: boolean;
}

function readSegments(raw: unknown): CoverageSegment[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((s): s is unknown[] => Array.isArray(s) && s.length >= 5)
    .map((s) => ({
      line: num(s[0]),
      column: num(s[1]),
      count: Math.max(0, num(s[2])),
      hasCount: s[3] === true,
      isRegionEntry: s[4] === true,
      isGap: s[5] === true,
    }));
}

/**
 * A line's count is the largest count among the regions that start on it, or, when none
 * starts there, the count of the region the line continues (the last segment before it).
 * Lines inside skipped code (a segment without a count) and lines no region covers are not
 * executable and get no entry.
 */
export function lineCountsFromSegments(segments: CoverageSegment[]): LineCount[] {
  const result: LineCount[] = [];
  if (segments.length === 0) return result;
  const lastLine = segments[segments.length - 1].line;
  let next = 0;
  let wrapped: CoverageSegment | undefined;
  for (let line = segments[0].line; line <= lastLine; line++) {
    const onLine: CoverageSegment[] = [];
    while (next < segments.length && segments[next].line === line) onLine.push(segments[next++]);
    const starts = onLine.filter((s) => s.hasCount && s.isRegionEntry && !s.isGap);
    const skipped = onLine.length > 0 && !onLine[0].hasCount && onLine[0].isRegionEntry;
    const mapped = !skipped && (starts.length > 0 || (wrapped?.hasCount ?? false));
    if (mapped) {
      let lineCount = wrapped?.hasCount ? wrapped.count : 0;
      for (const s of starts) lineCount = Math.max(lineCount, s.count);
      result.push({ line, count: lineCount });
    }
    if (onLine.length > 0) wrapped = onLine[onLine.length - 1];
  }
  return result;
}

function readBranches(raw: unknown): BranchSite[] {
  if (!Array.isArray(raw)) return [];
  return raw
    .filter((b): b is unknown[] => Array.isArray(b) && b.length >= 6)
    .map((b) => ({
      line: num(b[0]),
      column: num(b[1]),
      endLine: num(b[2]),
      endColumn: num(b[3]),
      outcomes: [
        { kind: 'true' as const, count: Math.max(0, num(b[4])) },
        { kind: 'false' as const, count: Math.max(0, num(b[5])) },
      ],
    }));
}

// Functions with internal linkage are named "<file>:<name>" so that statics of different
// files do not collide.
function cName(rawName: string): string {
  const colon = rawName.lastIndexOf(':');
  return colon >= 0 ? rawName.slice(colon + 1) : rawName;
}

/** Parses llvm-cov export JSON (plain or gzipped) into a Profile. */
export function parseLlvmCovExport(data: Buffer | Uint8Array | string, origin: string): Profile {
  const docs = parseJsonDocuments(decodeMaybeGzip(data), `llvm-cov export ${origin}`);
  const files: FileProfile[] = [];
  let toolVersion: string | undefined;
  for (const doc of docs) {
    if (!isObject(doc) || doc.type !== 'llvm.coverage.json.export' || !Array.isArray(doc.data)) {
      throw new ProfileFormatError(`llvm-cov export ${origin}: not "llvm.coverage.json.export" JSON (run llvm-cov export -format=text)`);
    }
    if (typeof doc.version === 'string') toolVersion = doc.version;
    for (const export_ of doc.data.filter(isObject)) {
      const byName = new Map<string, FileProfile>();
      for (const f of Array.isArray(export_.files) ? export_.files.filter(isObject) : []) {
        if (typeof f.filename !== 'string') continue;
        const file = path.normalize(f.filename);
        const profile: FileProfile = { file, lines: lineCountsFromSegments(readSegments(f.segments)), branches: readBranches(f.branches), functions: [] };
        byName.set(file, profile);
        files.push(profile);
      }
      for (const fn of Array.isArray(export_.functions) ? export_.functions.filter(isObject) : []) {
        const filenames = Array.isArray(fn.filenames) ? fn.filenames : [];
        if (typeof fn.name !== 'string' || typeof filenames[0] !== 'string') continue;
        const file = path.normalize(filenames[0]);
        let owner = byName.get(file);
        if (!owner) {
          owner = { file, lines: [], branches: [], functions: [] };
          byName.set(file, owner);
          files.push(owner);
        }
        const regions = Array.isArray(fn.regions) ? fn.regions.filter((r): r is unknown[] => Array.isArray(r)) : [];
        const fnProfile: FunctionProfile = {
          name: cName(fn.name),
          rawName: fn.name,
          startLine: regions[0] ? num(regions[0][0]) : undefined,
          endLine: regions[0] ? num(regions[0][2]) : undefined,
          executionCount: Math.max(0, num(fn.count)),
        };
        owner.functions.push(fnProfile);
      }
    }
  }
  return { tool: 'llvm-cov', toolVersion, origin, files: mergeFileProfiles(files) };
}
