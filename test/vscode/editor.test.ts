// The packaged extension in a real VS Code (code-server in headless Chromium): what a person
// sees after opening an example server. Setup and helpers: ./setup.ts, ./codeServer.ts,
// ./workbench.ts; how to run and where screenshots go: docs/testing.md.
import { describe, test, TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { withEditor } from './codeServer';
import { analyzeWithCli, CliDiagnostic, copyExample, prepareEditorSuite, removeQuietly } from './setup';
import {
  closeHover,
  explorerFiles,
  filterProblems,
  goToLine,
  hoverAt,
  isRestrictedMode,
  openFile,
  openProblems,
  ProblemCounts,
  problemCounts,
  waitForProblem,
  waitForProblemCounts,
} from './workbench';

// Hooks at the file's top level: they run around the one suite below.
const suite = prepareEditorSuite();

const EXAMPLE = 'kv-cache';
const SOURCE_FILE = 'kv-cache.c';
const SEVERITY_NAMES = { 1: 'error', 2: 'warning', 3: 'info', 4: 'hint' } as const;

function expectedCounts(diagnostics: CliDiagnostic[]): ProblemCounts {
  const count = (severity: number) => diagnostics.filter((d) => d.severity === severity).length;
  return { errors: count(1), warnings: count(2), infos: count(3) };
}

/** The diagnostics the rules produce for the example, from the CLI of the same build. */
function expectedDiagnostics(workspace: string): CliDiagnostic[] {
  const diagnostics = analyzeWithCli(suite.extension!.cli, path.join(workspace, SOURCE_FILE));
  assert.ok(diagnostics.length > 0, `the CLI reports no diagnostic for ${SOURCE_FILE}; nothing to look for in the editor`);
  return diagnostics;
}

/** Finds `diagnostic` in the Problems panel, through its filter box, and checks what the row shows. */
async function assertProblemListed(page: Page, diagnostic: CliDiagnostic): Promise<void> {
  await filterProblems(page, diagnostic.message);
  const line = diagnostic.range.start.line + 1;
  const column = diagnostic.range.start.character + 1;
  const row = await waitForProblem(page, (r) => r.message === diagnostic.message && r.line === line && r.column === column).catch(
    (error: Error) => assert.fail(`"${diagnostic.message}" at [Ln ${line}, Col ${column}] is not listed: ${error.message}`),
  );
  assert.equal(row.code, diagnostic.code);
  assert.equal(row.source, 'bpf-offload');
  assert.equal(row.severity, SEVERITY_NAMES[diagnostic.severity]);
}

function skipIfUnavailable(t: TestContext): boolean {
  if (!suite.skipReason) return false;
  t.skip(suite.skipReason);
  return true;
}

describe('the packaged extension in VS Code (code-server)', () => {

  test('a trusted workspace: the .vsix installs, activates on a .c file, and the Problems panel lists the rules\' diagnostics', { timeout: 240_000 }, async (t) => {
    if (skipIfUnavailable(t)) return;
    const workspace = copyExample(EXAMPLE);
    try {
      const expected = expectedDiagnostics(workspace);
      await withEditor('kv-cache-trusted', { tools: suite.tools!, vsix: suite.extension!.vsix, workspace, trust: 'trust' }, async (editor) => {
        const { page } = editor;
        assert.equal(await isRestrictedMode(page), false, 'a trusted workspace is not in Restricted Mode');
        assert.ok((await explorerFiles(page)).includes(SOURCE_FILE), `the Explorer lists ${SOURCE_FILE}`);

        // No C file open yet: the extension activates on the language (onLanguage:c), so its
        // server has not run and nothing is reported; opening the .c file starts it.
        assert.deepEqual(await problemCounts(page), { errors: 0, warnings: 0, infos: 0 });
        await openFile(page, SOURCE_FILE);
        // Only this extension reports problems here, so the status bar counts are exactly the
        // rules' diagnostics — all of them, with the severities the CLI gives.
        await waitForProblemCounts(page, expectedCounts(expected));
        await editor.waitForExtensionLog(/server started \(trusted\)/);

        await openProblems(page);
        await assertProblemListed(page, expected[0]);
        const firstError = expected.find((d) => d.severity === 1);
        if (firstError) await assertProblemListed(page, firstError);
        await filterProblems(page, '');
        await editor.screenshot('kv-cache-problems');

        // The squiggle under the first error carries its message in the editor's hover.
        if (firstError) {
          const line = firstError.range.start.line + 1;
          const hover = await hoverAt(page, line, firstError.range.start.character + 1, { containing: firstError.message.slice(0, 40) });
          assert.ok(hover.includes(firstError.message), `hover at ${line} shows "${firstError.message}"; it shows:\n${hover}`);
          await editor.screenshot('kv-cache-hover');
          await closeHover(page);
          // Squiggles around the error above the full list: the picture for the README.
          await editor.screenshot('kv-cache-diagnostics');
        }
      });
    } finally {
      removeQuietly(path.dirname(workspace));
    }
  });

  test('a workspace left untrusted (Restricted Mode) still shows the diagnostics', { timeout: 240_000 }, async (t) => {
    if (skipIfUnavailable(t)) return;
    const workspace = copyExample(EXAMPLE);
    try {
      const expected = expectedDiagnostics(workspace);
      await withEditor('kv-cache-restricted', { tools: suite.tools!, vsix: suite.extension!.vsix, workspace, trust: 'restricted' }, async (editor) => {
        const { page } = editor;
        assert.equal(await isRestrictedMode(page), true, 'answering "No" puts the window in Restricted Mode');
        await openFile(page, SOURCE_FILE);
        // The analysis runs no external program, so an untrusted workspace loses none of it.
        await waitForProblemCounts(page, expectedCounts(expected));
        await editor.waitForExtensionLog(/server started \(untrusted/);
        await openProblems(page);
        await assertProblemListed(page, expected[0]);
        await goToLine(page, expected[0].range.start.line + 1);
        await editor.screenshot('kv-cache-restricted');
      });
    } finally {
      removeQuietly(path.dirname(workspace));
    }
  });
});
