// The packaged extension in a real VS Code (code-server in headless Chromium): what the
// offload analysis shows on examples/kv-cache besides the diagnostics — the code lens above the
// entry, the hover's cost table, the shaded kernel paths, the fallback Hint — compared with
// what the CLI of the same build computes. Helpers: ./workbench.ts; running: docs/testing.md.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import type { RequestEntry } from '../../server/src/analysis/entries';
import type { OffloadEstimate } from '../../server/src/analysis/offload';
import type { EntrySlices } from '../../server/src/analysis/slices';
import { lensTitle } from '../../server/src/features/codeLens';
import { formatNs } from '../../server/src/features/hover';
import { withEditor } from './codeServer';
import { copyExample, prepareEditorSuite, removeQuietly, screenshotDir } from './setup';
import { allLinesWithBackground, closeHover, codeLenses, goToLine, hoverAt, linesWithBackground, openFile, runCommand, waitForProblemCounts } from './workbench';

// Hooks at the file's top level: they run around the one suite below.
const suite = prepareEditorSuite();

const EXAMPLE = 'kv-cache';
const SOURCE_FILE = 'kv-cache.c';
const KERNEL_PATH_COLOUR = 'bpfOffload.kernelPathBackground';

interface Report {
  diagnostics: { severity: number }[];
  entries: (RequestEntry & { cost?: OffloadEstimate })[];
  slices: EntrySlices[];
}


/** `bpf-offload analyze --json` of the build under test: entries, slices and estimates. */
function analyzeReport(file: string): Report {
  const result = spawnSync(process.execPath, [suite.extension!.cli, 'analyze', '--json', file], { encoding: 'utf8', timeout: 120_000, maxBuffer: 64 * 1024 * 1024 });
  assert.ok(result.stdout.startsWith('{'), `bpf-offload analyze --json failed (exit ${result.status}): ${result.stderr}`);
  const report = JSON.parse(result.stdout) as { files: Report[] };
  assert.equal(report.files.length, 1);
  return report.files[0];
}

/** 1-based lines a set of ranges covers, whole lines (the shading is drawn whole-line). */
function linesOf(ranges: { start: { line: number }; end: { line: number } }[]): number[] {
  const lines = new Set<number>();
  for (const r of ranges) for (let line = r.start.line; line <= r.end.line; line++) lines.add(line + 1);
  return [...lines].sort((a, b) => a - b);
}

async function waitForLens(page: Page, expected: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = await codeLenses(page);
  while (!seen.includes(expected)) {
    if (Date.now() > deadline) throw new Error(`code lenses shown: ${JSON.stringify(seen)}; expected ${JSON.stringify(expected)}`);
    await page.waitForTimeout(250);
    seen = await codeLenses(page);
  }
}

/** The cost table of the hover on screen: header cells and rows of cells. */
async function hoverTable(page: Page): Promise<{ header: string[]; rows: string[][] }> {
  const table = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content table').first();
  await table.waitFor({ state: 'visible' });
  const header = (await table.locator('th').allInnerTexts()).map((c) => c.trim());
  const rows: string[][] = [];
  for (const row of await table.locator('tbody tr').all()) rows.push((await row.locator('td').allInnerTexts()).map((c) => c.trim()));
  return { header, rows };
}

/** Flips bpfOffload.shading.enabled in the Settings editor, as a person would. */
async function toggleShadingSetting(page: Page): Promise<void> {
  await runCommand(page, 'Preferences: Open Settings (UI)');
  const search = page.locator('.settings-editor .suggest-input-container textarea, .settings-editor .suggest-input-container input').first();
  await search.waitFor({ state: 'visible' });
  await search.fill('bpfOffload.shading.enabled');
  const checkbox = page.locator('.settings-editor .setting-item-bool .setting-value-checkbox').first();
  await checkbox.waitFor({ state: 'visible' });
  const before = await checkbox.getAttribute('aria-checked');
  await checkbox.click();
  await page.waitForFunction(
    ([selector, was]) => (globalThis as unknown as { document: { querySelector(s: string): { getAttribute(n: string): string } | null } }).document.querySelector(selector)?.getAttribute('aria-checked') !== was,
    ['.settings-editor .setting-item-bool .setting-value-checkbox', before] as const,
  );
}

