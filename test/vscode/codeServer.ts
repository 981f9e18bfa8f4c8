// A real VS Code for tests: code-server with a fresh profile, the packaged extension installed,
// a workspace folder open, in headless Chromium driven by playwright-core. `withEditor` always
// stops both processes, and on failure leaves a screenshot and the extension's log behind.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { chromium, Browser, Page } from 'playwright-core';
import { EditorTools, removeQuietly, screenshotDir } from './setup';
import { answerWorkspaceTrust, waitForWorkbench } from './workbench';

export const EXTENSION_ID = 'bpf-offload.bpf-offload';

// From the recipe: no sandbox (root), no GPU, and nothing that reaches out to the network.
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

// A quiet first start: no welcome page, tips, surveys or update checks between the test and
// the editor.
const DEFAULT_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.enableExperiments': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoUpdate': false,
  'extensions.autoCheckUpdates': false,
  'extensions.ignoreRecommendations': true,
  'security.workspace.trust.enabled': true,
  'security.workspace.trust.startupPrompt': 'always',
  'chat.commandCenter.enabled': false,
  'editor.minimap.enabled': false,
};

export interface EditorOptions {
  tools: EditorTools;
  vsix: string;
  /** The folder to open. */
  workspace: string;
  /** How to answer "Do you trust the authors of the files in this folder?". */
  trust: 'trust' | 'restricted';
  /** Merged over the defaults into the profile's User/settings.json. */
  userSettings?: Record<string, unknown>;
  viewport?: { width: number; height: number };
}

export interface Editor {
  readonly page: Page;
  readonly workspace: string;
  readonly url: string;
  /** Saves test-results/vscode/<name>.png and returns its path. */
  screenshot(name: string): Promise<string>;
  /** The extension's output channel ("BPF Offload") as written to the profile's log folder. */
  extensionLog(): string;
  /** Waits until the extension's log matches (the log file is written a little after the fact). */
  waitForExtensionLog(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** code-server's own output, for failure messages. */
  serverOutput(): string;
}

interface Processes {
  codeServer?: ChildProcess;
  codeServerOutput?: () => string;
  browser?: Browser;
  /** Set as soon as a page exists, so that a failure while starting still gets a screenshot. */
  editor?: Editor;
}

/**
 * Runs `body` against a fresh editor and always shuts it down. A failure is re-thrown with the
 * extension's log and code-server's output appended, after a screenshot named
 * `<name>-failure.png`.
 */
export async function withEditor<T>(name: string, options: EditorOptions, body: (editor: Editor) => Promise<T>): Promise<T> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-code-server-'));
  const processes: Processes = {};
  const killOnExit = () => killGroup(processes.codeServer, 'SIGKILL');
  process.once('exit', killOnExit);
  try {
    return await body(await launchEditor(options, profile, processes));
  } catch (error) {
    throw await explainFailure(error, name, processes);
  } finally {
    await processes.browser?.close().catch(() => undefined);
    await stopCodeServer(processes.codeServer);
    process.removeListener('exit', killOnExit);
    removeQuietly(profile);
  }
}

