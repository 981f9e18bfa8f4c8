// Hover on an entry or any line of its slice: the cost table per request path and, below it,
// where every number came from (profile and requests it covered, or the static heuristic;
// each model parameter's source; the calibration file). Markdown, so VS Code and Neovim both
// render it.
import { MarkupKind, type CancellationToken, type Hover, type HoverParams } from 'vscode-languageserver/node';
import * as path from 'node:path';
import type { OffloadEstimate } from '../analysis/offload';
import type { SlicePath } from '../analysis/slices';
import { currentAnalysis, entryAt, type CurrentAnalysis, type EntryAtPosition, type FeatureDeps } from './entryLookup';
import type { OffloadContext } from './profiles';
import { groupedThousands } from '../analysis/numberText';

/** Backslash-escapes what markdown (and a table cell's `|`) would otherwise interpret. */
export function escapeMarkdown(text: string): string {
  // An underscore inside a word (handle_request) never starts emphasis, so it stays readable.
  return text.replace(/[\\`*[\]<>|~]|(?<!\w)_|_(?!\w)/g, (c) => `\\${c}`);
}

const short = (text: string, max = 60) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);
export const formatNs = (ns: number) => (Math.abs(ns) >= 100 ? groupedThousands(Math.round(ns)) : ns.toFixed(1));
export const formatShare = (share: number) => `${(share * 100).toFixed(1)}%`;

function whereItEnds(path: SlicePath): string {
  const line = (n: number) => `line ${n + 1}`;
  if (path.endsIn === 'kernel') return `kernel: ${path.end.kind} at ${line(path.end.range.start.line)}`;
  const fallback = path.fallback ? `falls back at ${line(path.fallback.range.start.line)} (${path.fallback.code})` : 'userspace';
  const handover = path.handover ? `, handed over ${path.handover.decisionIndex < 0 ? 'at the start' : `at ${line(path.handover.range.start.line)}`}` : '';
  return `userspace: ${fallback}${handover}`;
}

function relativeToFolder(file: string, folder: string | undefined): string {
  if (!folder) return file;
  const relative = path.relative(folder, file);
  return relative && !relative.startsWith('..') ? relative : file;
}

function costTable(found: EntryAtPosition, estimate: OffloadEstimate): string[] {
  const slicePaths = found.slices?.paths ?? [];
  const here = new Set(found.paths.map((p) => p.id));
  const rows = ['| Path | Share | Ends | Userspace ns | Split ns | Saving ns |', '|---|--:|---|--:|--:|--:|'];
  for (const cost of estimate.estimate?.paths ?? []) {
    const slice = slicePaths.find((p) => p.id === cost.id);
    const count = estimate.paths.find((p) => p.id === cost.id)?.count;
    const name = `${here.has(cost.id) ? '▶ ' : ''}**${cost.id}** ${escapeMarkdown(short(cost.description))}`;
    const share = `${formatShare(cost.share)}${count !== undefined ? ` (${groupedThousands(count)} req)` : ''}`;
    const ends = slice ? escapeMarkdown(whereItEnds(slice)) : cost.endsIn;
    rows.push(`| ${name} | ${share} | ${ends} | ${formatNs(cost.userspaceNs)} | ${formatNs(cost.splitNs)} | ${formatNs(cost.savingNs)} |`);
  }
  return rows;
}

function sources(estimate: OffloadEstimate, context: OffloadContext, folder: string | undefined, found: EntryAtPosition): string[] {
  const lines = ['**Where the numbers come from**', ''];
  const e = estimate.estimate;
  if (estimate.profile) {
    const p = estimate.profile;
    lines.push(
      `- Shares: ${p.tool} profile \`${escapeMarkdown(relativeToFolder(p.origin, folder))}\`, ${groupedThousands(p.requests)} requests covered` +
        (p.unaccountedShare > 0 ? `, ${formatShare(p.unaccountedShare)} on no enumerated path` : ''),
    );
  } else if (e) {
    lines.push(`- Shares: ${escapeMarkdown(e.shareNote)}`);
  }
  if (context.profile?.error) {
    lines.push(`- Profile \`${escapeMarkdown(context.profile.setting)}\` not used: ${escapeMarkdown(context.profile.error)}`);
  }
  const shown = found.paths.length ? estimate.paths.filter((p) => found.paths.some((f) => f.id === p.id)) : estimate.paths;
  for (const origin of shown) {
    lines.push(`- ${origin.id} kernel work: ${escapeMarkdown(origin.kernelWork)}; userspace work: ${escapeMarkdown(origin.userspaceWork)}`);
  }
  for (const parameter of e?.parametersUsed ?? []) {
    lines.push(`- \`${parameter.name}\` = ${formatNs(parameter.ns)} ns — ${parameter.measured ? 'measured: ' : ''}${escapeMarkdown(parameter.source)}`);
  }
  const calibration = context.calibration;
  if (calibration?.file) {
    const machine = calibration.file.machine;
    const on = [machine.hostname, machine.cpuModel, machine.kernel].filter(Boolean).join(', ');
    lines.push(
      `- Calibration: \`${escapeMarkdown(relativeToFolder(calibration.path, folder))}\`${calibration.file.measuredAt ? ` (${escapeMarkdown(calibration.file.measuredAt)}` : ' ('}${on ? `${calibration.file.measuredAt ? ', ' : ''}${escapeMarkdown(on)}` : ''}), replaces ${calibration.replaced?.length ?? 0} parameters`,
    );
  } else if (calibration?.error) {
    lines.push(`- Calibration \`${escapeMarkdown(relativeToFolder(calibration.path, folder))}\` not used: ${escapeMarkdown(calibration.error)}`);
  } else {
    lines.push('- No calibration file (`.bpf-offload/calibration.json`): published figures');
  }
  lines.push(`- Hook: ${estimate.hook} — ${escapeMarkdown(estimate.hookReason)}`);
  for (const note of [...estimate.notes, ...(e?.notes ?? [])]) lines.push(`- Note: ${escapeMarkdown(note)}`);
  return lines;
}

/** The hover's markdown for an entry (and the paths under the position), or undefined off every entry. */
export function offloadHoverMarkdown(current: CurrentAnalysis, found: EntryAtPosition, folder: string | undefined): string {
  const { entry, estimate } = found;
  const title = `**BPF Offload** — ${escapeMarkdown(entry.handler ?? entry.name)} (${entry.protocol.toUpperCase()}${entry.port !== undefined ? ` port ${entry.port}` : ''})`;
  if (!estimate) return [title, '', escapeMarkdown(entry.summary)].join('\n');
  if (!estimate.estimate) return [title, '', `No cost estimate: ${escapeMarkdown(estimate.error ?? 'unknown reason')}`].join('\n');
  const e = estimate.estimate;
  const expected =
    `**Expected per request**: userspace ${formatNs(e.expectedUserspaceNs)} ns, split ${formatNs(e.expectedSplitNs)} ns, ` +
    `saving ${formatNs(e.expectedSavingNs)} ns (${formatShare(e.relativeSaving)}); ${formatShare(e.kernelShare)} of requests finish in the kernel`;
  const breakEven = e.breakEvenShare === null ? 'no share of kernel requests makes the split pay' : `break-even at ${formatShare(e.breakEvenShare)} in the kernel`;
  const verdict = `**Verdict**: ${e.verdict.kind} — ${escapeMarkdown(e.verdict.reason)}`;
  return [title, '', ...costTable(found, estimate), '', `${expected}; ${escapeMarkdown(breakEven)}.`, '', verdict, '', ...sources(estimate, current.context, folder, found)].join('\n');
}

export function createHoverHandler(deps: FeatureDeps) {
  return async (params: HoverParams, token: CancellationToken): Promise<Hover | null> => {
    const current = await currentAnalysis(deps, params.textDocument.uri, token);
    if (!current) return null;
    const found = entryAt(current, params.position);
    if (!found) return null;
    return {
      contents: { kind: MarkupKind.Markdown, value: offloadHoverMarkdown(current, found, deps.profiles.folderFor(params.textDocument.uri)) },
    };
  };
}