/** Brings an open editor tab to the front by clicking it. */
async function showTab(page: Page, name: string): Promise<void> {
  await page.locator('.tabs-container .tab', { hasText: name }).first().click();
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible' });
}

/** Scrolls the hover on screen with the mouse wheel until its table row starting with `cell` is in view. */
async function scrollHoverTo(page: Page, cell: string): Promise<void> {
  const hover = page.locator('.monaco-hover:not(.hidden)').first();
  const row = hover.locator('tbody tr', { hasText: cell }).first();
  const box = await hover.boundingBox();
  if (!box) return;
  for (let step = 0; step < 20; step++) {
    const rowBox = await row.boundingBox();
    if (rowBox && rowBox.y >= box.y && rowBox.y + rowBox.height <= box.y + box.height) return;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 40);
    await page.waitForTimeout(50);
  }
}

describe('offload features of the packaged extension in VS Code (code-server)', () => {

  test('kv-cache: the lens above the entry, the cost table in the hover, the shaded kernel path and the fallback Hint', { timeout: 240_000 }, async (t) => {
    if (suite.skipReason) return t.skip(suite.skipReason);
    const workspace = copyExample(EXAMPLE);
    try {
      const file = path.join(workspace, SOURCE_FILE);
      const lineCount = fs.readFileSync(file, 'utf8').split('\n').length;
      const report = analyzeReport(file);
      const entry = report.entries[0];
      const slices = report.slices.find((s) => s.entryId === entry.id);
      assert.ok(entry && slices && entry.cost?.estimate, 'the CLI finds kv-cache\'s entry with its slices and an estimate');
      const estimate = entry.cost!.estimate!;
      const kernelPath = slices.paths.find((p) => p.endsIn === 'kernel')!;
      const fallbackPath = slices.paths.find((p) => p.endsIn === 'userspace' && p.fallback && p.fallback.file === slices.file)!;
      assert.ok(kernelPath && fallbackPath, 'kv-cache has a kernel path and a path that falls back in the file');
      const severities = (n: number) => report.diagnostics.filter((d) => d.severity === n).length;

      await withEditor('kv-cache-features', { tools: suite.tools!, vsix: suite.extension!.vsix, workspace, trust: 'trust', viewport: { width: 1600, height: 1000 } }, async (editor) => {
        const { page } = editor;
        await openFile(page, SOURCE_FILE);
        await waitForProblemCounts(page, { errors: severities(1), warnings: severities(2), infos: severities(3) });

        // The lens: the server's one-line conclusion for this entry, above its name.
        const entryLine = entry.nameRange.start.line + 1;
        await goToLine(page, entryLine, entry.nameRange.start.character + 1);
        const expectedLens = lensTitle(entry, slices, entry.cost);
        assert.match(expectedLens, /^BPF Offload: 6 paths, 1 in kernel/);
        await waitForLens(page, expectedLens);
        await editor.screenshot('kv-cache-lens');

        // Clicking the lens (bpfOffload.showDetails) puts the cursor on the entry and opens its
        // hover: the cost table, one row per path, numbers from the estimate.
        await goToLine(page, entryLine + 10);
        await page.locator('.editor-instance .monaco-editor .codelens-decoration a', { hasText: 'BPF Offload:' }).first().click();
        const entryColumn = entry.nameRange.start.character + 1;
        await page.locator('.statusbar-item', { hasText: `Ln ${entryLine}, Col ${entryColumn}` }).waitFor({ state: 'visible' });
        await page.locator('.monaco-hover:not(.hidden) .monaco-hover-content', { hasText: 'Saving ns' }).first().waitFor({ state: 'visible' });
        const onEntry = await hoverTable(page);
        assert.deepEqual(onEntry.header, ['Path', 'Share', 'Ends', 'Userspace ns', 'Split ns', 'Saving ns']);
        assert.deepEqual(onEntry.rows.map((r) => /^(?:▶ )?(P\d+)/.exec(r[0])?.[1]), estimate.paths.map((p) => p.id));
        for (const cost of estimate.paths) {
          const row = onEntry.rows.find((r) => r[0].replace(/^▶ /, '').startsWith(cost.id))!;
          assert.deepEqual(row.slice(3), [formatNs(cost.userspaceNs), formatNs(cost.splitNs), formatNs(cost.savingNs)], `${cost.id}'s numbers`);
        }
        await closeHover(page);

        // On a line of the kernel path, inside the shading: that path's row is marked. Without
        // the side bar, scrolled to that row, it is the picture for the README: the table over
        // the shaded code.
        await page.keyboard.press('Control+B');
        await page.locator('#workbench\\.parts\\.sidebar').waitFor({ state: 'hidden' });
        const kernelLine = kernelPath.end.range.start.line + 1;
        const hover = await hoverAt(page, kernelLine, kernelPath.end.range.start.character + 1, { containing: 'Saving ns' });
        const onSlice = await hoverTable(page);
        const marked = onSlice.rows.filter((r) => r[0].startsWith('▶'));
        assert.deepEqual(marked.map((r) => /P\d+/.exec(r[0])?.[0]), [kernelPath.id], `the hovered path is marked:\n${hover}`);
        assert.match(marked[0][2], /^kernel: reply at line \d+$/);
        assert.match(hover, /Verdict/);
        await scrollHoverTo(page, marked[0][0]);
        await editor.screenshot('kv-cache-offload-hover');
        // The README's picture (docs/images/editor-offload.png comes from it): the same, down to
        // the end of the handler.
        await page.screenshot({ path: path.join(screenshotDir, 'kv-cache-offload-readme.png'), animations: 'disabled', clip: { x: 0, y: 0, width: 1600, height: 660 } });
        await closeHover(page);
        await page.keyboard.press('Control+B');

        // The shading: exactly the lines of the kernel path's code, as the slices say.
        const shaded = await allLinesWithBackground(page, KERNEL_PATH_COLOUR, lineCount);
        assert.deepEqual(shaded, linesOf(slices.offloadableRegion));
        await goToLine(page, kernelLine);
        await editor.screenshot('kv-cache-shading');

        // The fallback point: a Hint whose message shows in the hover of its line.
        const fallback = fallbackPath.fallback!;
        const fallbackHover = await hoverAt(page, fallback.range.start.line + 1, fallback.range.start.character + 1, { containing: 'back to userspace here' });
        assert.match(fallbackHover, /falls? back to userspace here/);
        assert.ok(fallbackHover.includes(`[${fallback.code}]`), `the Hint names the rule [${fallback.code}]:\n${fallbackHover}`);
        assert.match(fallbackHover, /offload-fallback/);
        await closeHover(page);

        // Shading off in the settings: the background goes, on lines that had it.
        await toggleShadingSetting(page);
        await showTab(page, SOURCE_FILE);
        await goToLine(page, kernelLine);
        const deadline = Date.now() + 15_000;
        let view = await linesWithBackground(page, KERNEL_PATH_COLOUR);
        while (view.coloured.length && Date.now() < deadline) {
          await page.waitForTimeout(250);
          view = await linesWithBackground(page, KERNEL_PATH_COLOUR);
        }
        assert.ok(view.rendered.includes(kernelLine) && shaded.includes(kernelLine));
        assert.deepEqual(view.coloured, [], 'no line is shaded with bpfOffload.shading.enabled off');
        await editor.screenshot('kv-cache-shading-off');
      });
    } finally {
      removeQuietly(path.dirname(workspace));
    }
  });
});
