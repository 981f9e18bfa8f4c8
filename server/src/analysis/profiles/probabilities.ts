// From counts to the numbers the cost model takes: how many requests a handler saw and which
// share of them took each path. A path is described as plain data by lines (1-based) that run
// exactly once per request taking that path, e.g. the first line of a branch body.
import * as path from 'node:path';
import type { ShareSource } from '../cost/types';
import type { BranchOutcome, FileProfile, Profile } from './types';
import { groupedThousands } from '../numberText';

/**
 * The profile's record for a source file: the same absolute path, or else the record whose
 * path shares the longest tail of path components with it (profiles made on a build machine,
 * or relative names). Undefined when not even the file name matches.
 */
export function findFileProfile(profile: Profile, file: string): FileProfile | undefined {
  const wanted = path.normalize(file).split(/[\\/]+/).filter(Boolean);
  let best: FileProfile | undefined;
  let bestScore = 0;
  for (const candidate of profile.files) {
    const parts = candidate.file.split(/[\\/]+/).filter(Boolean);
    let score = 0;
    while (score < parts.length && score < wanted.length && parts[parts.length - 1 - score] === wanted[wanted.length - 1 - score]) score++;
    if (score > bestScore) {
      best = candidate;
      bestScore = score;
    }
  }
  return best;
}

/** How many times a function was entered (e.g. requests a handler saw); undefined when absent. */
export function functionExecutions(profile: Profile, file: string, functionName: string): number | undefined {
  const record = findFileProfile(profile, file);
  const matches = record?.functions.filter((f) => f.name === functionName) ?? [];
  if (matches.length === 0) return undefined;
  return matches.reduce((sum, f) => sum + f.executionCount, 0);
}

/** Execution count of a 1-based line; undefined when the line is not executable code in the profile. */
export function lineExecutions(record: FileProfile, line: number): number | undefined {
  return record.lines.find((l) => l.line === line)?.count;
}

export interface OutcomeProbability extends BranchOutcome {
  probability: number;
}

export interface BranchProbabilities {
  line: number;
  column?: number;
  total: number;
  outcomes: OutcomeProbability[];
}

/**
 * Outcomes of every conditional on a 1-based line with their probabilities. llvm-cov gives one
 * site per condition with true/false; gcov gives one site per line with its arcs (for a plain
 * `if`, gcc makes the then-block the fallthrough arc — check against the body's line count
 * before relying on that).
 */
export function branchProbabilities(profile: Profile, file: string, line: number): BranchProbabilities[] {
  const record = findFileProfile(profile, file);
  if (!record) return [];
  return record.branches
    .filter((b) => b.line === line)
    .map((b) => {
      const total = b.outcomes.reduce((sum, o) => sum + o.count, 0);
      return {
        line: b.line,
        column: b.column,
        total,
        outcomes: b.outcomes.map((o) => ({ ...o, probability: total > 0 ? o.count / total : 0 })),
      };
    });
}

export interface PathWitness {
  id: string;
  /** Lines (1-based) that run once for each request taking this path; the smallest count is used. */
  lines: number[];
}

export interface PathShare {
  id: string;
  /** Requests that took this path. */
  count: number;
  share: number;
}

export interface ProfileShares {
  /** Requests the entry function saw (its execution count). */
  requests: number;
  shares: PathShare[];
  /** Share of requests not explained by any listed path (1 − Σ shares; negative when paths overlap). */
  unaccountedShare: number;
  /** Ready to pass to the cost model. */
  source: ShareSource;
  notes: string[];
}

/**
 * Shares of the paths of one entry function from a profile. Throws nothing: a missing file or
 * function yields undefined so the caller falls back to static heuristics and says so.
 */
export function pathSharesFromProfile(
  profile: Profile,
  query: { file: string; functionName: string; paths: PathWitness[] },
): ProfileShares | undefined {
  const record = findFileProfile(profile, query.file);
  if (!record) return undefined;
  const requests = functionExecutions(profile, query.file, query.functionName);
  if (requests === undefined) return undefined;
  const notes: string[] = [];
  if (requests === 0) notes.push(`${query.functionName} never ran in this profile: no shares can be derived`);
  const shares = query.paths.map((p) => {
    const counts = p.lines.map((line) => {
      const c = lineExecutions(record, line);
      if (c === undefined) notes.push(`path ${p.id}: line ${line} has no count in the profile (not executable code, or not compiled)`);
      return c;
    });
    const known = counts.filter((c): c is number => c !== undefined);
    const count = known.length > 0 ? Math.min(...known) : 0;
    return { id: p.id, count, share: requests > 0 ? count / requests : 0 };
  });
  const unaccountedShare = 1 - shares.reduce((sum, s) => sum + s.share, 0);
  return {
    requests,
    shares,
    unaccountedShare,
    source: { kind: 'profile', tool: profile.tool, profile: profile.origin, requests },
    notes,
  };
}

/** One line for a hover or report: which profile, which tool, how many requests. */
export function describeProfile(profile: Profile, requests?: number): string {
  const tool = profile.toolVersion ? `${profile.tool} (${profile.toolVersion})` : profile.tool;
  const covered = requests === undefined ? '' : `, ${groupedThousands(requests)} requests`;
  return `${tool} profile ${profile.origin}: ${profile.files.length} source file(s)${covered}`;
}
