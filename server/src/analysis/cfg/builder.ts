// Builds the raw control-flow graph of one function by walking its statements once.
// Blocks are created generously (an empty join after every `if`, for instance); tidy.ts then
// folds the empty ones away and finds goto loops, so this file only has to get the edges right.
// What each kind of statement adds is here; the graph it is written into, with the current
// block and the open break/continue scopes, is blocks.ts.
import type { SyntaxNode } from '../syntax';
import type { CfgBlock, CfgEdge, CfgEdgeKind, LoopInfo, Range } from '../model';
import { rangeOf } from '../treeHelpers';
import { CfgBlocks, type JumpScope } from './blocks';
import { constantTruth, namedChildrenOf } from './syntaxHelpers';

interface LabelState {
  block: number;
  /** Where the labeled statement starts, once seen; undefined while only gotos name it. */
  definedAt?: Range;
}

/** A goto edge, remembered so tidy.ts can tell loops formed by backward gotos. */
export interface GotoRecord {
  from: number;
  label: string;
  statement: Range;
}

export interface RawCfg {
  blocks: CfgBlock[];
  edges: CfgEdge[];
  loops: LoopInfo[];
  entry: number;
  exit: number;
  gotos: GotoRecord[];
  labels: Map<string, LabelState>;
  /** Blocks that must survive tidying (loop headers), by id. */
  pinned: Set<number>;
}

// Deeper nesting than this is treated as one opaque statement instead of risking the JS stack;
// real code never gets near it, generated code occasionally does.
const MAX_NESTING = 1500;

const OPAQUE_IN_BODY = new Set(['function_definition', 'preproc_def', 'preproc_function_def', 'preproc_include', 'preproc_call']);

export class CfgBuilder extends CfgBlocks {
  readonly loops: LoopInfo[] = [];
  readonly gotos: GotoRecord[] = [];
  readonly labels = new Map<string, LabelState>();
  private depth = 0;

  build(body: SyntaxNode | null): RawCfg {
    this.current = this.newBlock('statement');
    this.link(this.entry, this.current, 'next');
    if (body) this.statement(body);
    if (this.current !== undefined) this.link(this.current, this.exit, 'next');
    for (const state of this.labels.values()) {
      // A goto to a label that is never defined (code being typed): let it end the function.
      if (!state.definedAt) this.link(state.block, this.exit, 'next');
    }
    return {
      blocks: this.blocks,
      edges: this.edges,
      loops: this.loops,
      entry: this.entry,
      exit: this.exit,
      gotos: this.gotos,
      labels: this.labels,
      pinned: this.pinned,
    };
  }

  private statement(node: SyntaxNode): void {
    if (this.depth >= MAX_NESTING) {
      this.append(node);
      return;
    }
    this.depth++;
    try {
      this.dispatch(node);
    } finally {
      this.depth--;
    }
  }

  private dispatch(node: SyntaxNode): void {
    switch (node.type) {
      case 'compound_statement':
      case 'ERROR':
      case 'seh_try_statement':
      case 'seh_finally_clause':
      case 'seh_except_clause':
      case 'attributed_statement':
        return this.sequence(node);
      case 'if_statement':
        return this.ifStatement(node);
      case 'while_statement':
        return this.whileStatement(node);
      case 'do_statement':
        return this.doStatement(node);
      case 'for_statement':
        return this.forStatement(node);
      case 'switch_statement':
        return this.switchStatement(node);
      case 'case_statement':
        return this.caseStatement(node);
      case 'labeled_statement':
        return this.labeledStatement(node);
      case 'break_statement':
        return void this.jump(node, this.innermost((s) => true)?.breakTarget, 'break');
      case 'continue_statement':
        return void this.jump(node, this.innermost((s) => s.continueTarget !== undefined)?.continueTarget, 'continue');
      case 'return_statement':
        return void this.jump(node, this.exit, 'return');
      case 'goto_statement':
        return this.gotoStatement(node);
      case 'preproc_if':
      case 'preproc_ifdef':
      case 'preproc_elif':
      case 'preproc_elifdef':
        return this.preprocessorBranch(node);
      case 'preproc_else':
        return this.sequence(node);
      case 'comment':
      case 'attribute_declaration':
        return;
      default:
        if (OPAQUE_IN_BODY.has(node.type)) return;
        this.append(node);
    }
  }

