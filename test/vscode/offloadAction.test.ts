// The "Offload to XDP" code action in a real VS Code (code-server in headless Chromium), on
// examples/kv-cache: chosen from the Ctrl+. menu, it applies at once (no preview with unticked
// files), the split files appear in the Explorer and on disk, the source stays as it was, one
// undo takes the whole split back, and a file already in the way is never replaced.
// Helpers: ./workbench.ts.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { splitFileNames } from '../../server/src/analysis/codegen/contract';
import { Editor, withEditor } from './codeServer';
import { copyExample, prepareEditorSuite, removeQuietly } from './setup';
import {
  chooseCodeAction,
  expandExplorerFolder,
  goToLine,
  openFile,
  openFromExplorer,
  undoAcrossFiles,
  waitForExplorer,
} from './workbench';

// Hooks at the file's top level: they run around the one suite below.
const suite = prepareEditorSuite();

const EXAMPLE = 'kv-cache';
const SOURCE_FILE = 'kv-cache.c';
const HANDLER = 'handle_request';


/** The files the split of kv-cache creates (server/src/analysis/codegen/contract.ts). */
function plannedFiles(): string[] {
  const names = splitFileNames('kv-cache');
  return [names.kernel, names.sharedHeader, names.userspace, names.loader, names.loaderHeader, names.makefile, names.lineMap].sort();
}

/** Waits until `check` holds on the disk (the editor writes a little after the UI changes). */
async function waitForDisk(page: Page, what: string, check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await page.waitForTimeout(250);
  }
}

const nonEmptyFiles = (dir: string, names: string[]) => names.every((n) => fs.existsSync(path.join(dir, n)) && fs.statSync(path.join(dir, n)).size > 0);

/** Opens the source, waits for its analysis, and puts the cursor on the handler's name. */
async function cursorOnHandler(editor: Editor, source: string): Promise<void> {
  const { page } = editor;
  await openFile(page, SOURCE_FILE);
  // The server has analysed the file once the light bulb's actions can be planned; the log
  // says so first.
  await editor.waitForExtensionLog(/server started \(trusted\)/, 60_000);
  const lines = source.split('\n');
  const line = lines.findIndex((l) => new RegExp(`^\\w.*\\b${HANDLER}\\(`).test(l));
  assert.ok(line >= 0, `${HANDLER} is defined in ${SOURCE_FILE}`);
  await goToLine(page, line + 1, lines[line].indexOf(HANDLER) + 1);
}

/** Text of the active editor's rendered lines. */
async function visibleText(page: Page): Promise<string> {
  // The editor renders spaces as non-breaking ones.
  return (await page.locator('.editor-instance .monaco-editor .view-lines').first().innerText()).replace(/\u00a0/g, ' ');
}

/** Chooses the XDP action (retrying while the server is still analysing) and returns its title. */
async function chooseOffloadToXdp(page: Page): Promise<string> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      return await chooseCodeAction(page, new RegExp(`^Offload ${HANDLER} to XDP`));
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await page.waitForTimeout(1000);
    }
  }
}

