// The regions the client shades after each analysis: the code of paths that finish in the
// kernel, the hand-over points of paths that do not, and the fallback points (which are also
// Hint diagnostics, so clients without the decoration still see them). Sent only to clients
// that asked for it in initializationOptions.offloadRegions.
import type { DocumentAnalysis } from '../analyzer';
import type { OffloadRegion, OffloadRegionsParams } from '../protocol';

const rangeKey = (r: OffloadRegion['range']) => `${r.start.line}:${r.start.character}-${r.end.line}:${r.end.character}`;

/** The regions of one analysed document (only those in the document itself). */
export function offloadRegionsOf(result: DocumentAnalysis): OffloadRegionsParams {
  const { analysis } = result;
  const regions: OffloadRegion[] = [];
  const seen = new Set<string>();
  const add = (region: OffloadRegion) => {
    const key = `${region.kind}@${rangeKey(region.range)}`;
    if (seen.has(key)) return;
    seen.add(key);
    regions.push(region);
  };
  for (const slices of analysis.slices) {
    if (slices.file !== analysis.file) continue;
    const entry = analysis.entries.find((e) => e.id === slices.entryId);
    const name = entry?.handler ?? entry?.name ?? slices.function;
    for (const range of slices.offloadableRegion) add({ range, kind: 'kernel', entry: name, detail: `${name}: runs in the kernel` });
    for (const path of slices.paths) {
      if (path.endsIn !== 'userspace') continue;
      if (path.handover) {
        add({ range: path.handover.range, kind: 'handover', entry: name, detail: `${path.id} is handed over to userspace here: ${path.handover.description}` });
      }
      if (path.fallback && path.fallback.file === analysis.file) {
        add({ range: path.fallback.range, kind: 'fallback', entry: name, detail: `${path.id} falls back here: ${path.fallback.message}` });
      }
    }
  }
  return { uri: result.uri, version: result.version, regions };
}
