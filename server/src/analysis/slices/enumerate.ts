// Path enumeration over one control-flow graph, bounded: a block is entered at most once per
// path (loops collapse to one traversal), branches whose two sides rejoin without ending the
// request or falling back are walked as one (they change nothing about where the request
// ends), and enumeration stops at a cap.
import type { CfgEdge, CfgEdgeKind, ControlFlowGraph, Range } from '../model';

export interface PathEnd {
  kind: 'reply' | 'drop';
  range: Range;
  detail: string;
}

export interface RawStep {
  block: number;
  /** The edge taken out of this block; undefined for the last step. */
  edge?: CfgEdge;
  /** True when the block is a decisive branch (its outcome is part of the path's identity). */
  decisive: boolean;
}

export interface RawPath {
  steps: RawStep[];
  /** Ranges of merged (non-decisive) branch sides walked over. */
  mergedRanges: Range[];
  /** Blocks of merged regions (their calls and diagnostics belong to the path too). */
  mergedBlocks: number[];
  end: PathEnd;
}

export interface EnumerationRules {
  cfg: ControlFlowGraph;
  start: number;
  /** A block that ends the request by itself (it holds a send call). */
  blockEnd(block: number): PathEnd | undefined;
  /** Taking this edge ends the request (a return, a continue of the receive loop, …). */
  edgeEnd(edge: CfgEdge): PathEnd | undefined;
  /** The block holds something the kernel cannot run: a branch around it is decisive. */
  blockFallsBack(block: number): boolean;
  maxPaths: number;
}

const EXITING_KINDS: CfgEdgeKind[] = ['return', 'break', 'continue', 'goto'];

export function enumeratePaths(rules: EnumerationRules): { paths: RawPath[]; capped: boolean } {
  const { cfg } = rules;
  const out = new Map<number, CfgEdge[]>();
  for (const e of cfg.edges) {
    const list = out.get(e.from) ?? [];
    list.push(e);
    out.set(e.from, list);
  }
  const forward = (b: number) => (out.get(b) ?? []).filter((e) => e.kind !== 'back');
  const joins = new Map<number, { join: number; region: number[] } | null>();
  const paths: RawPath[] = [];
  let capped = false;

  const reach = (from: number, stop: number, avoid: number): number[] => {
    const seen = new Set<number>([avoid]);
    const order: number[] = [];
    const queue = [from];
    while (queue.length) {
      const b = queue.shift()!;
      if (seen.has(b) || b === stop) continue;
      seen.add(b);
      order.push(b);
      for (const e of forward(b)) queue.push(e.to);
    }
    return order;
  };

  // Two-way branches whose sides meet again with nothing request-ending in between.
  const joinOf = (block: number) => {
    if (joins.has(block)) return joins.get(block)!;
    let result: { join: number; region: number[] } | null = null;
    const edges = forward(block);
    if (edges.length === 2 && edges.every((e) => e.kind === 'true' || e.kind === 'false')) {
      const [a, b] = edges.map((e) => e.to);
      const fromB = new Set(reach(b, -1, block));
      const join = reach(a, -1, block).find((x) => fromB.has(x));
      if (join !== undefined && join !== cfg.exit) {
        const region = [...new Set([...reach(a, join, block), ...reach(b, join, block)])];
        const ends = region.some(
          (r) =>
            rules.blockEnd(r) !== undefined ||
            rules.blockFallsBack(r) ||
            (out.get(r) ?? []).some((e) => EXITING_KINDS.includes(e.kind) || e.to === cfg.exit || rules.edgeEnd(e) !== undefined),
        );
        if (!ends) result = { join, region };
      }
    }
    joins.set(block, result);
    return result;
  };

  const walk = (block: number, steps: RawStep[], onPath: Set<number>, merged: number[]) => {
    if (paths.length >= rules.maxPaths) {
      capped = true;
      return;
    }
    const blockEnd = rules.blockEnd(block);
    if (blockEnd) {
      paths.push(finish([...steps, { block, decisive: false }], merged, blockEnd));
      return;
    }
    const join = joinOf(block);
    if (join && !onPath.has(join.join)) {
      const next = new Set(onPath).add(join.join);
      walk(join.join, [...steps, { block, decisive: false, edge: forward(block)[0] }], next, [...merged, ...join.region]);
      return;
    }
    // A back edge ends the request when the rules say so (the receive loop going round
    // without a reply); any other back edge is a loop collapsed to one traversal.
    const edges = (out.get(block) ?? []).filter((e) => e.kind !== 'back' || rules.edgeEnd(e) !== undefined);
    const decisive = edges.length > 1;
    for (const edge of edges) {
      if (paths.length >= rules.maxPaths) {
        capped = true;
        return;
      }
      const step = { block, edge, decisive };
      const edgeEnd = rules.edgeEnd(edge);
      if (edgeEnd) {
        paths.push(finish([...steps, step], merged, edgeEnd));
        continue;
      }
      if (onPath.has(edge.to)) continue; // a loop going round again: collapsed
      walk(edge.to, [...steps, step], new Set(onPath).add(edge.to), merged);
    }
  };

  const finish = (steps: RawStep[], mergedBlocks: number[], end: PathEnd): RawPath => ({
    steps,
    mergedBlocks,
    mergedRanges: mergedBlocks.flatMap((b) => cfg.blocks.find((x) => x.id === b)?.ranges ?? []),
    end,
  });

  walk(rules.start, [], new Set([rules.start]), []);
  return { paths, capped };
}
