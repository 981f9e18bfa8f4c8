// A code lens above each request entry: one line with what the analysis concluded — paths,
// how many finish in the kernel, the expected saving and the verdict — priced with the profile
// and calibration loaded now. Clicking it shows the entry's hover (client command).
import type { CancellationToken, CodeLens, CodeLensParams } from 'vscode-languageserver/node';
import type { RequestEntry } from '../analysis/entries';
import type { OffloadEstimate } from '../analysis/offload';
import type { EntrySlices } from '../analysis/slices';
import { SHOW_DETAILS_COMMAND } from '../protocol';
import { currentAnalysis, type FeatureDeps } from './entryLookup';
import { formatShare } from './hover';

function formatSaving(ns: number): string {
  const magnitude = Math.abs(ns);
  const text = magnitude >= 1000 ? `${(magnitude / 1000).toFixed(1)} µs` : `${Math.round(magnitude)} ns`;
  return ns < 0 ? `costs ~${text} more` : `saves ~${text}`;
}

const VERDICTS = { offload: 'offload', 'offload-some': 'offload some paths', 'dont-offload': "don't offload" } as const;

/** The lens line of one entry (without the command). */
export function lensTitle(entry: RequestEntry, slices: EntrySlices | undefined, estimate: OffloadEstimate | undefined): string {
  if (!slices) return `BPF Offload: ${entry.summary}`;
  const kernel = slices.paths.filter((p) => p.endsIn === 'kernel');
  const count = `${slices.paths.length}${slices.capped ? '+' : ''} paths`;
  const names = kernel.length && kernel.length <= 3 ? ` (${kernel.map((p) => p.id).join(', ')})` : '';
  const head = `BPF Offload: ${count}, ${kernel.length} in kernel${names}`;
  const e = estimate?.estimate;
  if (!e) return `${head} · no estimate (${estimate?.error ?? 'not priced'})`;
  const mix = e.shareSource.kind === 'profile' ? `${formatShare(e.kernelShare)} in kernel, profiled` : `${formatShare(e.kernelShare)} in kernel, static guess`;
  return `${head} · ${formatSaving(e.expectedSavingNs)}/request at ${mix} · ${VERDICTS[e.verdict.kind]}`;
}

export function createCodeLensHandler(deps: FeatureDeps) {
  return async (params: CodeLensParams, token: CancellationToken): Promise<CodeLens[]> => {
    const current = await currentAnalysis(deps, params.textDocument.uri, token);
    if (!current) return [];
    const { analysis } = current.result;
    return analysis.entries.map((entry) => {
      const slices = analysis.slices.find((s) => s.entryId === entry.id);
      const estimate = current.estimates.find((e) => e.entryId === entry.id);
      const range = { start: entry.nameRange.start, end: entry.nameRange.start };
      return {
        range,
        command: { title: lensTitle(entry, slices, estimate), command: SHOW_DETAILS_COMMAND, arguments: [params.textDocument.uri, entry.nameRange.start] },
      };
    });
  };
}
