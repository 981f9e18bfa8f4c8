// From an offload-regions notification to what each decoration type draws. No VS Code import,
// so it is tested with node's runner; decorations.ts only turns the result into API calls.
import type { OffloadRegion, OffloadRegionsParams } from '../../server/src/protocol';

export interface PlannedDecoration {
  range: OffloadRegion['range'];
  /** Markdown for the decoration's hover, when it has one. */
  hover?: string;
}

export interface RegionPlan {
  kernel: PlannedDecoration[];
  handover: PlannedDecoration[];
  fallback: PlannedDecoration[];
}

export const EMPTY_PLAN: RegionPlan = { kernel: [], handover: [], fallback: [] };

/**
 * What to draw for a document. Nothing when shading is off, and nothing for a notification
 * about an older version than the editor shows (its ranges would point at moved text; the
 * decorations already drawn move with the edits until the new analysis arrives).
 */
export function planRegions(params: OffloadRegionsParams | undefined, documentVersion: number, shadingEnabled: boolean): RegionPlan | 'keep' {
  if (!shadingEnabled || !params) return EMPTY_PLAN;
  if (params.version < documentVersion) return 'keep';
  const plan: RegionPlan = { kernel: [], handover: [], fallback: [] };
  for (const region of params.regions) {
    const hover = region.detail ? `**BPF Offload**: ${region.detail.replace(/[\\`*_[\]<>|]/g, (c) => `\\${c}`)}` : undefined;
    plan[region.kind]?.push({ range: region.range, ...(hover ? { hover } : {}) });
  }
  return plan;
}
