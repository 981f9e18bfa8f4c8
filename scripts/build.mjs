// Bundles the client, the server and the CLI into dist/ with esbuild and copies the two wasm
// files (web-tree-sitter's runtime and the C grammar) beside them, where syntax.ts looks first.
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');

mkdirSync('dist', { recursive: true });
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), 'dist/tree-sitter.wasm');
copyFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'), 'dist/tree-sitter-c.wasm');

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const entries = [
  { in: 'client/src/extension.ts', out: 'dist/client.js', external: ['vscode'] },
  { in: 'server/src/server.ts', out: 'dist/server.js' },
  { in: 'server/src/cli.ts', out: 'dist/cli.js' },
];

import { existsSync } from 'node:fs';
await Promise.all(
  entries
    .filter((e) => existsSync(e.in))
    .map((e) => esbuild.build({ ...common, entryPoints: [e.in], outfile: e.out, external: e.external ?? [] })),
);
