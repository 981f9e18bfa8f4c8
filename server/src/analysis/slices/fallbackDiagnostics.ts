// Fallback points as diagnostics: where a request path has to leave the kernel, and why. These
// are a family of their own, not rules: a rule says "this construct cannot run in BPF" (Error,
// Warning, Information); a fallback diagnostic says "this request path ends in userspace here"
// and is a Hint, the severity issue 3 leaves for offload slices. Keeping them out of RULES
// means no kernel-proof fixture is expected for them and the corpus report does not count
// them; they are documented in docs/entries-and-slices.md#fallback-diagnostics instead.
import { Severity, type AnalysisDiagnostic, type RelatedInformation } from '../model';
import { ruleDocUrl } from '../rules/definitions';
import { ANALYSIS_LIMIT_CODE, ANALYSIS_LIMIT_DOCS_URL } from '../analysisLimit';
import type { RequestEntry } from '../entries';
import type { EntrySlices, SlicePath } from './types';

export const OFFLOAD_FALLBACK_CODE = 'offload-fallback';
export const OFFLOAD_DIAGNOSTIC_CODES: readonly string[] = [OFFLOAD_FALLBACK_CODE];
export const OFFLOAD_DOCS_URL = 'https://github.com/bpf-offload/bpf-offload/blob/main/docs/entries-and-slices.md#fallback-diagnostics';

export function isOffloadDiagnosticCode(code: string): boolean {
  return OFFLOAD_DIAGNOSTIC_CODES.includes(code);
}

/** The documentation link of any diagnostic code the analysis produces (rules and fallbacks). */
export function diagnosticDocUrl(code: string): string {
  if (code === ANALYSIS_LIMIT_CODE) return ANALYSIS_LIMIT_DOCS_URL;
  return isOffloadDiagnosticCode(code) ? OFFLOAD_DOCS_URL : ruleDocUrl(code);
}

/** What a fallback diagnostic carries in `data`, for hovers and code actions. */
export interface FallbackDiagnosticData {
  entryId: string;
  /** Slice path ids that fall back at this point. */
  paths: string[];
  /** The rule whose Error makes the path fall back, or no-kernel-stand-in when the split does. */
  ruleCode: string;
}

const key = (p: SlicePath) => {
  const f = p.fallback!;
  return `${f.file}:${f.range.start.line}:${f.range.start.character}:${f.range.end.line}:${f.range.end.character}:${f.code}`;
};

function handoverText(path: SlicePath): string {
  const h = path.handover;
  if (!h) return '';
  return h.decisionIndex < 0 ? h.description : `at line ${h.range.start.line + 1}, ${h.description}`;
}

/** "The kernel half hands it over …" for one path, one clause per path for several. */
function handoverSentence(paths: SlicePath[]): string {
  const withHandover = paths.filter((p) => p.handover);
  if (withHandover.length === 0) return '';
  if (paths.length === 1) return ` The kernel half hands it over ${handoverText(paths[0])}.`;
  return ` The kernel half hands them over earlier: ${withHandover.map((p) => `${p.id} ${handoverText(p)}`).join('; ')}.`;
}

/**
 * One Hint per distinct fallback point of an entry's paths (paths sharing a point share the
 * diagnostic), saying which paths end in userspace there, the rule that forces it and where
 * the kernel half hands the packet over.
 */
export function fallbackDiagnostics(entries: readonly RequestEntry[], slices: readonly EntrySlices[]): AnalysisDiagnostic[] {
  const diagnostics: AnalysisDiagnostic[] = [];
  for (const entrySlices of slices) {
    const entry = entries.find((e) => e.id === entrySlices.entryId);
    const entryName = entry?.handler ?? entry?.name ?? entrySlices.function;
    const groups = new Map<string, SlicePath[]>();
    for (const path of entrySlices.paths) {
      if (path.endsIn !== 'userspace' || !path.fallback) continue;
      const list = groups.get(key(path)) ?? [];
      list.push(path);
      groups.set(key(path), list);
    }
    for (const paths of groups.values()) {
      const fallback = paths[0].fallback!;
      const ids = paths.map((p) => p.id);
      const which = paths.length === 1 ? `Request path ${ids[0]} of ${entryName} falls` : `Request paths ${ids.join(', ')} of ${entryName} fall`;
      const via = fallback.viaCall ? ` (inside ${fallback.viaCall.callee}(), called at line ${fallback.viaCall.range.start.line + 1})` : '';
      const handover = handoverSentence(paths);
      const related: RelatedInformation[] = [];
      for (const path of paths) {
        if (path.handover) {
          related.push({ location: { file: entrySlices.file, range: path.handover.range }, message: `${path.id} is handed over to userspace here (${path.handover.description})` });
        }
      }
      if (fallback.viaCall) related.push({ location: { file: entrySlices.file, range: fallback.viaCall.range }, message: `the path calls ${fallback.viaCall.callee}() here` });
      const data: FallbackDiagnosticData = { entryId: entrySlices.entryId, paths: ids, ruleCode: fallback.code };
      diagnostics.push({
        file: fallback.file,
        range: fallback.range,
        severity: Severity.Hint,
        code: OFFLOAD_FALLBACK_CODE,
        message: `${which} back to userspace here${via}: ${fallback.message.replace(/\.\s*$/, '')} [${fallback.code}].${handover}`,
        ...(related.length ? { related } : {}),
        data,
      });
    }
  }
  return diagnostics;
}
