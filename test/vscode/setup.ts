// What an editor test needs before any editor runs: code-server and Chromium (installed and
// cached by scripts/setup-code-server.mjs), the packaged extension, and a workspace to open.
import { after, before } from 'node:test';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export const repoRoot = path.resolve(__dirname, '../../..');
export const screenshotDir = path.join(repoRoot, 'test-results', 'vscode');

export interface EditorTools {
  codeServer: string;
  chromium: string;
}

/** CI sets this: a test that cannot run its real environment must fail, not skip. */
export const environmentRequired = Boolean(process.env.BPF_OFFLOAD_REQUIRE_KERNEL);

/**
 * Installs (first run: a few minutes) or finds code-server and Chromium. Returns the reason
 * instead when they cannot be installed on this machine.
 */
export function ensureEditorTools(): EditorTools | { unavailable: string } {
  const setup = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'setup-code-server.mjs')], {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 20 * 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (setup.error) return { unavailable: `setup-code-server did not run: ${setup.error.message}` };
  const lastLine = setup.stdout.trim().split('\n').pop() ?? '';
  if (setup.status !== 0 || !lastLine.startsWith('{')) {
    const tail = setup.stderr.trim().split('\n').slice(-15).join('\n');
    return { unavailable: `setup-code-server failed (exit ${setup.status}):\n${tail}` };
  }
  return JSON.parse(lastLine) as EditorTools;
}

export interface PackagedExtension {
  vsix: string;
  /** The CLI bundled in the same build, so that expectations come from the code under test. */
  cli: string;
  /** The copy of the repository the package was built in. */
  buildDir: string;
}

const NOT_COPIED = new Set(['node_modules', '.git', 'out', 'dist', '.cache', 'test-results']);

/**
 * Builds the .vsix the way a release does (`npm run package`), in a copy of the repository so
 * that the production build cannot disturb dist/ while other tests use it. BPF_OFFLOAD_VSIX
 * names a prebuilt package instead (its CLI is then the repository's dist/cli.js).
 */
export function packageExtension(): PackagedExtension {
  const prebuilt = process.env.BPF_OFFLOAD_VSIX;
  if (prebuilt) {
    if (!fs.existsSync(prebuilt)) throw new Error(`BPF_OFFLOAD_VSIX=${prebuilt} does not exist`);
    return { vsix: path.resolve(prebuilt), cli: path.join(repoRoot, 'dist', 'cli.js'), buildDir: repoRoot };
  }
  const buildDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-editor-vsix-'));
  for (const entry of fs.readdirSync(repoRoot)) {
    if (NOT_COPIED.has(entry) || entry.endsWith('.vsix')) continue;
    fs.cpSync(path.join(repoRoot, entry), path.join(buildDir, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(buildDir, 'node_modules'), 'dir');
  const build = spawnSync('npm', ['run', 'package'], { cwd: buildDir, encoding: 'utf8', timeout: 5 * 60_000 });
  const vsix = path.join(buildDir, 'bpf-offload.vsix');
  if (build.status !== 0 || !fs.existsSync(vsix)) {
    throw new Error(`npm run package failed (exit ${build.status}):\n${build.stdout}\n${build.stderr}`);
  }
  return { vsix, cli: path.join(buildDir, 'dist', 'cli.js'), buildDir };
}

/** A fresh copy of examples/<name> in a temporary folder, to open as the workspace. */
export function copyExample(name: string): string {
  const source = path.join(repoRoot, 'examples', name);
  if (!fs.existsSync(source)) throw new Error(`no example named ${name} in ${path.dirname(source)}`);
  // The folder name shows in the window title and the explorer: keep it the example's.
  const workspace = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-workspace-')), name);
  fs.cpSync(source, workspace, { recursive: true });
  return workspace;
}

export interface CliDiagnostic {
  range: { start: { line: number; character: number }; end: { line: number; character: number } };
  severity: 1 | 2 | 3 | 4;
  code: string;
  source: string;
  message: string;
}

/** What `bpf-offload analyze --json` reports for one file. */
export function analyzeWithCli(cli: string, file: string): CliDiagnostic[] {
  const result = spawnSync(process.execPath, [cli, 'analyze', '--json', file], { encoding: 'utf8', timeout: 120_000 });
  if (result.status !== 0 && !result.stdout.startsWith('{')) {
    throw new Error(`bpf-offload analyze --json ${file} failed (exit ${result.status}): ${result.stderr}`);
  }
  const report = JSON.parse(result.stdout) as { files: { file: string; diagnostics: CliDiagnostic[] }[] };
  return report.files.flatMap((f) => f.diagnostics);
}

export function removeQuietly(target: string): void {
  try {
    fs.rmSync(target, { recursive: true, force: true, maxRetries: 3 });
  } catch {
    // A leftover temporary folder is harmless; failing the test over it is not.
  }
}

/** What an editor suite's tests need, filled in by the hooks prepareEditorSuite registers. */
export interface EditorSuite {
  tools?: EditorTools;
  extension?: PackagedExtension;
  /** Set when the editor tools cannot be had and the environment does not require them. */
  skipReason?: string;
}

/**
 * Registers, inside a describe(), the hooks every editor suite needs: install (or find) code-server
 * and Chromium, package the extension once, and remove the package afterwards.
 */
export function prepareEditorSuite(): EditorSuite {
  const suite: EditorSuite = {};
  before(
    () => {
      const found = ensureEditorTools();
      if ('unavailable' in found) {
        // CI sets BPF_OFFLOAD_REQUIRE_KERNEL: there the editor tests must run, not skip.
        if (environmentRequired) throw new Error(found.unavailable);
        suite.skipReason = `code-server or Chromium unavailable: ${found.unavailable}`;
        return;
      }
      suite.tools = found;
      suite.extension = packageExtension();
    },
    { timeout: 25 * 60_000 },
  );
  after(() => {
    if (suite.extension && !process.env.BPF_OFFLOAD_VSIX) removeQuietly(suite.extension.buildDir);
  });
  return suite;
}
