// Reads a V8 .cpuprofile (written by node --cpu-prof) and says where the time went: self time
// (the function itself was running) and total time (it was on the stack), per function.
import { existsSync, readFileSync } from 'node:fs';
import { SourceMap } from 'node:module';
import * as path from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  /** "name (file:line)", lines 1-based. */
  name: string;
  selfMs: number;
  totalMs: number;
}

export interface ProfileSummary {
  /** Sampled time in total, idle included. */
  wallMs: number;
  /** Sampled time running code (inside `within` when given); idle and garbage collection excluded. */
  busyMs: number;
  garbageCollectionMs: number;
  bySelf: HotFunction[];
  byTotal: HotFunction[];
}

const NOT_CODE = new Set(['(idle)', '(program)', '(garbage collector)', '(root)']);

const sourceMaps = new Map<string, SourceMap | undefined>();

/** The bundle's source map, so that a frame names the TypeScript file rather than dist/server.js. */
function sourceMapOf(file: string): SourceMap | undefined {
  if (!sourceMaps.has(file)) {
    const mapFile = `${file}.map`;
    sourceMaps.set(file, existsSync(mapFile) ? new SourceMap(JSON.parse(readFileSync(mapFile, 'utf8'))) : undefined);
  }
  return sourceMaps.get(file);
}

function describe(node: ProfileNode): string {
  const { functionName, url, lineNumber, columnNumber } = node.callFrame;
  const name = functionName || '(anonymous)';
  if (!url) return name;
  const file = url.replace(/^file:\/\//, '');
  const entry = (url.startsWith('file://') ? sourceMapOf(file)?.findEntry(lineNumber, columnNumber) : undefined) as
    | { originalSource?: string; originalLine?: number }
    | undefined;
  if (entry?.originalSource && entry.originalLine !== undefined) {
    const source = entry.originalSource.replace(/^.*?(server\/src\/|node_modules\/)/, '$1');
    return `${name} (${source}:${entry.originalLine + 1})`;
  }
  return `${name} (${path.basename(file)}:${lineNumber + 1})`;
}

/**
 * Where the time of a profile went. With `within`, only samples with a function of that name on
 * the stack count (e.g. "analyzeFile": the per-document analysis, without start-up work).
 */
export function summarizeProfile(file: string, top = 15, within?: string): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let wallUs = 0;
  let busyUs = 0;
  let gcUs = 0;
  profile.samples.forEach((id, i) => {
    // A sample's duration is the gap to the next sample.
    const us = profile.timeDeltas[i + 1] ?? 0;
    wallUs += us;
    const node = byId.get(id);
    if (!node) return;
    const name = node.callFrame.functionName;
    if (name === '(garbage collector)') gcUs += us;
    if (NOT_CODE.has(name)) return;
    if (within && !onStackNamed(id, within)) return;
    busyUs += us;
    const leaf = describe(node);
    self.set(leaf, (self.get(leaf) ?? 0) + us);
    // Recursion must not count a sample twice for one function.
    const onStack = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at);
      if (!frame || NOT_CODE.has(frame.callFrame.functionName)) continue;
      onStack.add(describe(frame));
    }
    for (const name of onStack) total.set(name, (total.get(name) ?? 0) + us);
  });

  function onStackNamed(id: number, functionName: string): boolean {
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      if (byId.get(at)?.callFrame.functionName === functionName) return true;
    }
    return false;
  }

  const ranked = (map: Map<string, number>, key: 'selfMs' | 'totalMs') =>
    [...map.keys()]
      .map((name) => ({ name, selfMs: (self.get(name) ?? 0) / 1000, totalMs: (total.get(name) ?? 0) / 1000 }))
      .sort((a, b) => b[key] - a[key])
      .slice(0, top);
  return {
    wallMs: wallUs / 1000,
    busyMs: busyUs / 1000,
    garbageCollectionMs: gcUs / 1000,
    bySelf: ranked(self, 'selfMs'),
    byTotal: ranked(total, 'totalMs'),
  };
}
