// `bpf-offload report`: the human-readable report `npm start` prints.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { removeTree, runCli, writeTree } from './helpers';

test('the report lists functions, entries, findings per rule with titles, and the findings', () => {
  const root = writeTree({
    'server.c': `#include <stdlib.h>

static int helper(int n) { return n + 1; }

// bpf-offload: entry
int handle(int n)
{
    char *p = malloc(n);
    free(p);
    return helper(n);
}
`,
  });
  try {
    const result = runCli(['report', root]);
    assert.equal(result.status, 0, 'report exits 0 even with error findings');
    assert.equal(result.stderr, '');
    const out = result.stdout;
    assert.match(out, new RegExp(`^${escape(path.join(root, 'server.c'))}$`, 'm'));
    assert.match(out, /functions \(2\): helper, handle/);
    assert.match(out, /entries \(1\):\n {4}handle \(annotation\b/);
    assert.match(out, /error\s+dynamic-memory\s+Dynamic memory allocation/);
    assert.match(out, /^ {4}8:\d+\s+error\s+malloc.*\[dynamic-memory\]$/m);
    assert.match(out, /Total: 2 functions, \d+ errors?, /);
  } finally {
    removeTree(root);
  }
});

test('a file with nothing to report says so', () => {
  const root = writeTree({ 'tiny.c': 'int add(int a, int b) { return a + b; }\n' });
  try {
    const result = runCli(['report', '--program-type', 'xdp', '--target-kernel', '5.15', root]);
    assert.equal(result.status, 0);
    assert.match(result.stdout, /target kernel 5\.15, program type xdp/);
    assert.match(result.stdout, /entries \(0\): none found/);
    assert.match(result.stdout, /findings: none/);
  } finally {
    removeTree(root);
  }
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
