// Control-flow graphs of C functions, built from tree-sitter syntax. The graph is plain data
// (model.ts), so it outlives the tree; block ranges map it back to source.
import type { SyntaxNode } from './syntax';
import type { CfgBlock, CfgEdge, ControlFlowGraph, LoopInfo, Position } from './model';
import { CfgBuilder } from './cfg/builder';
import { groupBy, reachableSet, tidy } from './cfg/tidy';
import { comparePositions, functionNameOf, rangeContains } from './cfg/syntaxHelpers';

export { functionDefinitions, functionNameOf, constantTruth } from './cfg/syntaxHelpers';

/**
 * The control-flow graph of one `function_definition`. Malformed bodies (ERROR nodes, missing
 * children) give a best-effort graph rather than an exception; only a node of another type
 * is refused, because that is a caller's mistake.
 */
export function buildCfg(functionDefinition: SyntaxNode): ControlFlowGraph {
  if (functionDefinition.type !== 'function_definition') {
    throw new TypeError(`buildCfg expects a function_definition node, got ${functionDefinition.type}`);
  }
  const raw = new CfgBuilder().build(functionDefinition.childForFieldName('body'));
  return tidy(raw, functionNameOf(functionDefinition) ?? '');
}

/** Ids of the blocks control can reach from the entry; the rest is dead code. */
export function reachableBlocks(cfg: ControlFlowGraph): Set<number> {
  return reachableSet(cfg.entry, groupBy(cfg.edges, (e) => e.from));
}

/** Blocks that hold source but that control never reaches (code after return, break, goto). */
export function unreachableBlocks(cfg: ControlFlowGraph): CfgBlock[] {
  const reachable = reachableBlocks(cfg);
  return cfg.blocks.filter((b) => !reachable.has(b.id) && b.ranges.length > 0);
}

export function successors(cfg: ControlFlowGraph, blockId: number): CfgEdge[] {
  return cfg.edges.filter((e) => e.from === blockId);
}

export function predecessors(cfg: ControlFlowGraph, blockId: number): CfgEdge[] {
  return cfg.edges.filter((e) => e.to === blockId);
}

/**
 * The block holding the statement or condition at a source position: the one whose containing
 * range is smallest, so a position inside a loop's body finds the body, not the loop header.
 */
export function blockAt(cfg: ControlFlowGraph, position: Position): CfgBlock | undefined {
  let best: CfgBlock | undefined;
  let bestSize: [number, number] | undefined;
  for (const block of cfg.blocks) {
    for (const range of block.ranges) {
      if (!rangeContains(range, position)) continue;
      const size: [number, number] = [range.end.line - range.start.line, range.end.character - range.start.character];
      if (!bestSize || size[0] < bestSize[0] || (size[0] === bestSize[0] && size[1] < bestSize[1])) {
        best = block;
        bestSize = size;
      }
    }
  }
  return best;
}

/** Loops whose body holds the block, innermost first. */
export function loopsContaining(cfg: ControlFlowGraph, blockId: number): LoopInfo[] {
  return cfg.loops
    .filter((l) => l.body.includes(blockId))
    .sort((a, b) => a.body.length - b.body.length || comparePositions(b.range.start, a.range.start));
}
