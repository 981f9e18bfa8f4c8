// Tokenizes verifier logs with the grammar the manifest contributes for *.verifier.log files:
// a log captured from this kernel (checked in below) and, where this process may load BPF, a
// log the running kernel prints now, so a change in the kernel's wording shows up here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { INITIAL, IGrammar, StateStack } from 'vscode-textmate';
import { findToolchain, privilege } from '../../server/src/tools';
import { verifyGeneratedSource } from '../../server/src/tools/verify';
import { loadGrammar } from './textMate';

const root = path.resolve(__dirname, '../../..');
const manifest = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const language = manifest.contributes.languages?.find((l: { id: string }) => l.id === 'bpf-verifier-log');
const contribution = manifest.contributes.grammars.find((g: { language?: string }) => g.language === 'bpf-verifier-log');

// From Linux 6.18 rejecting a map lookup used without a NULL check (clang 14 -O2 -g), plus a
// pending-branch line and the wording of three other refusals.
const LOG = `libbpf: prog 'count_len': -- BEGIN PROG LOAD LOG --
0: R1=ctx() R10=fp0
; void *data = (void *)(long)ctx->data; @ bad2.bpf.c:14
0: (61) r2 = *(u32 *)(r1 +0)          ; R1=ctx() R2=pkt(r=0)
; __u32 key = (__u32)(end - data) & 3; @ bad2.bpf.c:16
4: (57) r3 &= 3                       ; R3=scalar(smin=smin32=0,smax=umax=smax32=umax32=3,var_off=(0x0; 0x3))
5: (63) *(u32 *)(r10 -4) = r3         ; R3=scalar(smin=smin32=0,smax=umax=smax32=umax32=3,var_off=(0x0; 0x3)) R10=fp0 fp-8=mmmm????
7: (2d) if r2 > r1 goto pc+8          ; R1=pkt_end() R2=pkt(off=14,r=14)
10: (18) r1 = 0xffff8881d50dd000      ; R1=map_ptr(map=hits,ks=4,vs=8)
12: (85) call bpf_map_lookup_elem#1   ; R0=map_value_or_null(id=1,map=hits,ks=4,vs=8)
; *slot += 1; @ bad2.bpf.c:20
13: (79) r1 = *(u64 *)(r0 +0)
R0 invalid mem access 'map_value_or_null'
processed 13 insns (limit 1000000) max_states_per_insn 0 total_states 1 peak_states 1 mark_read 0
-- END PROG LOAD LOG --
from 7 to 16: R0_w=2 R1=pkt_end() R10=fp0
invalid access to packet, off=20 size=1, R1(id=0,off=20,r=0)
R1 offset is outside of the packet
math between pkt pointer and register with unbounded min value is not allowed`;

let grammarPromise: Promise<IGrammar> | undefined;

function logGrammar(): Promise<IGrammar> {
  grammarPromise ??= loadGrammar(contribution.scopeName, { [contribution.scopeName]: path.join(root, contribution.path) });
  return grammarPromise;
}

interface Token {
  text: string;
  scopes: string[];
}

async function tokenize(log: string): Promise<Token[][]> {
  const grammar = await logGrammar();
  let state: StateStack = INITIAL;
  return log.split('\n').map((line) => {
    const result = grammar.tokenizeLine(line, state);
    state = result.ruleStack;
    return result.tokens.map((t) => ({ text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes }));
  });
}

/** The innermost scope of the token that is exactly `text` on the line starting with `linePrefix`. */
function scopeOf(lines: Token[][], source: string[], linePrefix: string, text: string, nth = 0): string {
  const index = source.findIndex((l) => l.startsWith(linePrefix));
  assert.ok(index >= 0, `no line starts with ${linePrefix}`);
  const matches = lines[index].filter((t) => t.text === text);
  assert.ok(matches[nth], `"${text}" is not one token on "${source[index]}": ${JSON.stringify(lines[index].map((t) => t.text))}`);
  return matches[nth].scopes[matches[nth].scopes.length - 1];
}

test('the manifest gives *.verifier.log files the verifier-log language and grammar', () => {
  assert.ok(language, 'a bpf-verifier-log language');
  assert.ok(language.extensions.includes('.verifier.log'));
  assert.equal(contribution.scopeName, 'source.bpf-verifier-log');
  const grammar = JSON.parse(fs.readFileSync(path.join(root, contribution.path), 'utf8'));
  assert.equal(grammar.scopeName, contribution.scopeName);
});

