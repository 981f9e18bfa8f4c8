// Tokenizes C with the real C TextMate grammar (the one VS Code ships, from the tm-grammars
// package) and our injection grammar, the way VS Code combines them through `injectTo`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { INITIAL, IGrammar } from 'vscode-textmate';
import { loadGrammar } from './textMate';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const contribution = manifest.contributes.grammars.find((g: { injectTo?: string[] }) => g.injectTo?.includes('source.c'));
const injectionPath = path.join(root, contribution.path);
const injectionScope: string = contribution.scopeName;

let grammarPromise: Promise<IGrammar> | undefined;

function cGrammar(): Promise<IGrammar> {
  grammarPromise ??= loadGrammar(
    'source.c',
    { 'source.c': require.resolve('tm-grammars/grammars/c.json'), [injectionScope]: injectionPath },
    { 'source.c': [injectionScope] },
  );
  return grammarPromise;
}

/** The scopes of the token that covers the first occurrence of `fragment` in `line`. */
async function scopesOf(line: string, fragment: string): Promise<string[]> {
  const grammar = await cGrammar();
  const at = line.indexOf(fragment);
  assert.ok(at >= 0, `${fragment} is not in ${line}`);
  const { tokens } = grammar.tokenizeLine(line, INITIAL);
  const token = tokens.find((t) => t.startIndex <= at && at < t.endIndex);
  assert.ok(token, `no token at ${at}`);
  assert.equal(line.slice(token.startIndex, token.endIndex), fragment, 'the fragment is one token');
  return token.scopes;
}

test('the manifest injects the annotation grammar into C', () => {
  const grammar = JSON.parse(fs.readFileSync(injectionPath, 'utf8'));
  assert.equal(grammar.scopeName, injectionScope);
  assert.match(grammar.injectionSelector, /source\.c/);
});

test('`// bpf-offload: entry` highlights the keyword inside a line comment', async () => {
  const line = 'int handle(int fd) { // bpf-offload: entry';
  const keyword = await scopesOf(line, 'entry');
  assert.ok(keyword.includes('keyword.other.annotation.bpf-offload'), keyword.join(' '));
  assert.ok(keyword.some((s) => s.startsWith('comment.line')), 'still inside the comment');
  const prefix = await scopesOf(line, 'bpf-offload');
  assert.ok(prefix.includes('storage.type.annotation.bpf-offload'), prefix.join(' '));
});

test('`/* bpf-offload: skip */` highlights the keyword inside a block comment', async () => {
  const keyword = await scopesOf('/* bpf-offload: skip */ static void log_it(void);', 'skip');
  assert.ok(keyword.includes('keyword.other.annotation.bpf-offload'), keyword.join(' '));
  assert.ok(keyword.some((s) => s.startsWith('comment.block')), keyword.join(' '));
});

test('a misspelt annotation is marked invalid, not as a keyword', async () => {
  const scopes = await scopesOf('// bpf-offload: entyr', 'entyr');
  assert.ok(scopes.includes('invalid.illegal.unknown-annotation.bpf-offload'), scopes.join(' '));
  const longer = await scopesOf('// bpf-offload: entrypoint', 'entrypoint');
  assert.ok(!longer.includes('keyword.other.annotation.bpf-offload'), 'a longer word is not `entry`');
});

test('the same text outside a comment is left alone', async () => {
  const scopes = await scopesOf('const char *s = "bpf-offload: entry";', 'bpf-offload: entry');
  assert.ok(!scopes.some((s) => s.includes('bpf-offload')), scopes.join(' '));
  assert.ok(scopes.some((s) => s.startsWith('string.quoted')), scopes.join(' '));
});