  /** Children in order. Inside an ERROR node, stray tokens and expressions become statements. */
  private sequence(node: SyntaxNode): void {
    for (const child of namedChildrenOf(node)) this.statement(child);
  }

  private ifStatement(node: SyntaxNode): void {
    const consequence = node.childForFieldName('consequence');
    const alternative = node.childForFieldName('alternative');
    this.twoWay(
      rangeOf(node.childForFieldName('condition') ?? node),
      () => consequence && this.statement(consequence),
      alternative ? () => this.sequence(alternative) : undefined,
      false,
    );
  }

  /**
   * A condition with a 'true' branch and an optional 'false' branch that meet again. With
   * `onlyIfLive`, a branch point reached by no flow adds no condition block and both branches
   * start unreachable (a preprocessor directive after a jump is not code that runs).
   */
  private twoWay(condition: Range, buildThen: () => void, buildElse: (() => void) | undefined, onlyIfLive: boolean): void {
    let test: number | undefined;
    if (this.current !== undefined || !onlyIfLive) {
      test = this.newBlock('condition', [condition]);
      this.link(this.current, test, 'next');
    }
    const startBranch = (kind: CfgEdgeKind) => {
      if (test === undefined) return undefined;
      const block = this.newBlock('statement');
      this.link(test, block, kind);
      return block;
    };
    this.current = startBranch('true');
    buildThen();
    const thenEnd = this.current;
    let elseEnd: number | undefined = test;
    let elseKind: CfgEdgeKind = 'false';
    if (buildElse) {
      this.current = startBranch('false');
      buildElse();
      elseEnd = this.current;
      elseKind = 'next';
    }
    const join = this.newBlock('statement');
    this.link(thenEnd, join, 'next');
    this.link(elseEnd, join, elseKind);
    this.current = join;
  }

  /** Opens a loop scope whose body starts with the given header (already created). */
  private openLoop(header: number, breakTarget: number, continueTarget: number): JumpScope {
    const scope: JumpScope = { breakTarget, continueTarget, loopBody: new Set([header]) };
    this.joinOpenLoops(header);
    this.scopes.push(scope);
    this.pinned.add(header);
    return scope;
  }

  private closeLoop(kind: LoopInfo['kind'], node: SyntaxNode, header: number, scope: JumpScope, record = true): void {
    this.scopes.pop();
    if (record) this.loops.push({ kind, range: rangeOf(node), header, body: [...scope.loopBody!].sort((a, b) => a - b) });
  }

  private whileStatement(node: SyntaxNode): void {
    const conditionNode = node.childForFieldName('condition');
    const header = this.newBlock('condition', [rangeOf(conditionNode ?? node)], undefined, false);
    this.link(this.current, header, 'next');
    const after = this.newBlock('statement');
    const truth = constantTruth(conditionNode);
    if (truth !== true) this.link(header, after, 'false');
    const scope = this.openLoop(header, after, header);
    this.current = this.newBlock('statement');
    if (truth !== false) this.link(header, this.current, 'true');
    const body = node.childForFieldName('body');
    if (body) this.statement(body);
    this.link(this.current, header, 'back');
    this.closeLoop('while', node, header, scope);
    this.current = after;
  }

  private doStatement(node: SyntaxNode): void {
    const conditionNode = node.childForFieldName('condition');
    const truth = constantTruth(conditionNode);
    const after = this.newBlock('statement');
    const header = this.newBlock('statement', [], undefined, false);
    this.link(this.current, header, 'next');
    const test = this.newBlock('condition', [rangeOf(conditionNode ?? node)], undefined, false);
    const scope = this.openLoop(header, after, test);
    scope.loopBody!.add(test);
    this.joinOpenLoops(test);
    this.current = header;
    const body = node.childForFieldName('body');
    if (body) this.statement(body);
    this.link(this.current, test, 'next');
    // `do { … } while (0)` is the macro idiom for a block, not a loop: no back edge, no LoopInfo.
    if (truth !== false) this.link(test, header, 'back');
    if (truth !== true) this.link(test, after, 'false');
    this.closeLoop('do', node, header, scope, truth !== false);
    this.current = after;
  }

