import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Severity, type AnalysisDiagnostic } from '../../server/src/analysis/model';
import { toLspDiagnostic } from '../../server/src/features/diagnostics';

const at = (line: number) => ({ start: { line, character: 2 }, end: { line, character: 9 } });

const diagnostic: AnalysisDiagnostic = {
  file: 'file:///w/helper.c',
  range: at(4),
  severity: Severity.Warning,
  code: 'unbounded-loop',
  message: 'This loop has no bound.',
  related: [
    { location: { file: 'file:///w/main.c', range: at(10) }, message: 'parse is called from handle here' },
    { location: { file: 'file:///w/my%20file.c', range: at(0) }, message: 'scan is called from parse here' },
  ],
  data: { fix: 1 },
};

test('an analysis diagnostic becomes an LSP diagnostic with code, rule link and source', () => {
  const lsp = toLspDiagnostic(diagnostic, { relatedInformation: true, clientUri: (f) => f.replace('file:///w/', 'file:///W/') });
  assert.equal(lsp.code, 'unbounded-loop');
  assert.equal(lsp.severity, 2);
  assert.equal(lsp.source, 'bpf-offload');
  assert.match(lsp.codeDescription!.href, /rules\.md#unbounded-loop$/);
  assert.equal(lsp.message, 'This loop has no bound.');
  assert.deepEqual(lsp.data, { fix: 1 });
  assert.deepEqual(
    lsp.relatedInformation?.map((r) => [r.location.uri, r.location.range.start.line, r.message]),
    [
      ['file:///W/main.c', 10, 'parse is called from handle here'],
      ['file:///W/my%20file.c', 0, 'scan is called from parse here'],
    ],
  );
});

test('without relatedInformation support the call chain is folded into the message', () => {
  const lsp = toLspDiagnostic(diagnostic, { relatedInformation: false, clientUri: (f) => f });
  assert.equal(lsp.relatedInformation, undefined);
  assert.equal(
    lsp.message,
    'This loop has no bound.\n  parse is called from handle here (main.c:11)\n  scan is called from parse here (my file.c:1)',
  );
});
