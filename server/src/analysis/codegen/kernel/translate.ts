// Translates the user's handler functions into BPF-friendly C, text to text over the syntax
// tree: globals go through the state map value, byte-buffer indices are masked so the verifier
// can bound them, libc byte functions become bounded inline loops, and every statement the
// kernel cannot run (an Error of the rules, or a library call without a BPF stand-in) becomes a
// hand-over to userspace; which statements those are is decided in handoverPoints.ts. Each
// rewritten node keeps its line count, so generated lines map one-to-one onto the original
// lines of a translated function.
import type { SyntaxNode, Tree } from '../../syntax';
import { functionDefinitions, functionNameOf, walk } from '../../treeHelpers';
import { calleeName } from '../../entries/sockets';
import { HandoverPoints, type Handover, type HandoverInput } from './handoverPoints';
import { LIBC_REPLACEMENTS, RENAMED_CALLS, isMonotonicClockRead } from './libc';
import { planLoop, type LoopPlan } from './loops';
import { declarationWithoutInitializers, handoverBefore, ownerOf, stateWrites } from './statements';

export class TranslationError extends Error {}

const BYTE_POINTER = /^(const\s+)?(volatile\s+)?(unsigned\s+char|signed\s+char|char|uint8_t|int8_t|__u8|u_char)\s*(\*|\[)/;

export interface TranslatorInput extends HandoverInput {
  tree: Tree;
  text: string;
  file: string;
  /** Globals that live in struct bpfo_state. */
  stateNames: Set<string>;
}

export interface TranslatedFunction {
  name: string;
  /** 0-based first line of the definition in the original file. */
  originalLine: number;
  source: string;
  returnType: string;
}

export class HandlerTranslator {
  readonly definitions = new Map<string, SyntaxNode>();
  readonly usedHelpers = new Set<string>();
  readonly notes: string[] = [];
  private readonly handoverPoints: HandoverPoints;

  constructor(private readonly input: TranslatorInput) {
    for (const d of functionDefinitions(input.tree.rootNode)) {
      const name = functionNameOf(d);
      if (name && !this.definitions.has(name)) this.definitions.set(name, d);
    }
    this.handoverPoints = new HandoverPoints(this.definitions, input);
  }

  /** True when a call of `name` may end in a hand-over. */
  mayFallBack(name: string): boolean {
    return this.handoverPoints.mayFallBack(name);
  }

  /** The handler and every function it reaches through code that stays in the kernel, callees first. */
  translateFrom(handler: string): TranslatedFunction[] {
    const done = new Map<string, TranslatedFunction>();
    const order: string[] = [];
    const visit = (name: string, depth: number) => {
      if (done.has(name)) return;
      if (depth > 16) throw new TranslationError(`call chain through ${name} is too deep (recursion cannot run in BPF)`);
      const definition = this.definitions.get(name);
      if (!definition) throw new TranslationError(`${name} is not defined in this file`);
      const placeholder: TranslatedFunction = { name, originalLine: definition.startPosition.row, source: '', returnType: '' };
      done.set(name, placeholder);
      const callees = new Set<string>();
      const callbacks: TranslatedFunction[] = [];
      Object.assign(placeholder, this.translateFunction(definition, name, callees, callbacks));
      for (const callee of callees) visit(callee, depth + 1);
      for (const c of callbacks) {
        done.set(c.name, c);
        order.push(c.name);
      }
      order.push(name);
    };
    visit(handler, 0);
    return order.map((n) => done.get(n)!);
  }


  private translateFunction(definition: SyntaxNode, name: string, callees: Set<string>, callbacks: TranslatedFunction[]): Omit<TranslatedFunction, 'name' | 'originalLine'> {
    const body = definition.childForFieldName('body');
    const declarator = definition.childForFieldName('declarator');
    if (!body || !declarator) throw new TranslationError(`${name}: definition without a body`);
    const info = this.handoverPoints.functionInfo(definition);
    const byteNames = new Set((info ? [...info.params, ...info.locals] : []).filter((v) => BYTE_POINTER.test(v.typeText)).map((v) => v.name));
    // Local arrays live on the 512-byte stack: a MAX_PAYLOAD mask would not keep an index
    // inside them, so their indices are clamped to their own size instead.
    const localArrays = new Set((info?.locals ?? []).filter((v) => /\[/.test(v.typeText)).map((v) => v.name));
    const shadowed = new Set((info ? [...info.params, ...info.locals] : []).map((v) => v.name));
    if (info?.locals.some((l) => l.isStatic)) throw new TranslationError(`${name} has a static local: move it to file scope so it can live in the state map`);
    if (info?.isVariadic) throw new TranslationError(`${name} is variadic`);

    const header = this.input.text.slice(definition.startIndex, body.startIndex);
    const nameAt = header.search(new RegExp(`\\b${name}\\s*\\(`));
    const returnType = header.slice(0, nameAt).replace(/\b(static|inline|extern|__inline__|__inline)\b/g, '').replace(/\s+/g, ' ').trim();
    const paramsText = header.slice(header.indexOf('(', nameAt) + 1, header.lastIndexOf(')')).trim();
    const params = paramsText === '' || paramsText === 'void' ? 'struct bpfo_ctx *bpfo' : `struct bpfo_ctx *bpfo, ${paramsText}`;
    const functionZero = returnType === 'void' ? 'return;' : `return (${returnType}){0};`;
    // Inside a loop callback, "leave the function" is "stop the loop; the caller returns".
    let zero = functionZero;
    let loop: LoopPlan | undefined;
    const loopContext = this.handoverPoints.loopContext(definition);

    const handovers = new Map<number, Handover>();
    for (const h of this.handoverPoints.fallbackStatements(definition)) if (!h.loop && !handovers.has(h.node.id)) handovers.set(h.node.id, h);
    // A hand-over that can follow a write to shared state in the same run would let userspace
    // apply the write again: the statement holding the write hands over instead.
    const writes = stateWrites(definition, info, this.input.globalNames);
    for (const h of [...handovers.values()]) for (const w of writes) {
      if (w.startIndex >= h.node.startIndex) continue;
      const earlier = handoverBefore(w, h.node);
      if (earlier && !handovers.has(earlier.id)) handovers.set(earlier.id, { node: earlier, reason: `${h.reason}, after a write to shared state` });
    }
    // A hand-over inside another hand-over is never reached.
    for (const [id, h] of [...handovers]) for (let p = h.node.parent; p; p = p.parent) if (handovers.has(p.id) && p.id !== id) handovers.delete(id);
    for (const h of handovers.values()) this.notes.push(`${name} line ${h.node.startPosition.row + 1}: hands over to userspace (${h.reason})`);

    const emit = (node: SyntaxNode): string => {
      const handover = handovers.get(node.id);
      if (handover) {
        const lines = node.endPosition.row - node.startPosition.row;
        let keep = '';
        if (node.type === 'declaration') keep = declarationWithoutInitializers(node) + ' ';
        return `${keep}{ /* hand over: ${handover.reason.replace(/\*\//g, '* /')} */ bpfo->handover = 1; ${zero} }` + '\n'.repeat(lines);
      }
      switch (node.type) {
        case 'identifier':
          if (loop?.captures.some((c) => c.name === node.text)) return `(*bpfo_lc->${node.text})`;
          if (this.input.stateNames.has(node.text) && !shadowed.has(node.text)) return `bpfo->st->${node.text}`;
          return node.text;
        case 'while_statement':
        case 'for_statement': {
          const plan = !loop && loopContext ? planLoop(node, loopContext) : undefined;
          if (plan) return emitLoop(plan);
          break;
        }
        case 'return_statement': {
          if (!loop) break;
          const value = node.namedChildren.find((c) => c && c.type !== 'comment');
          const keep = value ? `bpfo_lc->bpfo_ret = ${emit(value)}; ` : '';
          return `{ ${keep}bpfo_lc->bpfo_exit = 2; return 1; }`;
        }
        case 'break_statement':
          if (loop && ownerOf(node, true)?.id === loop.node.id) return '{ bpfo_lc->bpfo_exit = 1; return 1; }';
          break;
        case 'continue_statement':
          if (loop && ownerOf(node, false)?.id === loop.node.id) return 'return 0;';
          break;
        case 'call_expression':
          return emitCall(node);
        case 'subscript_expression': {
          const array = node.childForFieldName('argument');
          const index = node.childForFieldName('index');
          if (array && index && array.type === 'identifier' && localArrays.has(array.text)) {
            this.usedHelpers.add('bpfo_clamp');
            return `${emit(array)}[bpfo_clamp(${emit(index)}, sizeof(${array.text}) / sizeof(${array.text}[0]))]`;
          }
          if (array && index && isByteBuffer(array)) return `${emit(array)}[(${emit(index)}) & BPFO_INDEX_MASK]`;
          break;
        }
        case 'binary_expression': {
          const left = node.childForFieldName('left');
          const right = node.childForFieldName('right');
          if (node.childForFieldName('operator')?.text === '+' && left && right && isByteBuffer(left)) {
            if (isConstantText(right)) return `${emit(left)} + ((${emit(right)}) & BPFO_INDEX_MASK)`;
            return `${emit(left)} + BPFO_MASKED(${emit(right)})`;
          }
          break;
        }
        case 'declaration':
          if (/^\s*static\b/.test(node.text)) throw new TranslationError(`${name}: static local at line ${node.startPosition.row + 1}`);
          break;
        case 'compound_statement': {
          // What follows a hand-over in its block never runs in the kernel: it is left out (its
          // lines stay), so that names only userspace has (INET_ADDRSTRLEN...) need not compile.
          const first = node.namedChildren.findIndex((c) => !!c && handovers.has(c.id) && c.type !== 'declaration');
          if (first < 0 || !node.namedChildren.slice(first + 1).some((c) => c && c.type !== 'comment')) break;
          const cut = node.namedChildren[first]!.endIndex;
          const close = node.lastChild?.type === '}' ? node.lastChild : null;
          const gap = this.input.text.slice(cut, close ? close.startIndex : node.endIndex);
          const dropped = gap.slice(0, gap.lastIndexOf('\n') + 1).replace(/[^\n]/g, '') + gap.slice(gap.lastIndexOf('\n') + 1).replace(/\S/g, ' ');
          return splice(node, cut) + dropped + (close ? '}' : '');
        }
      }
      return splice(node);
    };
    const isByteBuffer = (node: SyntaxNode): boolean => {
      let n = node;
      while (n.type === 'parenthesized_expression' && n.namedChildren[0]) n = n.namedChildren[0]!;
      if (n.type === 'identifier') return byteNames.has(n.text) && !localArrays.has(n.text);
      if (n.type === 'binary_expression' && n.childForFieldName('operator')?.text === '+') return isByteBuffer(n.childForFieldName('left')!);
      return false;
    };
    const emitCall = (node: SyntaxNode): string => {
      const callee = calleeName(node);
      const args = node.childForFieldName('arguments');
      const argTexts = args ? args.namedChildren.filter((a): a is SyntaxNode => !!a && a.type !== 'comment').map(emit) : [];
      if (!callee) throw new TranslationError(`${name}: indirect call at line ${node.startPosition.row + 1}`);
      if (this.definitions.has(callee)) {
        callees.add(callee);
        // A literal handed to a function is read through a pointer the verifier cannot bound:
        // give it a padded copy so any masked index stays inside it.
        const literalArgs = args ? args.namedChildren.filter((a): a is SyntaxNode => !!a && a.type !== 'comment') : [];
        literalArgs.forEach((a, i) => {
          if (a.type === 'string_literal') argTexts[i] = `({ static const char bpfo_padded[BPFO_MAX_PAYLOAD] = ${a.text}; bpfo_padded; })`;
        });
        const call = `${callee}(${['bpfo', ...argTexts].join(', ')})`;
        if (!this.mayFallBack(callee)) return call;
        // The callee may hand over: leave this function at once, with nothing more done.
        const returnsVoid = /^\s*(static\s+)?(inline\s+)?void\s+[A-Za-z_]/.test(this.input.text.slice(this.definitions.get(callee)!.startIndex, this.definitions.get(callee)!.childForFieldName('body')?.startIndex));
        return returnsVoid
          ? `({ ${call}; if (bpfo->handover) ${zero} })`
          : `({ __auto_type bpfo_result = ${call}; if (bpfo->handover) ${zero} bpfo_result; })`;
      }
      // bpf_loop inside a bpf_loop callback costs the verifier far more than an inline loop.
      const inline = loop ? '_inline' : '';
      const replacement = LIBC_REPLACEMENTS.get(callee);
      if (replacement) {
        this.usedHelpers.add(replacement + inline);
        return `${replacement}${inline}(${argTexts.join(', ')})`;
      }
      if (isMonotonicClockRead(node)) {
        // CLOCK_MONOTONIC is the clock bpf_ktime_get_ns() reads.
        return `({ __u64 bpfo_ns = bpf_ktime_get_ns(); struct timespec *bpfo_ts = (${argTexts[1]}); bpfo_ts->tv_sec = bpfo_ns / 1000000000ULL; bpfo_ts->tv_nsec = bpfo_ns % 1000000000ULL;${node.parent?.type === 'expression_statement' ? '' : ' 0;'} })`;
      }
      const renamed = RENAMED_CALLS.get(callee);
      if (renamed) return `${renamed}(${argTexts.join(', ')})`;
      if (callee === 'strlen') {
        const arg = args?.namedChildren[0];
        if (arg?.type === 'string_literal') return `(sizeof(${arg.text}) - 1)`;
        this.usedHelpers.add('bpfo_strnlen' + inline);
        return `bpfo_strnlen${inline}(${argTexts[0]}, BPFO_MAX_PAYLOAD)`;
      }
      throw new TranslationError(`${name}: ${callee}() at line ${node.startPosition.row + 1} has no BPF stand-in`);
    };
    /**
     * The loop becomes `bpf_loop(n, step, &captures)`: the step function is emitted before this
     * one with the body on the loop's own lines; the call keeps the loop's line count here.
     */
    const emitLoop = (plan: LoopPlan): string => {
      const row = plan.node.startPosition.row;
      const id = `bpfo_loop_${name}_${row + 1}`;
      const oneLine = (n: SyntaxNode): string => emit(n).replace(/\s*\n\s*/g, ' ');
      const start = plan.kind === 'counted' ? oneLine(plan.start) : '0';
      const bound = plan.kind === 'counted' ? oneLine(plan.bound) : 'BPFO_WALK_LIMIT';
      loop = plan;
      zero = '{ bpfo_lc->bpfo_exit = 2; return 1; }';
      let step: string;
      try {
        const fields = ['struct bpfo_ctx *bpfo;', ...plan.captures.map((c) => `${c.member};`), '__s64 bpfo_start;', '__u64 bpfo_n;', 'int bpfo_exit;', ...(returnType === 'void' ? [] : [`${returnType} bpfo_ret;`])];
        const head = `struct ${id} { ${fields.join(' ')} };` +
          ` static long ${id}_step(__u64 bpfo_iter, void *bpfo_arg) { struct ${id} *bpfo_lc = bpfo_arg; struct bpfo_ctx *bpfo = bpfo_lc->bpfo;` +
          (plan.kind === 'counted'
            ? ` if (bpfo_iter >= bpfo_lc->bpfo_n) { bpfo_lc->bpfo_exit = 1; return 1; }` +
              ` ${plan.counterType} ${plan.counter} = (${plan.counterType})(bpfo_lc->bpfo_start + (__s64)bpfo_iter);`
            : '') +
          (plan.condition ? ` if (!(${oneLine(plan.condition)})) { bpfo_lc->bpfo_exit = 1; return 1; }` : '');
        step = `${head}${'\n'.repeat(plan.body.startPosition.row - row)} ${emit(plan.body)}\n\treturn 0;\n}`;
      } finally {
        loop = undefined;
        zero = functionZero;
      }
      callbacks.push({ name: id, originalLine: row, source: step, returnType: 'long' });
      this.notes.push(`${name} line ${row + 1}: the loop runs as a bpf_loop callback (${id}_step)`);
      const init = ['.bpfo = bpfo', ...plan.captures.map((c) => `.${c.name} = &${c.name}`),
        `.bpfo_start = (__s64)(${start})`, `.bpfo_n = (__s64)(${bound}) > (__s64)(${start}) ? (__u64)((__s64)(${bound}) - (__s64)(${start})) : 0`];
      const result = returnType === 'void' ? 'return;' : 'return bpfo_l.bpfo_ret;';
      const call = `{ struct ${id} bpfo_l = { ${init.join(', ')} };` +
        ` if (bpf_loop(bpfo_l.bpfo_n > 0xffffffffULL ? 0xffffffffU : (__u32)bpfo_l.bpfo_n, ${id}_step, &bpfo_l, 0) < 0) { bpfo->handover = 1; ${functionZero} }` +
        // A walk still running after BPFO_WALK_LIMIT steps is userspace's.
        (plan.kind === 'walk' ? ` if (bpfo_l.bpfo_exit == 0) { bpfo->handover = 1; ${functionZero} }` : '') +
        ` if (bpfo_l.bpfo_exit == 2) ${result} }`;
      return call + '\n'.repeat(plan.node.endPosition.row - row);
    };
    const splice = (node: SyntaxNode, until = node.endIndex): string => {
      let out = '';
      let at = node.startIndex;
      for (const child of node.children) {
        if (!child) continue;
        if (child.startIndex >= until) return out + this.input.text.slice(at, until);
        out += this.input.text.slice(at, child.startIndex) + emit(child);
        at = child.endIndex;
      }
      return out + this.input.text.slice(at, node.endIndex);
    };

    const source = `static __always_inline ${returnType} ${name}(${params})\n${emit(body)}`;
    // The header may span several lines in the original; keep the body on its original lines.
    const headerLines = body.startPosition.row - definition.startPosition.row;
    const padded = headerLines > 1 ? source.replace('\n', '\n'.repeat(headerLines)) : headerLines === 0 ? source.replace('\n', ' ') : source;
    return { source: padded, returnType };
  }
}

/** No variable in it: literals, macro-style names and sizeof — clang folds these, nothing to spill. */
function isConstantText(node: SyntaxNode): boolean {
  let constant = true;
  walk(node, (n) => {
    if (n.type === 'sizeof_expression') return false;
    if (n.type === 'identifier' && !/^[A-Z_][A-Z0-9_]*$/.test(n.text)) constant = false;
    return constant;
  });
  return constant;
}
