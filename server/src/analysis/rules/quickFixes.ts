// Quick fixes as pure data → text edits. A diagnostic's `data` is `{ fixes: QuickFixData[] }`
// (see DiagnosticData); the language server turns each result of quickFixesFor into a
// `quickfix` code action without knowing what the fix does.
import type { AnalysisDiagnostic, Position, Range } from '../model';

/** Caps a loop: declares a counter before the loop and adds `&& counter++ < bound` to its condition. */
export interface CapLoopFix {
  fix: 'cap-loop';
  bound: number;
  /** Start of the loop statement's line, where the counter declaration goes. */
  insertAt: Position;
  /** Leading whitespace of that line, repeated after the inserted declaration. */
  indent: string;
  counterName: string;
  /** The condition expression; absent for `for (;;)`. */
  condition?: Range;
  /** Where to write a condition when there is none (just after the first `;` of `for (`). */
  emptyConditionAt?: Position;
}

/** Renames a call and adds a bound argument (`strlen(s)` → `strnlen(s, 256)`). */
export interface ReplaceCallFix {
  fix: 'replace-call';
  replacement: string;
  calleeRange: Range;
  /** Argument text to insert, and where (before the closing parenthesis, or after the first argument). */
  insertArgument?: { at: Position; text: string };
}

/** Adds `// bpf-offload: skip` above a function so the path is left to userspace. */
export interface MarkSkipFix {
  fix: 'mark-skip';
  functionName: string;
  insertAt: Position;
}

export type QuickFixData = CapLoopFix | ReplaceCallFix | MarkSkipFix;

export interface TextEdit {
  range: Range;
  newText: string;
}

export interface QuickFix {
  title: string;
  edits: TextEdit[];
}

function insertion(at: Position, newText: string): TextEdit {
  return { range: { start: at, end: at }, newText };
}

function offsetAt(text: string, pos: Position): number {
  let offset = 0;
  for (let line = 0; line < pos.line; line++) {
    const next = text.indexOf('\n', offset);
    if (next < 0) return text.length;
    offset = next + 1;
  }
  return Math.min(offset + pos.character, text.length);
}

function textIn(text: string, range: Range): string {
  return text.slice(offsetAt(text, range.start), offsetAt(text, range.end));
}

function isFixData(value: unknown): value is QuickFixData {
  if (!value || typeof value !== 'object') return false;
  const fix = (value as { fix?: unknown }).fix;
  return fix === 'cap-loop' || fix === 'replace-call' || fix === 'mark-skip';
}

/** Fix data carried by a diagnostic, tolerating data from older versions or other producers. */
export function fixDataOf(diagnostic: Pick<AnalysisDiagnostic, 'data'>): QuickFixData[] {
  const data = diagnostic.data as { fixes?: unknown } | undefined;
  return Array.isArray(data?.fixes) ? data.fixes.filter(isFixData) : [];
}

/** The edits for each fix of the diagnostic, computed against the document's current text. */
export function quickFixesFor(diagnostic: Pick<AnalysisDiagnostic, 'data'>, text: string): QuickFix[] {
  const fixes: QuickFix[] = [];
  for (const data of fixDataOf(diagnostic)) {
    switch (data.fix) {
      case 'cap-loop': {
        const counter = data.counterName;
        const edits: TextEdit[] = [insertion(data.insertAt, `${data.indent}unsigned int ${counter} = 0;\n`)];
        if (data.condition) {
          const condition = textIn(text, data.condition);
          edits.push({ range: data.condition, newText: `(${condition}) && ${counter}++ < ${data.bound}` });
        } else if (data.emptyConditionAt) {
          edits.push(insertion(data.emptyConditionAt, ` ${counter}++ < ${data.bound}`));
        } else continue;
        fixes.push({ title: `Cap the loop at ${data.bound} iterations`, edits });
        break;
      }
      case 'replace-call': {
        const edits: TextEdit[] = [{ range: data.calleeRange, newText: data.replacement }];
        if (data.insertArgument) edits.push(insertion(data.insertArgument.at, data.insertArgument.text));
        fixes.push({ title: `Use ${data.replacement}()${data.insertArgument ? ` with bound${data.insertArgument.text.replace(/^,\s*/, ' ').replace(/,\s*$/, '')}` : ''}`, edits });
        break;
      }
      case 'mark-skip':
        fixes.push({ title: `Leave ${data.functionName}() in userspace (// bpf-offload: skip)`, edits: [insertion(data.insertAt, '// bpf-offload: skip\n')] });
        break;
    }
  }
  return fixes;
}

/** For clients without relatedInformation: the message with the call chain folded in. */
export function messageWithCallChain(diagnostic: Pick<AnalysisDiagnostic, 'message' | 'related'>): string {
  if (!diagnostic.related?.length) return diagnostic.message;
  const steps = diagnostic.related.map((r) => `${r.message.replace(/ here$/, '')} (line ${r.location.range.start.line + 1})`);
  return `${diagnostic.message} [reached: ${steps.join('; ')}]`;
}
