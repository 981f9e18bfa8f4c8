// The graph a CfgBuilder (builder.ts) writes and where it stands in it: blocks and edges, the
// block that statements are appended to (none after a jump), and the loops and switches open
// around it, which say where `break` and `continue` go and which blocks a loop's body holds.
// builder.ts decides what each kind of statement adds; this file only keeps that consistent.
import type { SyntaxNode } from '../syntax';
import type { CfgBlock, CfgEdge, CfgEdgeKind, Range } from '../model';
import { rangeOf } from '../treeHelpers';

/** Where `break` and `continue` go from inside a loop or switch. */
export interface JumpScope {
  breakTarget: number;
  /** Undefined for a switch: `continue` passes through it to the enclosing loop. */
  continueTarget?: number;
  /** Blocks created while this scope is open belong to the loop (switches collect none). */
  loopBody?: Set<number>;
  /** Set for switches: where case labels dispatch from, and whether a default was seen. */
  switchBlock?: number;
  sawDefault?: boolean;
}

export class CfgBlocks {
  readonly blocks: CfgBlock[] = [];
  readonly edges: CfgEdge[] = [];
  /** Blocks that must survive tidying (loop headers), by id. */
  readonly pinned = new Set<number>();
  protected readonly scopes: JumpScope[] = [];
  /** The block statements are appended to; undefined after a jump, until a label or join. */
  protected current: number | undefined;
  readonly entry: number;
  readonly exit: number;

  constructor() {
    this.entry = this.newBlock('entry');
    this.exit = this.newBlock('exit');
  }

  protected newBlock(kind: CfgBlock['kind'], ranges: Range[] = [], label?: string, joinLoops = true): number {
    const id = this.blocks.length;
    const block: CfgBlock = { id, kind, ranges };
    if (label !== undefined) block.label = label;
    this.blocks.push(block);
    if (joinLoops) this.joinOpenLoops(id);
    return id;
  }

  protected joinOpenLoops(id: number): void {
    for (const scope of this.scopes) scope.loopBody?.add(id);
  }

  protected link(from: number | undefined, to: number, kind: CfgEdgeKind): void {
    if (from !== undefined) this.edges.push({ from, to, kind });
  }

  /** The block to append to; code after a jump gets a fresh block with no predecessors. */
  protected appendable(): number {
    if (this.current === undefined) this.current = this.newBlock('statement');
    return this.current;
  }

  protected append(node: SyntaxNode): number {
    const id = this.appendable();
    this.blocks[id].ranges.push(rangeOf(node));
    return id;
  }

  /** Ends the current block with a jump: nothing falls through to the next statement. */
  protected jump(node: SyntaxNode, to: number | undefined, kind: CfgEdgeKind): number {
    const from = this.append(node);
    if (to !== undefined) this.link(from, to, kind);
    this.current = undefined;
    return from;
  }

  protected innermost(accept: (scope: JumpScope) => boolean): JumpScope | undefined {
    for (let i = this.scopes.length - 1; i >= 0; i--) if (accept(this.scopes[i])) return this.scopes[i];
    return undefined;
  }
}
