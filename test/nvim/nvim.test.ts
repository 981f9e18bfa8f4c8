// Neovim's own LSP client (the Debian package, 0.7 on bookworm) against the built server:
// `nvim --headless -u test/nvim/init.lua kv-cache.c` runs test/nvim/scenario.lua, which records
// the diagnostics, the hover on the request handler and the code actions as JSON. The results
// are compared with the CLI of the same build on the same file.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');
const SERVER = join(ROOT, 'dist', 'server.js');
const CLI = join(ROOT, 'dist', 'cli.js');
const INIT = join(ROOT, 'test', 'nvim', 'init.lua');
const EXAMPLE = join(ROOT, 'examples', 'kv-cache', 'kv-cache.c');

const nvimPresent = spawnSync('nvim', ['--version'], { encoding: 'utf8' }).status === 0;
// CI sets BPF_OFFLOAD_REQUIRE_KERNEL and installs neovim: there a missing nvim is a failure.
const skip = !nvimPresent && !process.env.BPF_OFFLOAD_REQUIRE_KERNEL ? 'nvim is not installed' : false;
const LIMIT = { skip, timeout: 180_000 };

interface NvimDiagnostic {
  line: number;
  col: number;
  severity: number;
  code: string;
  source: string;
  message: string;
}
interface ActionTitle {
  title: string;
  kind?: string;
  disabled?: string;
}
interface NvimResult {
  nvim: string;
  error?: string;
  diagnostics?: NvimDiagnostic[];
  hover?: { kind: string; value: string } | null;
  atDiagnostic?: { line: number; code: string; actions: ActionTitle[] };
  onHandler?: { line: number; actions: ActionTitle[] };
  applied?: string[];
}

interface CliDiagnostic {
  range: { start: { line: number; character: number } };
  severity: number;
  code: string;
  source: string;
  message: string;
}
interface CliEntry {
  handler?: string;
  cost?: { estimate?: { paths: { id: string }[]; expectedSavingNs: number } };
}

function runNvim(options: { createFiles: boolean }): { result: NvimResult; dir: string; cli: { diagnostics: CliDiagnostic[]; entries: CliEntry[] } } {
  assert.ok(nvimPresent, 'nvim is required (BPF_OFFLOAD_REQUIRE_KERNEL is set) but `nvim --version` failed');
  assert.ok(existsSync(SERVER), `${SERVER} is missing: run node scripts/build.mjs`);
  const dir = mkdtempSync(join(tmpdir(), 'bpf-offload-nvim-e2e-'));
  const source = join(dir, 'kv-cache.c');
  copyFileSync(EXAMPLE, source);
  const out = join(dir, 'result.json');
  const nvim = spawnSync('nvim', ['--headless', '-u', INIT, '-i', 'NONE', '-n', 'kv-cache.c'], {
    cwd: dir,
    encoding: 'utf8',
    timeout: 120_000,
    env: {
      ...process.env,
      BPF_OFFLOAD_SERVER: SERVER,
      BPF_OFFLOAD_NVIM_OUT: out,
      BPF_OFFLOAD_NVIM_CREATE_FILES: options.createFiles ? '1' : '0',
      // No user configuration or plugins may leak into the run.
      XDG_CONFIG_HOME: join(dir, 'config'),
      XDG_DATA_HOME: join(dir, 'data'),
      XDG_STATE_HOME: join(dir, 'state'),
      XDG_CACHE_HOME: join(dir, 'cache'),
    },
  });
  const output = `status ${nvim.status} signal ${nvim.signal}\nstdout: ${nvim.stdout}\nstderr: ${nvim.stderr}`;
  assert.ok(existsSync(out), `nvim wrote no result (${nvim.error ?? 'no spawn error'})\n${output}`);
  const result = JSON.parse(readFileSync(out, 'utf8')) as NvimResult;
  assert.equal(result.error, undefined, `the Neovim scenario failed: ${result.error}\n${output}`);
  const cliRun = spawnSync(process.execPath, [CLI, 'analyze', '--json', 'kv-cache.c'], { cwd: dir, encoding: 'utf8', timeout: 60_000 });
  const cli = JSON.parse(cliRun.stdout).files[0] as { diagnostics: CliDiagnostic[]; entries: CliEntry[] };
  return { result, dir, cli };
}

