// Second pass over a raw CFG: fold away the empty bookkeeping blocks the builder made, number
// blocks densely, and add the loops formed by backward gotos (which need the finished graph).
import type { CfgEdge, ControlFlowGraph, LoopInfo } from '../model';
import type { RawCfg } from './builder';
import { comparePositions } from './syntaxHelpers';

export function tidy(raw: RawCfg, functionName: string): ControlFlowGraph {
  const removable = (id: number) => {
    const block = raw.blocks[id];
    return block.kind === 'statement' && block.ranges.length === 0 && block.label === undefined && !raw.pinned.has(id);
  };

  // An empty block whose only exit is a plain 'next' is just a detour: send its
  // predecessors straight on.
  const outgoing = groupBy(raw.edges, (e) => e.from);
  const forward = new Map<number, number>();
  for (const block of raw.blocks) {
    const outs = outgoing.get(block.id) ?? [];
    if (removable(block.id) && outs.length === 1 && outs[0].kind === 'next' && outs[0].to !== block.id) {
      forward.set(block.id, outs[0].to);
    }
  }
  // Guard against a ring of empty blocks (the builder makes none, but tidying must terminate).
  for (const start of [...forward.keys()]) {
    const seen = new Set<number>();
    let at: number | undefined = start;
    while (at !== undefined && forward.has(at) && !seen.has(at)) {
      seen.add(at);
      at = forward.get(at);
    }
    if (at !== undefined && seen.has(at)) forward.delete(at);
  }
  const finalTarget = (id: number): number => {
    const seen = new Set<number>();
    while (forward.has(id) && !seen.has(id)) {
      seen.add(id);
      id = forward.get(id)!;
    }
    return id;
  };
  let edges: CfgEdge[] = [];
  for (const edge of raw.edges) {
    if (forward.has(edge.from)) continue;
    edges.push({ from: edge.from, to: finalTarget(edge.to), kind: edge.kind });
  }
  const removed = new Set<number>(forward.keys());

  // Empty blocks nothing jumps to (joins after branches that all returned) carry no code
  // worth reporting as unreachable; drop them and whatever edges they held.
  let changed = true;
  while (changed) {
    changed = false;
    const hasIncoming = new Set(edges.map((e) => e.to));
    for (const block of raw.blocks) {
      if (removed.has(block.id) || !removable(block.id) || hasIncoming.has(block.id)) continue;
      removed.add(block.id);
      changed = true;
    }
    if (changed) edges = edges.filter((e) => !removed.has(e.from));
  }

  const renumber = new Map<number, number>();
  const blocks = raw.blocks
    .filter((b) => !removed.has(b.id))
    .map((b, index) => {
      renumber.set(b.id, index);
      return { ...b, id: index };
    });
  const id = (old: number) => renumber.get(old)!;

  const unique = new Map<string, CfgEdge>();
  for (const e of edges) {
    const edge: CfgEdge = { from: id(e.from), to: id(e.to), kind: e.kind };
    unique.set(`${edge.from}>${edge.to}:${edge.kind}`, edge);
  }
  const finalEdges = [...unique.values()].sort((a, b) => a.from - b.from || a.to - b.to || a.kind.localeCompare(b.kind));

  const loops: LoopInfo[] = raw.loops.map((loop) => ({
    ...loop,
    header: id(loop.header),
    body: loop.body.filter((b) => !removed.has(b)).map(id),
  }));
  const cfg: ControlFlowGraph = { functionName, entry: id(raw.entry), exit: id(raw.exit), blocks, edges: finalEdges, loops };
  loops.push(...gotoLoops(cfg, raw, id));
  loops.sort((a, b) => comparePositions(a.range.start, b.range.start) || comparePositions(b.range.end, a.range.end));
  return cfg;
}

/**
 * A goto to a label earlier in the source whose label can flow back to the goto is a loop
 * written by hand. Every such goto to one label forms one loop, headed by the label.
 */
function gotoLoops(cfg: ControlFlowGraph, raw: RawCfg, id: (old: number) => number): LoopInfo[] {
  const successors = groupBy(cfg.edges, (e) => e.from);
  const predecessors = groupBy(cfg.edges, (e) => e.to);
  const byHeader = new Map<number, LoopInfo & { latches: number[] }>();
  for (const record of raw.gotos) {
    const label = raw.labels.get(record.label);
    if (!label?.definedAt || comparePositions(label.definedAt.start, record.statement.start) >= 0) continue;
    const header = id(label.block);
    const latch = id(record.from);
    if (!reaches(header, latch, successors)) continue;
    let loop = byHeader.get(header);
    if (!loop) {
      loop = { kind: 'goto', range: { start: label.definedAt.start, end: record.statement.end }, header, body: [], latches: [] };
      byHeader.set(header, loop);
    }
    if (comparePositions(record.statement.end, loop.range.end) > 0) loop.range.end = record.statement.end;
    loop.latches.push(latch);
  }
  return [...byHeader.values()].map(({ latches, ...loop }) => ({
    ...loop,
    body: naturalLoop(loop.header, latches, predecessors, successors),
  }));
}

function reaches(from: number, to: number, successors: Map<number, CfgEdge[]>): boolean {
  return reachableSet(from, successors).has(to);
}

export function reachableSet(from: number, successors: Map<number, CfgEdge[]>): Set<number> {
  const seen = new Set([from]);
  const work = [from];
  while (work.length > 0) {
    const block = work.pop()!;
    for (const edge of successors.get(block) ?? []) {
      if (!seen.has(edge.to)) {
        seen.add(edge.to);
        work.push(edge.to);
      }
    }
  }
  return seen;
}

/**
 * The header plus every block that reaches a latch without passing through the header. Gotos
 * can jump into the middle of such a loop, so blocks the header cannot reach are left out.
 */
function naturalLoop(
  header: number,
  latches: number[],
  predecessors: Map<number, CfgEdge[]>,
  successors: Map<number, CfgEdge[]>,
): number[] {
  const fromHeader = reachableSet(header, successors);
  const body = new Set([header]);
  const work = latches.filter((l) => !body.has(l));
  for (const l of work) body.add(l);
  while (work.length > 0) {
    const block = work.pop()!;
    for (const edge of predecessors.get(block) ?? []) {
      if (!body.has(edge.from) && fromHeader.has(edge.from)) {
        body.add(edge.from);
        work.push(edge.from);
      }
    }
  }
  return [...body].sort((a, b) => a - b);
}

export function groupBy<T>(items: T[], key: (item: T) => number): Map<number, T[]> {
  const groups = new Map<number, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