test('instructions, register state, source lines, errors and the summary get their scopes', async () => {
  const source = LOG.split('\n');
  const lines = await tokenize(LOG);
  const scope = (prefix: string, text: string, nth = 0) => scopeOf(lines, source, prefix, text, nth);

  assert.equal(scope('12: (85)', '12'), 'constant.numeric.instruction-index.bpf-verifier-log');
  assert.equal(scope('12: (85)', '85'), 'constant.numeric.opcode.bpf-verifier-log');
  assert.equal(scope('12: (85)', 'call'), 'keyword.control.call.bpf-verifier-log');
  assert.equal(scope('12: (85)', 'bpf_map_lookup_elem'), 'entity.name.function.helper.bpf-verifier-log');
  assert.equal(scope('12: (85)', 'R0'), 'variable.other.register.bpf-verifier-log');
  assert.equal(scope('12: (85)', 'map_value_or_null'), 'support.type.register-type.bpf-verifier-log');
  assert.equal(scope('0: (61)', 'r2'), 'variable.language.register.bpf-verifier-log');
  assert.equal(scope('0: (61)', '*(u32 *)'), 'storage.type.memory-access.bpf-verifier-log');
  assert.equal(scope('7: (2d)', 'goto'), 'keyword.control.bpf-verifier-log');
  assert.equal(scope('5: (63)', 'fp-8'), 'variable.other.stack-slot.bpf-verifier-log');
  assert.equal(scope('10: (18)', '0xffff8881d50dd000'), 'constant.numeric.bpf-verifier-log');

  assert.equal(scope('0: R1=ctx()', 'R10'), 'variable.other.register.bpf-verifier-log');
  assert.equal(scope('0: R1=ctx()', 'ctx'), 'support.type.register-type.bpf-verifier-log');
  assert.equal(scope('from 7 to 16', '16'), 'constant.numeric.instruction-index.bpf-verifier-log');
  assert.equal(scope('from 7 to 16', '_w'), 'storage.modifier.liveness.bpf-verifier-log');

  assert.equal(scope('; *slot', 'bad2.bpf.c'), 'entity.name.filename.bpf-verifier-log');
  assert.equal(scope('; *slot', '20'), 'constant.numeric.line-number.bpf-verifier-log');
  assert.equal(scope('; *slot', '*slot += 1;'), 'string.unquoted.source-text.bpf-verifier-log');

  for (const error of ['R0 invalid mem access', 'invalid access to packet', 'R1 offset is outside', 'math between pkt pointer']) {
    const line = source.find((l) => l.startsWith(error))!;
    assert.equal(scope(error, line), 'invalid.illegal.error.bpf-verifier-log', error);
  }
  assert.equal(scope('processed 13', 'processed'), 'keyword.other.processed.bpf-verifier-log');
  assert.equal(scope('processed 13', '13'), 'constant.numeric.instruction-count.bpf-verifier-log');
  assert.equal(scope('-- END', '-- END PROG LOAD LOG --'), 'comment.line.marker.bpf-verifier-log');
  // Nothing else in the log is an error: the instruction and state lines stay clean.
  const errorLines = lines.filter((tokens) => tokens.some((t) => t.scopes.some((s) => s.startsWith('invalid.'))));
  assert.equal(errorLines.length, 4);
});

test('a log printed by the running kernel now has its source lines, instructions and error scoped', async (t) => {
  if (!findToolchain().ok || !privilege().canLoad) {
    if (process.env.BPF_OFFLOAD_REQUIRE_KERNEL === '1') throw new Error('BPF_OFFLOAD_REQUIRE_KERNEL=1 but this process cannot load BPF');
    t.skip('needs clang, bpftool and root to capture a live log');
    return;
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpfo-vlog-'));
  try {
    const file = path.join(dir, 'live.bpf.c');
    fs.writeFileSync(file, [
      '#include <linux/bpf.h>',
      '#include <bpf/bpf_helpers.h>',
      'SEC("xdp")',
      'int peek(struct xdp_md *ctx)',
      '{',
      '    unsigned char *p = (void *)(long)ctx->data;',
      '    return p[30] == 7 ? XDP_DROP : XDP_PASS;',
      '}',
      'char LICENSE[] SEC("license") = "GPL";',
    ].join('\n'));
    const report = await verifyGeneratedSource(file);
    assert.equal(report.load.status, 'failed', report.summary);
    const log = report.verifierLog!;
    const source = log.split('\n');
    const lines = await tokenize(log);
    const sourceLine = source.findIndex((l) => l.endsWith('@ live.bpf.c:7'));
    assert.ok(sourceLine >= 0, log);
    assert.ok(lines[sourceLine].some((t) => t.text === 'live.bpf.c' && t.scopes.includes('entity.name.filename.bpf-verifier-log')));
    const instructions = lines.filter((tokens, i) => /^\d+: \(/.test(source[i]) && tokens[0].scopes.includes('constant.numeric.instruction-index.bpf-verifier-log'));
    assert.ok(instructions.length >= 1, log);
    const reason = source.findIndex((l) => l.startsWith('invalid access to packet'));
    assert.ok(reason >= 0, log);
    assert.ok(lines[reason][0].scopes.includes('invalid.illegal.error.bpf-verifier-log'));
    const processed = source.findIndex((l) => l.startsWith('processed '));
    assert.ok(lines[processed][0].scopes.includes('keyword.other.processed.bpf-verifier-log'));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
