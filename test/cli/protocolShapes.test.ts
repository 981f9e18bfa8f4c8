// The core → LSP-shaped conversion shared by the CLI's --json (and meant for the server).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'path';
import { Severity, type AnalysisDiagnostic } from '../../server/src/analysis/model';
import { fileIdToUri, severityWord, toLspDiagnostic } from '../../server/src/protocolShapes';

const range = { start: { line: 4, character: 2 }, end: { line: 4, character: 8 } };

test('a diagnostic keeps its 0-based range, severity number and code, and gains its doc link', () => {
  const d: AnalysisDiagnostic = { file: 'a.c', range, severity: Severity.Warning, code: 'unbounded-loop', message: 'm' };
  const shaped = toLspDiagnostic(d);
  assert.deepEqual(shaped, {
    range,
    severity: 2,
    code: 'unbounded-loop',
    codeDescription: { href: 'https://github.com/bpf-offload/bpf-offload/blob/main/docs/rules.md#unbounded-loop' },
    source: 'bpf-offload',
    message: 'm',
  });
  assert.notEqual(shaped.range, range, 'the range is a copy');
  assert.equal('relatedInformation' in shaped, false, 'no empty relatedInformation');
});

test('related places become file URIs; URIs already given are kept; data passes through', () => {
  const d: AnalysisDiagnostic = {
    file: 'a.c',
    range,
    severity: Severity.Error,
    code: 'blocking-call',
    message: 'm',
    related: [
      { location: { file: 'src/b.c', range }, message: 'called from here' },
      { location: { file: 'file:///srv/c.c', range }, message: 'entry' },
    ],
    data: { fix: 1 },
  };
  const shaped = toLspDiagnostic(d);
  assert.equal(shaped.relatedInformation?.[0].location.uri, `file://${path.resolve('src/b.c')}`);
  assert.equal(shaped.relatedInformation?.[1].location.uri, 'file:///srv/c.c');
  assert.equal(shaped.relatedInformation?.[0].message, 'called from here');
  assert.deepEqual(shaped.data, { fix: 1 });
});

test('file identifiers: paths (with spaces) become file URIs, a drive letter is not a scheme', () => {
  assert.equal(fileIdToUri('/tmp/my server.c'), 'file:///tmp/my%20server.c');
  assert.equal(fileIdToUri('untitled:Untitled-1'), 'untitled:Untitled-1');
  assert.match(fileIdToUri('C:x.c'), /^file:\/\//);
});

test('severity words are the ones compilers print', () => {
  assert.deepEqual(
    [Severity.Error, Severity.Warning, Severity.Information, Severity.Hint].map(severityWord),
    ['error', 'warning', 'info', 'hint'],
  );
});