const FALLBACK_HINT = 'offload-fallback';
const key = (d: { line: number; col: number; severity: number; code: string; message: string }) => `${d.line}:${d.col} ${d.severity} ${d.code} ${d.message}`;

test('Neovim with its default 0.7 capabilities: the CLI diagnostics, the hover cost table, quick fixes', LIMIT, () => {
  const { result, dir, cli } = runNvim({ createFiles: false });
  try {
    assert.match(result.nvim, /^0\.\d+\.\d+$/);
    // The server adds `offload-fallback` hints (where a request path leaves the kernel) that the
    // CLI's report leaves out; every other diagnostic must be the CLI's, exactly.
    const cliHasFallbacks = cli.diagnostics.some((d) => d.code === FALLBACK_HINT);
    const seen = (result.diagnostics ?? []).filter((d) => cliHasFallbacks || d.code !== FALLBACK_HINT).map(key).sort();
    const expected = cli.diagnostics.map((d) => key({ line: d.range.start.line, col: d.range.start.character, severity: d.severity, code: d.code, message: d.message })).sort();
    assert.ok(expected.length > 0, 'the CLI reports diagnostics on kv-cache.c');
    assert.deepEqual(seen, expected, 'Neovim shows exactly the diagnostics of `bpf-offload analyze --json`');
    assert.ok((result.diagnostics ?? []).every((d) => d.source === 'bpf-offload'));

    const hover = result.hover;
    assert.ok(hover, 'a hover on the handle_request line');
    assert.equal(hover.kind, 'markdown');
    assert.match(hover.value, /handle\\?_request/, 'the hover names the handler');
    assert.match(hover.value, /^\| Path \| Share \| Ends \| Userspace ns \| Split ns \| Saving ns \|$/m);
    const estimate = cli.entries.find((e) => e.handler === 'handle_request')?.cost?.estimate;
    assert.ok(estimate, 'the CLI estimates the handle_request entry');
    for (const path of estimate.paths) assert.match(hover.value, new RegExp(`^\\| (▶ )?\\*\\*${path.id}\\*\\* `, 'm'), `a row for ${path.id}`);
    const rows = hover.value.split('\n').filter((l) => /^\| (▶ )?\*\*P\d+\*\*/.test(l));
    assert.equal(rows.length, estimate.paths.length, 'one row per path the CLI estimates');
    if (Math.abs(estimate.expectedSavingNs) >= 100) {
      assert.ok(hover.value.includes(`saving ${Math.round(estimate.expectedSavingNs).toLocaleString('en-US')} ns`), 'the expected saving of the CLI');
    }

    const fixes = result.atDiagnostic?.actions.filter((a) => a.kind === 'quickfix') ?? [];
    assert.ok(fixes.length > 0, `quick fixes at the ${result.atDiagnostic?.code} diagnostic on line ${result.atDiagnostic?.line}: ${JSON.stringify(result.atDiagnostic)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Neovim 0.7 can create files from a workspace edit but does not advertise it; a user who sets
// documentChanges + resourceOperations (see init.lua) gets the offload refactoring, resolved
// lazily through codeAction/resolve and applied by Neovim itself.
test('Neovim offers "Offload handle_request to XDP" and applying it creates the split files', LIMIT, () => {
  const { result, dir } = runNvim({ createFiles: true });
  try {
    const actions = result.onHandler?.actions ?? [];
    const xdp = actions.find((a) => /^Offload handle_request to XDP/.test(a.title));
    assert.ok(xdp, `an "Offload to XDP" action on the handler line: ${JSON.stringify(actions)}`);
    assert.equal(xdp.kind, 'refactor.extract');
    assert.equal(xdp.disabled, undefined, `the XDP offload is enabled: ${xdp.disabled}`);
    const created = result.applied ?? [];
    assert.ok(created.some((f) => f.endsWith('kv-cache.bpf.c')), `the kernel half was among the created files: ${created}`);
    for (const file of created) assert.ok(existsSync(file), `${file} exists after Neovim applied the edit`);
    assert.equal(readFileSync(join(dir, 'kv-cache.c'), 'utf8'), readFileSync(EXAMPLE, 'utf8'), 'the original source is untouched');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
