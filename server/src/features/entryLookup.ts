// What the editor features (hover, code lens, code actions, regions) share: the analysis of a
// document's current version, the cost estimates priced with the profile and calibration that
// are loaded NOW (a hover right after the profile changed must not show the old mix), and the
// entry / slice path under a position.
import type { CancellationToken } from 'vscode-languageserver/node';
import type { RequestEntry } from '../analysis/entries';
import type { Position, Range } from '../analysis/model';
import { analyzeOffload, type OffloadEstimate } from '../analysis/offload';
import type { EntrySlices, SlicePath } from '../analysis/slices';
import type { Analyzer, DocumentAnalysis } from '../analyzer';
import type { Settings } from '../settings';
import type { SettingsProvider } from './configuration';
import type { OffloadContext, ProfilesFeature } from './profiles';

export interface FeatureDeps {
  analyzer: Analyzer;
  settings: SettingsProvider;
  profiles: ProfilesFeature;
}

export interface CurrentAnalysis {
  result: DocumentAnalysis;
  settings: Settings;
  context: OffloadContext;
  /** Estimates priced with `context` (not necessarily the ones computed at analysis time). */
  estimates: OffloadEstimate[];
}

/**
 * How long a request waits for the analysis of the document's current version before answering
 * without it: the analysis runs on its own thread and may take seconds on a big file, and every
 * request must be answered within 2 s (issue 7).
 */
export const REQUEST_WAIT_MS = 1_000;

/**
 * The document's analysis for its current version (awaited up to REQUEST_WAIT_MS if it is still
 * running; undefined after that), with estimates priced against the profile and calibration on
 * disk now. Never analyses by itself: the diagnostics feature schedules every version.
 */
export async function currentAnalysis(deps: FeatureDeps, uri: string, token?: CancellationToken): Promise<CurrentAnalysis | undefined> {
  const open = deps.analyzer.getDocument(uri);
  if (!open) return undefined;
  const settings = await deps.settings.get(uri);
  const context = await deps.profiles.contextFor(uri, settings);
  if (token?.isCancellationRequested) return undefined;
  const result = await deps.analyzer.whenAnalyzed(uri, REQUEST_WAIT_MS);
  if (!result) return undefined;
  const estimates = analyzeOffload(result.analysis, context.options);
  return { result, settings, context, estimates };
}

export const before = (a: Position, b: Position) => a.line < b.line || (a.line === b.line && a.character < b.character);
export const contains = (range: Range, p: Position) => !before(p, range.start) && !before(range.end, p);
const onLine = (range: Range, line: number) => range.start.line <= line && line <= range.end.line;

export interface EntryAtPosition {
  entry: RequestEntry;
  slices?: EntrySlices;
  estimate?: OffloadEstimate;
  /** Paths whose statements cover the position's line (empty on the entry's signature, say). */
  paths: SlicePath[];
}

/**
 * The entry whose function, handler or slice covers a position. The innermost wins: a position
 * in a handler called from a receive loop belongs to the entry of that handler.
 */
export function entryAt(current: CurrentAnalysis, position: Position): EntryAtPosition | undefined {
  const { analysis } = current.result;
  const candidates: { entry: RequestEntry; size: number }[] = [];
  for (const entry of analysis.entries) {
    const slices = analysis.slices.find((s) => s.entryId === entry.id);
    const handler = slices ? analysis.summary.functions.find((f) => f.name === slices.function) : undefined;
    const scopes = [entry.range, ...(handler ? [handler.range] : []), ...(slices?.offloadableRegion ?? [])];
    for (const scope of scopes) {
      if (contains(scope, position)) candidates.push({ entry, size: scope.end.line - scope.start.line });
    }
  }
  candidates.sort((a, b) => a.size - b.size);
  const entry = candidates[0]?.entry;
  if (!entry) return undefined;
  const slices = analysis.slices.find((s) => s.entryId === entry.id);
  const estimate = current.estimates.find((e) => e.entryId === entry.id);
  const paths = slices?.paths.filter((p) => p.ranges.some((r) => onLine(r, position.line))) ?? [];
  return { entry, ...(slices ? { slices } : {}), ...(estimate ? { estimate } : {}), paths };
}
