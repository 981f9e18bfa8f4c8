// Path shares when there is no profile. These are guesses and every estimate built on them
// says so (ShareSource kind 'static').
import type { ShareSource } from './types';

export interface StaticPathHint {
  id: string;
  /** Error handling, malformed input, drops: assumed rare, as static branch prediction does. */
  isErrorPath?: boolean;
}

/** Share given to all error paths together when there are normal paths too. */
export const ERROR_PATHS_SHARE = 0.1;

/**
 * Error paths share 10% of requests equally, the other paths share the rest equally; when every
 * path is an error path (or none is), all share equally.
 */
export function staticShares(paths: StaticPathHint[]): { shares: Map<string, number>; source: ShareSource } {
  const shares = new Map<string, number>();
  const errors = paths.filter((p) => p.isErrorPath);
  const normal = paths.filter((p) => !p.isErrorPath);
  if (errors.length === 0 || normal.length === 0) {
    for (const p of paths) shares.set(p.id, 1 / paths.length);
    return { shares, source: { kind: 'static', heuristic: `${paths.length} paths assumed equally likely` } };
  }
  for (const p of errors) shares.set(p.id, ERROR_PATHS_SHARE / errors.length);
  for (const p of normal) shares.set(p.id, (1 - ERROR_PATHS_SHARE) / normal.length);
  return {
    shares,
    source: {
      kind: 'static',
      heuristic: `error paths assumed to carry ${ERROR_PATHS_SHARE * 100}% of requests together, the other ${normal.length} paths equally likely`,
    },
  };
}
