// #if groups that tree-sitter's C grammar has no place for although each branch balances (the
// split-#if source, conditionalBranches.ts with expressionContext.ts): a group inside an
// initializer list, parentheses or brackets, and a group with a branch ending in a dangling
// `else`, are parsed with one branch taken; groups among statements, struct fields and
// enumerators are left alone. (Carried through edits: blanking.test.ts.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { initC, parsePlainC, type SyntaxNode } from '../../server/src/analysis/syntax';
import { memcachedOrSkip } from '../corpus/corpusRun';
import { blanked, emptyLines } from './splitGroupHelpers';

/** The ERROR and MISSING nodes of a tree, as type and row: none for a text the grammar takes as it is. */
function errorsOf(node: SyntaxNode): string[] {
  if (node.type === 'ERROR' || node.isMissing) return [`${node.isMissing ? 'MISSING' : 'ERROR'}@${node.startPosition.row + 1}`];
  return node.children.flatMap(errorsOf);
}

async function assertParsesWithoutErrors(text: string): Promise<void> {
  await initC();
  assert.deepEqual(errorsOf(parsePlainC(text).rootNode), [], text);
}

export const INITIALIZER_GROUP = `static char *const tokens[] = {
    [NO_MODERN] = "no_modern",
#ifdef TLS
    [SSL_CERT] = "ssl_chain_cert",
    [SSL_KEY] = "ssl_key",
#endif
    NULL
};
`;

test('a group inside an initializer list keeps its first branch; its directive lines become blanks', async () => {
  assert.equal(blanked(INITIALIZER_GROUP), emptyLines(INITIALIZER_GROUP, [3, 6]));
  await assertParsesWithoutErrors(blanked(INITIALIZER_GROUP));
  // Nested lists, struct initializers and a comment between '=' and '{' are initializer lists too; #if 0 takes the next branch.
  const nested = `struct cb callbacks[] = /* table */ {\n   { LOG, log_cb, NULL },\n#if 0\n   { OLD, old_cb, NULL },\n#elif defined(CONF)\n   { CONF, conf_cb, NULL },\n#else\n   { PATH, path_cb, NULL },\n#endif\n   { END, NULL, NULL }\n};\nstruct s v = { .a = 1, .b = {\n#ifdef X\n   2,\n#endif\n   3 } };\n`;
  assert.equal(blanked(nested), emptyLines(nested, [3, 4, 5, 7, 8, 9, 13, 15]));
  await assertParsesWithoutErrors(blanked(nested));
});

test('a group inside parentheses or brackets keeps its first branch', async () => {
  const condition = `void f(int a, int b, int c) {\n    if ((a != 0 && a < b)\n        || c\n#ifdef EXTSTORE\n        || !b\n#endif\n        ) {\n        a++;\n    }\n}\n`;
  assert.equal(blanked(condition), emptyLines(condition, [4, 6]));
  await assertParsesWithoutErrors(blanked(condition));
  const bracket = `int table[1\n#ifdef BIG\n  + 64\n#else\n  + 8\n#endif\n];\n`;
  assert.equal(blanked(bracket), emptyLines(bracket, [2, 4, 5, 6]));
  await assertParsesWithoutErrors(blanked(bracket));
});

export const DANGLING_ELSE = `static void conn_init(conn *c, void *ssl) {
#ifdef TLS
    if (ssl) {
        c->ssl = ssl;
    } else // plain
#else
    // This must be NULL if TLS is not enabled.
    assert(ssl == NULL);
#endif
    {
        c->read = tcp_read;
    }
}
`;

test('a group one of whose branches ends with a dangling else keeps its first branch, which the block after it completes', async () => {
  assert.equal(blanked(DANGLING_ELSE), emptyLines(DANGLING_ELSE, [2, 6, 7, 8, 9]));
  await assertParsesWithoutErrors(blanked(DANGLING_ELSE));
  // The else in the last branch counts as well; a word merely ending in "else", or a directive's own "#else", does not.
  const last = `void f(conn *c, void *ssl) {\n#ifndef TLS\n    assert(ssl == NULL);\n#else\n    if (ssl) {\n        c->ssl = ssl;\n    } else\n#endif\n    {\n        c->read = tcp_read;\n    }\n}\n`;
  assert.equal(blanked(last), emptyLines(last, [2, 4, 5, 6, 7, 8]));
  await assertParsesWithoutErrors(blanked(last));
  const notElse = `void f(int n) {\n#ifdef A\n    n = n_else\n#else\n#endif\n    ;\n}\n`;
  assert.equal(blanked(notElse), notElse);
});

test('groups among statements, struct fields and enumerators, and in a block after a parenthesis, are left as written', async () => {
  const text = `struct s {\n    int a;\n#ifdef X\n    int b;\n#endif\n};\nenum e {\n    A = 1,\n#ifdef X\n    B,\n#endif\n};\nint f(int n) {\n    int v[2] = { 1, 2 };\n    if (n == v[0]) /* { */ {\n#ifdef X\n        n++;\n#endif\n    }\n    return ({ int r = n;\n#ifdef Y\n        r++;\n#endif\n        r; });\n}\n`;
  assert.equal(blanked(text), text);
  await initC();
  assert.deepEqual(errorsOf(parsePlainC(text).rootNode), []);
});

test('memcached.c, crawler.c, sasl_defs.c and testapp.c parse without any ERROR or MISSING node', async (t) => {
  const directory = memcachedOrSkip(t);
  if (!directory) return;
  for (const file of ['memcached.c', 'crawler.c', 'sasl_defs.c', 'testapp.c']) {
    await assertParsesWithoutErrors(readFileSync(join(directory, file), 'utf8')).catch((error: Error) => {
      throw new Error(`${file}: ${error.message.slice(0, 300)}`);
    });
  }
});
