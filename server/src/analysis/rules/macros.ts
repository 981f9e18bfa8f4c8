// Expands the program's own #defines when a bound or a size is written with one whose value the
// type table cannot evaluate alone, e.g. `#define ZONE_SIZE (sizeof zone / sizeof zone[0])`:
// the sizeof of a variable needs the variable's declared type, which only the rules' scope has.
import { parsePlainC, type SyntaxNode } from '../syntax';
import type { FileSummary, DefineInfo } from '../model';

export class MacroExpander {
  private readonly defines = new Map<string, DefineInfo>();
  private readonly parsed = new Map<string, SyntaxNode | null>();

  constructor(summaries: Iterable<FileSummary>, preferredFile: string) {
    for (const s of summaries)
      for (const d of s.defines) if (!this.defines.has(d.name) || s.file === preferredFile) this.defines.set(d.name, d);
  }

  /** What expanding `name` depends on: its parameters and value, or undefined when not defined. */
  definitionText(name: string): string | undefined {
    const d = this.defines.get(name);
    return d ? `${d.params?.join(',') ?? '\u0002'}\u0001${d.value}` : undefined;
  }

  /** The expression an object-like macro stands for, or undefined. */
  objectLike(name: string): SyntaxNode | undefined {
    const d = this.defines.get(name);
    return d && d.params === undefined ? this.parse(d.value) : undefined;
  }

  /** The expression a function-like macro call expands to, with its arguments substituted. */
  functionLike(name: string, args: string[]): SyntaxNode | undefined {
    const d = this.defines.get(name);
    if (!d?.params || d.params.length !== args.length) return undefined;
    let text = d.value;
    d.params.forEach((param, i) => {
      text = text.replace(new RegExp(`\\b${param.replace(/[^\w]/g, '')}\\b`, 'g'), () => `(${args[i]})`);
    });
    return this.parse(text);
  }

  private parse(text: string): SyntaxNode | undefined {
    if (!text.trim() || text.length > 2000) return undefined;
    if (!this.parsed.has(text)) {
      const tree = parsePlainC(`long __bpf_offload_macro = (${text});\n`);
      const declaration = tree.rootNode.namedChild(0);
      const value = tree.rootNode.hasError ? null : declaration?.childForFieldName('declarator')?.childForFieldName('value') ?? null;
      this.parsed.set(text, value);
    }
    return this.parsed.get(text) ?? undefined;
  }

  /** Drops the parsed expansions; the expander must not be used afterwards. */
  dispose(): void {
    this.parsed.clear();
  }
}
