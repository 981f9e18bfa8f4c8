// The README's Neovim snippet, run as written (with the checkout's path filled in) against the
// built server: the snippet a user copies has to work, not just a test-only configuration.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

const repoRoot = path.resolve(__dirname, '../../..');

function installedNeovim(): [number, number] | undefined {
  const result = spawnSync('nvim', ['--version'], { encoding: 'utf8' });
  const m = /NVIM v(\d+)\.(\d+)/.exec(result.stdout ?? '');
  return m ? [Number(m[1]), Number(m[2])] : undefined;
}

function readmeLuaSnippets(): string[] {
  const readme = fs.readFileSync(path.join(repoRoot, 'README.md'), 'utf8');
  return [...readme.matchAll(/```lua\n([\s\S]*?)```/g)].map((m) => m[1]);
}

const version = installedNeovim();

test('the README Neovim snippet starts the server and shows its diagnostics', { skip: version ? false : 'nvim is not installed', timeout: 120_000 }, () => {
  const snippets = readmeLuaSnippets();
  assert.equal(snippets.length, 2, 'one snippet for Neovim 0.8+, one for 0.7');
  const [major, minor] = version!;
  const snippet = major > 0 || minor >= 8 ? snippets[0] : snippets[1];

  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bpf-offload-nvim-'));
  try {
    const init = path.join(dir, 'init.lua');
    fs.writeFileSync(init, snippet.replaceAll('/path/to/bpf-offload', repoRoot));
    const source = path.join(dir, 'server.c');
    fs.writeFileSync(source, '#include <stdlib.h>\n\n// bpf-offload: entry\nint handle(int n)\n{\n    char *p = malloc(n);\n    free(p);\n    return n;\n}\n');
    const result = path.join(dir, 'diagnostics.txt');
    const check = path.join(dir, 'check.lua');
    fs.writeFileSync(
      check,
      `vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 100)
local lines = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  local code = d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  table.insert(lines, string.format('%d:%d:%d:%s:%s', d.lnum, d.col, d.severity, tostring(code), tostring(d.source)))
end
vim.fn.writefile(lines, ${JSON.stringify(result)})
vim.cmd('qa!')
`,
    );
    const run = spawnSync('nvim', ['--headless', '-n', '-i', 'NONE', '-u', init, source, '-c', `luafile ${check}`], {
      cwd: dir,
      encoding: 'utf8',
      timeout: 90_000,
      env: { ...process.env, XDG_STATE_HOME: dir, XDG_CACHE_HOME: dir, XDG_DATA_HOME: dir },
    });
    assert.ok(fs.existsSync(result), `nvim wrote no result (status ${run.status}): ${run.stderr}`);
    const diagnostics = fs.readFileSync(result, 'utf8').split('\n').filter(Boolean);
    // malloc is on line 6 (0-based 5), an error (severity 1) from our server.
    assert.ok(
      diagnostics.some((d) => d.startsWith('5:') && d.includes(':1:dynamic-memory:bpf-offload')),
      diagnostics.join('\n'),
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
