// Loads TextMate grammars the way VS Code does (vscode-textmate on the oniguruma wasm), for the
// grammar tests. Each test keeps its own promise so a grammar is built once per file.
import * as fs from 'node:fs';
import * as oniguruma from 'vscode-oniguruma';
import { IGrammar, Registry, parseRawGrammar } from 'vscode-textmate';

/**
 * `files` maps each scope name the registry may ask for to its grammar file; other scopes are
 * unknown (null). `injections` maps a scope to the injection grammars VS Code adds to it.
 */
export async function loadGrammar(scopeName: string, files: Record<string, string>, injections: Record<string, string[]> = {}): Promise<IGrammar> {
  const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
  await oniguruma.loadWASM(wasm.buffer.slice(wasm.byteOffset, wasm.byteOffset + wasm.byteLength));
  const registry = new Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (patterns: string[]) => new oniguruma.OnigScanner(patterns),
      createOnigString: (text: string) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scope: string) => {
      const file = Object.hasOwn(files, scope) ? files[scope] : undefined;
      return file ? parseRawGrammar(fs.readFileSync(file, 'utf8'), file) : null;
    },
    getInjections: (scope: string) => (Object.hasOwn(injections, scope) ? injections[scope] : undefined),
  });
  const grammar = await registry.loadGrammar(scopeName);
  if (!grammar) throw new Error(`${scopeName} did not load`);
  return grammar;
}