describe('the offload code action in VS Code (code-server)', () => {

  test('Offload to XDP creates the split files beside the source at once, leaves the source as it was, and one undo takes them all back', { timeout: 240_000 }, async (t) => {
    if (suite.skipReason) return t.skip(suite.skipReason);
    const workspace = copyExample(EXAMPLE);
    // Without the example's own Makefile nothing is in the way: the files go beside the source.
    fs.rmSync(path.join(workspace, 'Makefile'));
    const sourceFile = path.join(workspace, SOURCE_FILE);
    const original = fs.readFileSync(sourceFile);
    const expected = plannedFiles();
    const before = fs.readdirSync(workspace).sort();
    try {
      await withEditor('kv-cache-offload-action', { tools: suite.tools!, vsix: suite.extension!.vsix, workspace, trust: 'trust' }, async (editor) => {
        const { page } = editor;
        await cursorOnHandler(editor, original.toString('utf8'));
        const title = await chooseOffloadToXdp(page);
        assert.doesNotMatch(title, /into /, `nothing is in the way, so the files go beside the source: ${title}`);
        await waitForDisk(page, 'the split files on disk, saved', () => nonEmptyFiles(workspace, expected));
        await waitForExplorer(page, { present: expected });
        await openFromExplorer(page, splitFileNames('kv-cache').kernel);
        assert.match(await visibleText(page), /Kernel half of kv-cache\.c/);
        await editor.screenshot('kv-cache-offload-applied');

        assert.ok(fs.readFileSync(sourceFile).equals(original), `${SOURCE_FILE} is byte for byte as it was`);
        assert.equal(await page.locator('.bulk-edit-panel').isVisible(), false, 'no Refactor Preview stands between the choice and the files');

        // One undo, from the editor of a created file (the source's own undo stack does not hold
        // the split: the edit does not touch it), takes back the whole split: the client gives
        // each created file its contents, so VS Code keeps the split as one undo element.
        const question = await undoAcrossFiles(page);
        await editor.screenshot('kv-cache-offload-undone');
        await waitForDisk(page, 'the split files gone after one undo', () => expected.every((n) => !fs.existsSync(path.join(workspace, n))), 10_000);
        // VS Code 1.100 undoes it without asking (the other files have no editor open); a
        // question, if a later version asks one, is answered yes by undoAcrossFiles.
        if (question) t.diagnostic(`VS Code asked: ${question}`);
        await waitForExplorer(page, { absent: expected });
        assert.deepEqual(fs.readdirSync(workspace).sort(), before);
        assert.ok(fs.readFileSync(sourceFile).equals(original), `${SOURCE_FILE} is byte for byte as it was`);
      });
    } finally {
      removeQuietly(path.dirname(workspace));
    }
  });

  test('with the example\'s own Makefile beside the source, the split goes into kv-cache-offload/ and replaces nothing', { timeout: 240_000 }, async (t) => {
    if (suite.skipReason) return t.skip(suite.skipReason);
    const workspace = copyExample(EXAMPLE);
    const sourceFile = path.join(workspace, SOURCE_FILE);
    const makefile = path.join(workspace, 'Makefile');
    const expected = plannedFiles();
    assert.ok(expected.includes('Makefile') && fs.existsSync(makefile), 'the example has a file the split would also create');
    const original = fs.readFileSync(sourceFile);
    const originalMakefile = fs.readFileSync(makefile);
    const subdirectory = path.join(workspace, 'kv-cache-offload');
    try {
      await withEditor('kv-cache-offload-subdirectory', { tools: suite.tools!, vsix: suite.extension!.vsix, workspace, trust: 'trust' }, async (editor) => {
        const { page } = editor;
        await cursorOnHandler(editor, original.toString('utf8'));
        const title = await chooseOffloadToXdp(page);
        assert.match(title, /\(into kv-cache-offload\/: files of that name exist beside kv-cache\.c\)$/);

        await waitForDisk(page, 'the split files in kv-cache-offload/, saved', () => nonEmptyFiles(subdirectory, expected));
        await expandExplorerFolder(page, 'kv-cache-offload');
        await waitForExplorer(page, { present: ['kv-cache-offload', ...expected] });
        await editor.screenshot('kv-cache-offload-subdirectory');
        assert.deepEqual(fs.readdirSync(subdirectory).sort(), expected);
        assert.ok(fs.readFileSync(makefile).equals(originalMakefile), 'the example\'s Makefile is untouched');
        assert.ok(fs.readFileSync(sourceFile).equals(original), `${SOURCE_FILE} is untouched`);
        const lineMap = fs.readFileSync(path.join(subdirectory, splitFileNames('kv-cache').lineMap), 'utf8');
        assert.ok(lineMap.includes('../kv-cache.c'), 'the line map names the original from the new directory');
      });
    } finally {
      removeQuietly(path.dirname(workspace));
    }
  });
});
