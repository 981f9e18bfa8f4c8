// Acting in the VS Code workbench the way a person does — keyboard shortcuts, the command
// palette, Quick Open, the Problems panel, hovers — and reading back what is on screen.
// Selectors are VS Code's own CSS classes (checked against code-server 4.100.3 / VS Code 1.100).
import { Page } from 'playwright-core';

export async function waitForWorkbench(page: Page): Promise<void> {
  await page.locator('.monaco-workbench').waitFor({ state: 'visible', timeout: 60_000 });
  // The status bar is among the last parts to render; after it, keybindings work.
  await page.locator('#workbench\\.parts\\.statusbar').waitFor({ state: 'visible', timeout: 60_000 });
}

/** Answers the modal that asks whether to trust the authors of the opened folder. */
export async function answerWorkspaceTrust(page: Page, answer: 'trust' | 'restricted'): Promise<void> {
  const dialog = page.locator('.monaco-dialog-box');
  await dialog.waitFor({ state: 'visible', timeout: 30_000 });
  const label = answer === 'trust' ? /Yes, I trust the authors/ : /No, I don.t trust the authors/;
  await dialog.getByRole('button', { name: label }).click();
  await dialog.waitFor({ state: 'hidden' });
  // Trust is granted asynchronously: until then the Restricted Mode indicator stays.
  const indicator = page.locator(RESTRICTED_MODE_INDICATOR);
  if (answer === 'trust') await indicator.waitFor({ state: 'detached' });
  else await indicator.waitFor({ state: 'visible' });
}

const RESTRICTED_MODE_INDICATOR = '#status\\.workspaceTrust';

/** Whether the workbench shows the "Restricted Mode" indicator of an untrusted workspace. */
export async function isRestrictedMode(page: Page): Promise<boolean> {
  return page.locator(RESTRICTED_MODE_INDICATOR).isVisible();
}

const quickInput = '.quick-input-widget';
const quickInputRows = `${quickInput} .monaco-list-row`;

/** Opens a workspace file with Quick Open (Ctrl+P) and waits until its editor is active. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  await page.keyboard.press('Control+P');
  await page.locator(quickInput).waitFor({ state: 'visible' });
  await page.keyboard.type(fileName);
  // Quick Open lists matches as they are found; wait for the file itself, not any row.
  await page.locator(quickInputRows, { hasText: fileName }).first().waitFor({ state: 'visible' });
  await page.keyboard.press('Enter');
  await page.locator(quickInput).waitFor({ state: 'hidden' });
  await page.locator('.tabs-container .tab.active', { hasText: fileName }).waitFor({ state: 'visible' });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
}

/** Runs a command from the command palette by its title as shown there (e.g. "BPF Offload: Show Log"). */
export async function runCommand(page: Page, title: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  const input = page.locator(`${quickInput} input`);
  await input.waitFor({ state: 'visible' });
  await input.fill(`>${title}`);
  const row = page.locator(quickInputRows).filter({ has: page.locator('.label-name', { hasText: exactText(title) }) });
  await row.first().waitFor({ state: 'visible' });
  await row.first().click();
  await page.locator(quickInput).waitFor({ state: 'hidden' });
}

/** Moves the cursor of the active editor to a 1-based line and column (Ctrl+G). */
export async function goToLine(page: Page, line: number, column = 1): Promise<void> {
  await page.keyboard.press('Control+G');
  const input = page.locator(`${quickInput} input`);
  await input.waitFor({ state: 'visible' });
  await input.fill(`:${line}:${column}`);
  await page.keyboard.press('Enter');
  await page.locator(quickInput).waitFor({ state: 'hidden' });
  await page.locator('.statusbar-item', { hasText: `Ln ${line}, Col ${column}` }).waitFor({ state: 'visible' });
}

/**
 * Shows the hover at a 1-based line and column of the active editor, as the keyboard does
 * (Ctrl+K Ctrl+I), and returns its text. Diagnostics at that position are part of the hover.
 */