async function launchEditor(options: EditorOptions, profile: string, processes: Processes): Promise<Editor> {
  const userDataDir = path.join(profile, 'user-data');
  const extensionsDir = path.join(profile, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...options.userSettings }, null, 2),
  );
  const baseArgs = ['--config', path.join(profile, 'config.yaml'), '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  installExtension(options.tools.codeServer, baseArgs, options.vsix);

  let output = '';
  const codeServer = spawn(
    options.tools.codeServer,
    [
      ...baseArgs,
      '--auth', 'none',
      // Port 0: the system picks a free port, which code-server then logs.
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-getting-started-override',
      '--ignore-last-opened',
      options.workspace,
    ],
    // Its own process group, so that stopping it also stops the extension host and the
    // language server it starts.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: profile } },
  );
  processes.codeServer = codeServer;
  processes.codeServerOutput = () => output;
  codeServer.stdout!.on('data', (chunk) => (output += chunk));
  codeServer.stderr!.on('data', (chunk) => (output += chunk));
  const origin = await waitForListening(codeServer, () => output);
  const url = `${origin}/?folder=${encodeURIComponent(options.workspace)}`;

  processes.browser = await chromium.launch({ executablePath: options.tools.chromium, headless: true, args: CHROMIUM_ARGS });
  const context = await processes.browser.newContext({ viewport: options.viewport ?? { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(30_000);
  const editor: Editor = {
    page,
    workspace: options.workspace,
    url,
    screenshot: async (name: string) => {
      fs.mkdirSync(screenshotDir, { recursive: true });
      const file = path.join(screenshotDir, `${name}.png`);
      // Finished animations: a hover caught fading in would show the code through it.
      await page.screenshot({ path: file, animations: 'disabled' });
      return file;
    },
    extensionLog: () => readExtensionLog(userDataDir),
    waitForExtensionLog: async (pattern: RegExp, timeoutMs = 30_000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const log = readExtensionLog(userDataDir);
        if (pattern.test(log)) return log;
        if (Date.now() > deadline) throw new Error(`the BPF Offload log never matched ${pattern}:\n${log || '(empty)'}`);
        await delay(250);
      }
    },
    serverOutput: () => output,
  };
  processes.editor = editor;

  await page.goto(url);
  await waitForWorkbench(page);
  await answerWorkspaceTrust(page, options.trust);
  // The pointer stays where the dialog's button was and would leave a tooltip in screenshots;
  // park it over the empty part of the title bar.
  await page.mouse.move((options.viewport?.width ?? 1280) - 200, 10);
  return editor;
}

function installExtension(codeServer: string, baseArgs: string[], vsix: string): void {
  const install = spawnSync(codeServer, [...baseArgs, '--install-extension', vsix], { encoding: 'utf8', timeout: 120_000 });
  if (install.status !== 0) {
    throw new Error(`code-server --install-extension ${vsix} failed (exit ${install.status}):\n${install.stdout}\n${install.stderr}`);
  }
  const installed = listExtensions(codeServer, baseArgs);
  if (!installed.some((line) => line.startsWith(`${EXTENSION_ID}@`))) {
    throw new Error(`${EXTENSION_ID} is not listed after installing ${vsix}; listed: ${installed.join(', ') || 'nothing'}`);
  }
}

/** `publisher.name@version` of every extension in the profile. */
export function listExtensions(codeServer: string, baseArgs: string[]): string[] {
  const list = spawnSync(codeServer, [...baseArgs, '--list-extensions', '--show-versions'], { encoding: 'utf8', timeout: 60_000 });
  return list.stdout.split('\n').map((line) => line.trim()).filter((line) => /^[\w.-]+@/.test(line));
}

function waitForListening(codeServer: ChildProcess, output: () => string): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => finish(new Error(`code-server did not start listening within 60 s:\n${output()}`)), 60_000);
    const poll = setInterval(() => {
      const match = /HTTP server listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output());
      if (match) finish(undefined, match[1]);
    }, 100);
    const onExit = (code: number | null) => finish(new Error(`code-server exited (${code}) before listening:\n${output()}`));
    codeServer.once('exit', onExit);
    function finish(error?: Error, origin?: string) {
      clearTimeout(timer);
      clearInterval(poll);
      codeServer.removeListener('exit', onExit);
      if (error) reject(error);
      else resolve(origin!);
    }
  });
}

function killGroup(child: ChildProcess | undefined, signal: NodeJS.Signals): void {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

async function stopCodeServer(child: ChildProcess | undefined): Promise<void> {
  if (!child?.pid || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  killGroup(child, 'SIGTERM');
  const stopped = await Promise.race([exited.then(() => true), delay(10_000).then(() => false)]);
  if (!stopped) {
    killGroup(child, 'SIGKILL');
    await Promise.race([exited, delay(5_000)]);
  }
  // Children that left the group (none expected) would survive; the group kill covers the
  // extension host and the language server.
  killGroup(child, 'SIGKILL');
}

function readExtensionLog(userDataDir: string): string {
  const logs = path.join(userDataDir, 'logs');
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const entry of fs.existsSync(dir) ? fs.readdirSync(dir, { withFileTypes: true }) : []) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (/BPF Offload\.log$/.test(entry.name)) found.push(full);
    }
  };
  walk(logs);
  return found.map((file) => `--- ${path.relative(logs, file)}\n${fs.readFileSync(file, 'utf8')}`).join('\n');
}

async function explainFailure(error: unknown, name: string, processes: Processes): Promise<Error> {
  const notes: string[] = [];
  const { editor } = processes;
  if (editor) {
    const shot = await editor.screenshot(`${name}-failure`).catch((e: Error) => `(none: ${e.message})`);
    notes.push(`screenshot: ${shot}`);
    notes.push(`BPF Offload log:\n${editor.extensionLog() || '(empty: the extension never wrote to its channel)'}`);
  }
  if (processes.codeServerOutput) {
    notes.push(`code-server output (last 40 lines):\n${processes.codeServerOutput().split('\n').slice(-40).join('\n')}`);
  }
  const original = error instanceof Error ? error : new Error(String(error));
  original.message = `${original.message}\n\n${notes.join('\n\n')}`;
  return original;
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
