import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Severity, type AnalysisDiagnostic } from '../../server/src/analysis/model';
import { convertedDiagnostic, toLspDiagnostic } from '../../server/src/features/diagnostics';

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

test('a diagnostic converted again with options that give the same result is the conversion kept before', () => {
  const mapped = { relatedInformation: true, clientUri: (f: string) => f.replace('file:///w/', 'file:///W/') };
  const first = convertedDiagnostic(diagnostic, mapped);
  assert.deepEqual(first, toLspDiagnostic(diagnostic, mapped));
  // Other option objects (a publish makes its own) with the same outcome: the same conversion.
  assert.equal(convertedDiagnostic(diagnostic, { ...mapped, clientUri: (f: string) => f.replace('file:///w/', 'file:///W/') }), first);
  // A copy of the diagnostic (another analysis' object) is converted on its own.
  const copy = structuredClone(diagnostic);
  assert.notEqual(convertedDiagnostic(copy, mapped), first);
  assert.deepEqual(convertedDiagnostic(copy, mapped), first);
  // A related file now open under another spelling is not served the stale URI.
  const reopened = { relatedInformation: true, clientUri: (f: string) => f.replace('file:///w/main.c', 'file:///w/Main.c') };
  const remapped = convertedDiagnostic(diagnostic, reopened);
  assert.deepEqual(remapped, toLspDiagnostic(diagnostic, reopened));
  assert.equal(remapped.relatedInformation?.[0].location.uri, 'file:///w/Main.c');
  // Nor is a client without related information served the chain as related information.
  const folded = convertedDiagnostic(diagnostic, { relatedInformation: false, clientUri: reopened.clientUri });
  assert.deepEqual(folded, toLspDiagnostic(diagnostic, { relatedInformation: false, clientUri: (f) => f }));
  assert.equal(folded.relatedInformation, undefined);
});