export async function hoverAt(page: Page, line: number, column: number, options: { containing?: string } = {}): Promise<string> {
  await goToLine(page, line, column);
  await page.keyboard.press('Control+K');
  await page.keyboard.press('Control+I');
  const hover = page.locator('.monaco-hover:not(.hidden) .monaco-hover-content', options.containing ? { hasText: options.containing } : {});
  await hover.first().waitFor({ state: 'visible' });
  return (await hover.first().innerText()).trim();
}

export async function closeHover(page: Page): Promise<void> {
  await page.keyboard.press('Escape');
  await page.locator('.monaco-hover:not(.hidden) .monaco-hover-content').waitFor({ state: 'hidden' });
}

export interface ProblemCounts {
  errors: number;
  warnings: number;
  infos: number;
}

/** The error / warning / info counts of the status bar's problems item. */
export async function problemCounts(page: Page): Promise<ProblemCounts> {
  const label = (await page.locator('#status\\.problems').getAttribute('aria-label')) ?? '';
  const count = (name: string) => Number(new RegExp(`${name}: (\\d+)`).exec(label)?.[1] ?? 0);
  return { errors: count('Errors'), warnings: count('Warnings'), infos: count('Infos') };
}

/**
 * Waits until the status bar shows `expected` problem counts. Diagnostics arrive after the
 * language server has started and analysed the file; the error names the last counts seen.
 */
export async function waitForProblemCounts(page: Page, expected: ProblemCounts, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = await problemCounts(page);
  while (!sameCounts(seen, expected)) {
    if (Date.now() > deadline) {
      throw new Error(`status bar problem counts stayed ${JSON.stringify(seen)}; expected ${JSON.stringify(expected)}`);
    }
    await page.waitForTimeout(250);
    seen = await problemCounts(page);
  }
}

function sameCounts(a: ProblemCounts, b: ProblemCounts): boolean {
  return a.errors === b.errors && a.warnings === b.warnings && a.infos === b.infos;
}

/** Opens the Problems panel (Ctrl+Shift+M). */
export async function openProblems(page: Page): Promise<void> {
  await page.keyboard.press('Control+Shift+M');
  await page.locator('.markers-panel .monaco-list').waitFor({ state: 'visible' });
}

/**
 * Types into the Problems panel's filter box; only matching problems stay listed, which also
 * brings a problem that is scrolled out of view (the list renders visible rows only) into view.
 * The filter applies after a debounce: read the rows with `waitForProblem`, which polls.
 */
export async function filterProblems(page: Page, text: string): Promise<void> {
  await page.locator('.markers-panel').waitFor({ state: 'visible' });
  await page.locator('input[aria-label="Filter Problems"]').fill(text);
  if (!text) await page.locator('.viewpane-filter-badge.hidden').waitFor({ state: 'attached' });
}

export interface Problem {
  severity: 'error' | 'warning' | 'info' | 'hint';
  message: string;
  source: string;
  code: string;
  /** 1-based, as the panel shows it. */
  line: number;
  column: number;
}

/** The problems the Problems panel currently renders (rows scrolled out of view are absent). */
export async function readProblems(page: Page): Promise<Problem[]> {
  // One read in the page: the list re-renders while filtering, and row handles taken one by
  // one would go stale between reads.
  const rows = await page.locator('.markers-panel .monaco-list-row').evaluateAll((elements) =>
    elements
      .filter((row) => row.querySelector('.marker-message'))
      .map((row) => {
        const text = (selector: string) => (row.querySelector(selector) as { innerText: string } | null)?.innerText.trim() ?? '';
        return { icon: row.querySelector('.marker-icon')?.className ?? '', message: text('.marker-message'), source: text('.marker-source'), code: text('.marker-code'), position: text('.marker-line') };
      }),
  );
  return rows.map((row) => {
    const position = /\[Ln (\d+), Col (\d+)\]/.exec(row.position);
    const iconClasses = row.icon.split(/\s+/);
    return {
      severity: (['error', 'warning', 'info', 'hint'] as const).find((s) => iconClasses.includes(s)) ?? 'hint',
      message: row.message,
      source: row.source,
      code: row.code,
      line: Number(position?.[1] ?? 0),
      column: Number(position?.[2] ?? 0),
    };
  });
}

/**
 * Waits until the Problems panel renders a problem that satisfies `matches` and returns it; the
 * error lists the rows last seen.
 */
