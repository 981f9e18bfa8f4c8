// Several records for one source file appear when a header's code is compiled into several
// objects, or when a program is profiled by several gcov files (one per object) or runs.
// Counts of the same line, branch or function are added.
import { ProfileFormatError, type BranchSite, type FileProfile, type FunctionProfile, type Profile } from './types';

function mergeBranches(into: Map<string, BranchSite>, site: BranchSite): void {
  const key = `${site.line}:${site.column ?? ''}:${site.outcomes.map((o) => o.kind).join(',')}`;
  const existing = into.get(key);
  if (!existing) {
    into.set(key, { ...site, outcomes: site.outcomes.map((o) => ({ ...o })) });
    return;
  }
  site.outcomes.forEach((o, i) => (existing.outcomes[i].count += o.count));
}

export function mergeFileProfiles(files: FileProfile[]): FileProfile[] {
  const byFile = new Map<string, { lines: Map<number, number>; branches: Map<string, BranchSite>; functions: Map<string, FunctionProfile> }>();
  for (const f of files) {
    let acc = byFile.get(f.file);
    if (!acc) {
      acc = { lines: new Map(), branches: new Map(), functions: new Map() };
      byFile.set(f.file, acc);
    }
    for (const l of f.lines) acc.lines.set(l.line, (acc.lines.get(l.line) ?? 0) + l.count);
    for (const b of f.branches) mergeBranches(acc.branches, b);
    for (const fn of f.functions) {
      const key = `${fn.rawName}@${fn.startLine ?? ''}`;
      const existing = acc.functions.get(key);
      if (existing) existing.executionCount += fn.executionCount;
      else acc.functions.set(key, { ...fn });
    }
  }
  return [...byFile].map(([file, acc]) => ({
    file,
    lines: [...acc.lines].map(([line, count]) => ({ line, count })).sort((a, b) => a.line - b.line),
    branches: [...acc.branches.values()].sort((a, b) => a.line - b.line || (a.column ?? 0) - (b.column ?? 0)),
    functions: [...acc.functions.values()],
  }));
}

/** Adds up profiles of the same tool (e.g. one gcov JSON file per object file). */
export function mergeProfiles(profiles: Profile[], origin?: string): Profile {
  if (profiles.length === 0) throw new ProfileFormatError('no profiles to merge');
  const tool = profiles[0].tool;
  if (profiles.some((p) => p.tool !== tool)) throw new ProfileFormatError('cannot merge gcov and llvm-cov profiles: their counts are not comparable');
  return {
    tool,
    toolVersion: profiles[0].toolVersion,
    origin: origin ?? profiles.map((p) => p.origin).join(', '),
    files: mergeFileProfiles(profiles.flatMap((p) => p.files)),
  };
}
