// Builds the control-flow graph of one function of a test source and names its blocks by the
// source text they hold, for the CFG tests (cfg.test.ts, cfgJumpsAndQueries.test.ts).
import assert from 'node:assert/strict';
import { parseC, plainTreeOf } from '../../server/src/analysis/syntax';
import { buildCfg, functionDefinitions } from '../../server/src/analysis/cfg';
import type { CfgBlock, CfgEdgeKind, ControlFlowGraph, Range } from '../../server/src/analysis/model';

export interface Built {
  cfg: ControlFlowGraph;
  /** The block holding the statement or condition whose source text is exactly `snippet`. */
  block(snippet: string): CfgBlock;
  /** Kinds of the edges from the block of `from` to the block of `to` (ids for entry/exit). */
  kinds(from: string | number, to: string | number): CfgEdgeKind[];
  textOf(range: Range): string;
}

export function cfgOf(source: string, name?: string): Built {
  const parsed = parseC(source);
  const tree = plainTreeOf(parsed);
  try {
    const definitions = functionDefinitions(tree);
    const definition = name ? definitions.find((d) => d.text.includes(`${name}(`)) : definitions[0];
    assert.ok(definition, 'test source has the function');
    const cfg = buildCfg(definition);
    const lines = source.split('\n');
    const textOf = (r: Range): string => {
      if (r.start.line === r.end.line) return lines[r.start.line].slice(r.start.character, r.end.character);
      const parts = [lines[r.start.line].slice(r.start.character)];
      for (let l = r.start.line + 1; l < r.end.line; l++) parts.push(lines[l]);
      parts.push(lines[r.end.line].slice(0, r.end.character));
      return parts.join('\n');
    };
    const block = (snippet: string): CfgBlock => {
      const matches = cfg.blocks.filter((b) => b.ranges.some((r) => textOf(r) === snippet));
      assert.equal(matches.length, 1, `exactly one block holds ${JSON.stringify(snippet)}: ${render(cfg, textOf)}`);
      return matches[0];
    };
    const idOf = (x: string | number) => (typeof x === 'number' ? x : block(x).id);
    const kinds = (from: string | number, to: string | number) =>
      cfg.edges.filter((e) => e.from === idOf(from) && e.to === idOf(to)).map((e) => e.kind).sort();
    return { cfg, block, kinds, textOf };
  } finally {
    parsed.delete();
  }
}

function render(cfg: ControlFlowGraph, textOf: (r: Range) => string): string {
  const blocks = cfg.blocks.map((b) => `  #${b.id} ${b.kind}${b.label ? `(${b.label})` : ''} [${b.ranges.map(textOf).join(' | ')}]`);
  const edges = cfg.edges.map((e) => `  ${e.from}->${e.to} ${e.kind}`);
  return `\n${blocks.join('\n')}\n${edges.join('\n')}`;
}
