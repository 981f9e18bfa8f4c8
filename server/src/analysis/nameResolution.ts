// Which definition a call by name reaches, as the C linker and preprocessor would decide for a
// single program: a definition in the calling file wins (a `static` helper shadows a global of
// the same name), then a `static` function from a header the file includes (textually pasted
// in), then an external definition elsewhere. A workspace may hold several programs that each
// define the same global (two `main`s, two `handle_request`s); the definition nearest the
// caller in the directory tree is taken, which is the one its build most likely links.
// A name the calling file (or a header it includes) #defines as a function-like macro is
// expanded by the preprocessor before any linking, so such a "call" reaches no function
// elsewhere, even when another file has a function of that name (or tree-sitter made one out
// of an X-macro).
//
// Answers are positions in the call graph's function list, not objects: a graph reused after an
// edit keeps every function's position, so it shares this whole object (and its cache).
import type { FileSummary, FunctionInfo } from './model';

function normalizePath(file: string): string {
  return file.replace(/\\/g, '/');
}

/** `"net/util.h"` or `<net/util.h>` → `net/util.h`. */
function includeTarget(written: string): string {
  return normalizePath(written.trim().replace(/^["<]/, '').replace(/[">]$/, ''));
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/** Read (or filled lazily) from the summaries' names, includes and macros alone. */
export class NameResolution {
  /** The file of the function at each position. */
  private readonly fileAt: string[];
  private readonly definedIn = new Map<string, Map<string, number>>();
  private readonly externalByName = new Map<string, number[]>();
  private readonly staticByName = new Map<string, number[]>();
  private readonly includes = new Map<string, string[]>();
  /** Function-like macro names #defined in each file. */
  private readonly functionMacros = new Map<string, Set<string>>();
  private readonly visibleMacros = new Map<string, Set<string>>();
  private readonly filesByBaseName = new Map<string, string[]>();
  private readonly headerClosures = new Map<string, Set<string>>();
  /** The answers by file and name (-1: none). */
  private readonly resolved = new Map<string, Map<string, number>>();

  /** `files` in code-unit order; `functions` in the graph's order, whose positions the answers are. */
  constructor(summaries: FileSummary[], files: string[], functions: FunctionInfo[]) {
    for (const file of files) {
      const base = normalizePath(file).split('/').pop()!;
      const list = this.filesByBaseName.get(base) ?? [];
      list.push(file);
      this.filesByBaseName.set(base, list);
    }
    for (const summary of summaries) {
      const known = this.includes.get(summary.file) ?? [];
      this.includes.set(summary.file, known.concat(summary.includes.map(includeTarget)));
      const macros = this.functionMacros.get(summary.file) ?? new Set<string>();
      for (const define of summary.defines) if (define.params !== undefined) macros.add(define.name);
      this.functionMacros.set(summary.file, macros);
    }
    this.fileAt = functions.map((fn) => fn.file);
    functions.forEach((fn, index) => {
      let names = this.definedIn.get(fn.file);
      if (!names) this.definedIn.set(fn.file, (names = new Map()));
      if (!names.has(fn.name)) names.set(fn.name, index);
      const byName = fn.isStatic ? this.staticByName : this.externalByName;
      const list = byName.get(fn.name) ?? [];
      list.push(index);
      byName.set(fn.name, list);
    });
  }

  /** The position of the function a call to `name` from `fromFile` reaches, -1 for none. */
  positionOf(fromFile: string, name: string): number {
    let known = this.resolved.get(fromFile);
    if (!known) this.resolved.set(fromFile, (known = new Map()));
    let target = known.get(name);
    if (target === undefined) known.set(name, (target = this.resolveUncached(fromFile, name)));
    return target;
  }

  private resolveUncached(fromFile: string, name: string): number {
    const local = this.definedIn.get(fromFile)?.get(name);
    if (local !== undefined) return local;
    if (this.isFunctionMacroIn(fromFile, name)) return -1;
    const statics = this.staticByName.get(name);
    if (statics) {
      const headers = this.headerClosure(fromFile);
      const fromHeader = statics.find((index) => headers.has(this.fileAt[index]));
      if (fromHeader !== undefined) return fromHeader;
    }
    const candidates = this.externalByName.get(name);
    if (!candidates) return -1;
    const from = normalizePath(fromFile);
    let best = candidates[0];
    let bestShared = commonPrefixLength(from, normalizePath(this.fileAt[best]));
    for (const index of candidates.slice(1)) {
      const shared = commonPrefixLength(from, normalizePath(this.fileAt[index]));
      if (shared > bestShared) {
        best = index;
        bestShared = shared;
      }
    }
    return best;
  }

  /** Whether `file` or a header it includes #defines `name` as a function-like macro. */
  private isFunctionMacroIn(file: string, name: string): boolean {
    let visible = this.visibleMacros.get(file);
    if (!visible) {
      visible = new Set(this.functionMacros.get(file));
      for (const header of this.headerClosure(file)) for (const macro of this.functionMacros.get(header) ?? []) visible.add(macro);
      this.visibleMacros.set(file, visible);
    }
    return visible.has(name);
  }

  /** Files reachable through #include from `file`, matched by path suffix, transitively. */
  private headerClosure(file: string): Set<string> {
    let closure = this.headerClosures.get(file);
    if (closure) return closure;
    closure = new Set<string>();
    const work = [file];
    while (work.length > 0) {
      const current = work.pop()!;
      for (const included of this.includes.get(current) ?? []) {
        const base = included.split('/').pop()!;
        for (const candidate of this.filesByBaseName.get(base) ?? []) {
          const path = normalizePath(candidate);
          if ((path === included || path.endsWith(`/${included}`)) && !closure.has(candidate) && candidate !== file) {
            closure.add(candidate);
            work.push(candidate);
          }
        }
      }
    }
    this.headerClosures.set(file, closure);
    return closure;
  }
}