export async function waitForProblem(page: Page, matches: (problem: Problem) => boolean, timeoutMs = 15_000): Promise<Problem> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const rows = await readProblems(page);
    const found = rows.find(matches);
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`no such problem in the Problems panel; rows shown: ${JSON.stringify(rows, null, 1)}`);
    await page.waitForTimeout(250);
  }
}

/** Names shown in the Explorer (Ctrl+Shift+E), top to bottom; collapsed folders hide their files. */
export async function explorerFiles(page: Page): Promise<string[]> {
  await page.keyboard.press('Control+Shift+E');
  const rows = page.locator('.explorer-folders-view .monaco-list-row .label-name');
  await rows.first().waitFor({ state: 'visible' });
  return (await rows.allInnerTexts()).map((name) => name.trim());
}

/** Texts of the code lenses rendered in the active editor's visible lines. */
export async function codeLenses(page: Page): Promise<string[]> {
  const lenses = page.locator('.editor-instance .monaco-editor .codelens-decoration');
  return (await lenses.allInnerTexts()).map((text) => text.trim()).filter(Boolean);
}

function exactText(text: string): RegExp {
  return new RegExp(`^${text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`);
}

/**
 * Lines of the active editor, among those rendered now (the editor draws only what is in
 * view), whose line background shows the theme colour `colorId` (e.g.
 * `bpfOffload.kernelPathBackground`): whole-line decorations are drawn in the editor's
 * view-overlays layer, one row per line, at the same offset as that line's number in the margin.
 * 1-based line numbers.
 */
export async function linesWithBackground(page: Page, colorId: string): Promise<{ rendered: number[]; coloured: number[] }> {
  const variable = `--vscode-${colorId.replace(/\./g, '-')}`;
  // Runs in the page; typed loosely because this project compiles without the DOM library.
  return page.locator('.editor-instance .monaco-editor').first().evaluate((editor: any, cssVariable: string) => {
    const view = editor.ownerDocument.defaultView;
    // The colour as the browser computes it, to compare with computed backgrounds.
    const probe = editor.ownerDocument.createElement('div');
    probe.style.backgroundColor = `var(${cssVariable})`;
    editor.appendChild(probe);
    const colour: string = view.getComputedStyle(probe).backgroundColor;
    probe.remove();
    const lineAt = new Map<string, number>();
    for (const row of editor.querySelectorAll('.margin-view-overlays > div')) {
      const number = Number(row.querySelector('.line-numbers')?.textContent?.trim());
      if (number) lineAt.set(row.style.top, number);
    }
    const coloured = new Set<number>();
    for (const row of editor.querySelectorAll('.view-overlays > div')) {
      const line = lineAt.get(row.style.top);
      if (!line) continue;
      if ([...row.children].some((child) => view.getComputedStyle(child).backgroundColor === colour)) coloured.add(line);
    }
    const transparent = /^rgba\(\d+, \d+, \d+, 0\)$|^transparent$/.test(colour);
    return { rendered: [...lineAt.values()].sort((a, b) => a - b), coloured: transparent ? [] : [...coloured].sort((a, b) => a - b) };
  }, variable);
}

/**
 * `linesWithBackground` over a whole file of `lineCount` lines: scrolls through it with Go to
 * Line and collects the coloured lines. Throws if some line was never rendered.
 */
export async function allLinesWithBackground(page: Page, colorId: string, lineCount: number): Promise<number[]> {
  const rendered = new Set<number>();
  const coloured = new Set<number>();
  for (let line = 1; ; ) {
    await goToLine(page, line);
    const seen = await linesWithBackground(page, colorId);
    seen.rendered.forEach((n) => rendered.add(n));
    seen.coloured.forEach((n) => coloured.add(n));
    const last = Math.max(...seen.rendered);
    if (last >= lineCount) break;
    // The line goes to the middle of the view: the next jump keeps some overlap.
    line = Math.max(line + 1, last + Math.floor((last - line) / 2));
    if (line > lineCount) line = lineCount;
  }
  const missing = Array.from({ length: lineCount }, (_, i) => i + 1).filter((n) => !rendered.has(n));
  if (missing.length) throw new Error(`lines never rendered while scrolling: ${missing.join(', ')}`);
  return [...coloured].sort((a, b) => a - b);
}