  private forStatement(node: SyntaxNode): void {
    const initializer = node.childForFieldName('initializer');
    if (initializer) this.append(initializer);
    const conditionNode = node.childForFieldName('condition');
    const header = this.newBlock('condition', conditionNode ? [rangeOf(conditionNode)] : [], undefined, false);
    this.link(this.current, header, 'next');
    const after = this.newBlock('statement');
    // A missing condition is `for (;;)`: the only ways out are jumps.
    const truth = conditionNode ? constantTruth(conditionNode) : true;
    if (truth !== true) this.link(header, after, 'false');
    const updateNode = node.childForFieldName('update');
    const update = updateNode ? this.newBlock('statement', [rangeOf(updateNode)], undefined, false) : undefined;
    const scope = this.openLoop(header, after, update ?? header);
    if (update !== undefined) {
      scope.loopBody!.add(update);
      this.joinOpenLoops(update);
      this.pinned.add(update);
    }
    this.current = this.newBlock('statement');
    if (truth !== false) this.link(header, this.current, 'true');
    const body = node.childForFieldName('body');
    if (body) this.statement(body);
    if (update !== undefined) {
      this.link(this.current, update, 'next');
      this.link(update, header, 'back');
    } else {
      this.link(this.current, header, 'back');
    }
    this.closeLoop('for', node, header, scope);
    this.current = after;
  }

  private switchStatement(node: SyntaxNode): void {
    const conditionNode = node.childForFieldName('condition');
    const dispatch = this.newBlock('switch', [rangeOf(conditionNode ?? node)]);
    this.link(this.current, dispatch, 'next');
    const after = this.newBlock('statement');
    const scope: JumpScope = { breakTarget: after, switchBlock: dispatch, sawDefault: false };
    this.scopes.push(scope);
    // Statements before the first case label run only if jumped to.
    this.current = undefined;
    const body = node.childForFieldName('body');
    if (body) this.statement(body);
    this.scopes.pop();
    this.link(this.current, after, 'next');
    if (!scope.sawDefault) this.link(dispatch, after, 'default');
    this.current = after;
  }

  private caseStatement(node: SyntaxNode): void {
    const value = node.childForFieldName('value');
    const isDefault = !value && node.firstChild?.type === 'default';
    const text = isDefault ? 'default' : `case ${value?.text ?? ''}`.trimEnd();
    const block = this.newBlock('statement', [], text);
    this.link(this.current, block, 'fallthrough');
    // Case labels may sit deep inside the switch body (Duff's device): use the nearest switch.
    const owner = this.innermost((s) => s.switchBlock !== undefined);
    if (owner) {
      this.link(owner.switchBlock, block, isDefault ? 'default' : 'case');
      if (isDefault) owner.sawDefault = true;
    }
    this.current = block;
    for (const child of namedChildrenOf(node)) {
      if (child.id !== value?.id) this.statement(child);
    }
  }

  private labelState(name: string): LabelState {
    let state = this.labels.get(name);
    if (!state) {
      // Loop membership waits for the definition: a forward goto may name it from inside a loop.
      state = { block: this.newBlock('label', [], name, false) };
      this.labels.set(name, state);
    }
    return state;
  }

  private labeledStatement(node: SyntaxNode): void {
    const name = node.childForFieldName('label')?.text ?? '';
    let state = this.labelState(name);
    if (state.definedAt) {
      // A duplicate label (invalid C): give it its own block so the first keeps its edges.
      state = { block: this.newBlock('label', [], name, false) };
    }
    state.definedAt = rangeOf(node);
    this.joinOpenLoops(state.block);
    this.link(this.current, state.block, 'next');
    this.current = state.block;
    for (const child of namedChildrenOf(node)) {
      if (child.type !== 'statement_identifier') this.statement(child);
    }
  }

  private gotoStatement(node: SyntaxNode): void {
    const name = node.childForFieldName('label')?.text;
    if (name === undefined) {
      this.jump(node, undefined, 'goto');
      return;
    }
    const target = this.labelState(name).block;
    const from = this.jump(node, target, 'goto');
    this.gotos.push({ from, label: name, statement: rangeOf(node) });
  }

  /** `#if`/`#ifdef` inside a body: either branch may be the one compiled, so both are paths. */
  private preprocessorBranch(node: SyntaxNode): void {
    const conditionNode = node.childForFieldName('condition') ?? node.childForFieldName('name');
    const alternative = node.childForFieldName('alternative');
    const branchBody = () => {
      for (const child of namedChildrenOf(node)) {
        if (child.id !== conditionNode?.id && child.id !== alternative?.id) this.statement(child);
      }
    };
    this.twoWay(rangeOf(conditionNode ?? node), branchBody, alternative ? () => this.statement(alternative) : undefined, true);
  }
}