const actionWidget = '.action-widget';

/**
 * Opens the code action menu at the cursor (Ctrl+.) and chooses the action whose title
 * matches, with the keyboard (the menu blocks pointer events while it opens). Returns the
 * chosen title. The error lists the actions offered.
 */
export async function chooseCodeAction(page: Page, title: RegExp): Promise<string> {
  await page.keyboard.press('Control+.');
  const rows = page.locator(`${actionWidget} .monaco-list-row.action`);
  await rows.first().waitFor({ state: 'visible' });
  const offered = (await rows.evaluateAll((elements) => elements.map((e) => e.getAttribute('aria-label') ?? ''))).filter(Boolean);
  if (!offered.some((label) => title.test(label))) {
    await page.keyboard.press('Escape');
    throw new Error(`no code action matching ${title}; offered: ${JSON.stringify(offered)}`);
  }
  for (let step = 0; step <= offered.length; step++) {
    const focused = (await page.locator(`${actionWidget} .monaco-list-row.focused`).getAttribute('aria-label')) ?? '';
    if (title.test(focused)) {
      await page.keyboard.press('Enter');
      await page.locator(actionWidget).waitFor({ state: 'hidden' });
      return focused;
    }
    await page.keyboard.press('ArrowDown');
  }
  throw new Error(`could not move the code action menu's focus to ${title}`);
}

/** Expands a folder in the Explorer (Ctrl+Shift+E) by clicking its row, if it is collapsed. */
export async function expandExplorerFolder(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+Shift+E');
  const row = page.locator('.explorer-folders-view .monaco-list-row', { has: page.locator('.label-name', { hasText: exactText(name) }) }).first();
  await row.waitFor({ state: 'visible' });
  if ((await row.getAttribute('aria-expanded')) === 'false') await row.click();
  await page.locator('.explorer-folders-view .monaco-list-row[aria-expanded="true"]', { has: page.locator('.label-name', { hasText: exactText(name) }) }).waitFor({ state: 'visible' });
}

/**
 * Waits until the Explorer lists every name of `present` and none of `absent` (it follows the
 * disk through a file watcher, a little after the fact) and returns what it lists.
 */
export async function waitForExplorer(page: Page, condition: { present?: string[]; absent?: string[] }, timeoutMs = 15_000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const names = await explorerFiles(page);
    const ok = (condition.present ?? []).every((n) => names.includes(n)) && !(condition.absent ?? []).some((n) => names.includes(n));
    if (ok) return names;
    if (Date.now() > deadline) throw new Error(`the Explorer lists ${JSON.stringify(names)}; expected ${JSON.stringify(condition)}`);
    await page.waitForTimeout(250);
  }
}

/**
 * Undo (Ctrl+Z) in the active editor. An edit that spanned several files (a workspace edit)
 * makes VS Code ask whether to undo it in all of them: the answer is yes. Returns the
 * question, when one was asked.
 */
export async function undoAcrossFiles(page: Page): Promise<string | undefined> {
  await page.locator('.editor-instance .monaco-editor .view-lines').first().click();
  await page.keyboard.press('Control+Z');
  const dialog = page.locator('.monaco-dialog-box');
  const asked = await dialog.waitFor({ state: 'visible', timeout: 10_000 }).then(() => true, () => false);
  if (!asked) return undefined;
  const question = (await dialog.innerText()).trim();
  await dialog.getByRole('button', { name: /^Undo/ }).first().click();
  await dialog.waitFor({ state: 'hidden' });
  return question;
}

/**
 * Opens a file by clicking its row in the Explorer. For files created a moment ago: Quick Open
 * searches a file index that may not list them yet.
 */
export async function openFromExplorer(page: Page, name: string): Promise<void> {
  await page.keyboard.press('Control+Shift+E');
  await page.locator('.explorer-folders-view .monaco-list-row', { has: page.locator('.label-name', { hasText: exactText(name) }) }).first().click();
  await page.locator('.tabs-container .tab.active', { hasText: name }).waitFor({ state: 'visible' });
  await page.locator('.editor-instance .monaco-editor .view-lines').first().waitFor({ state: 'visible' });
}
