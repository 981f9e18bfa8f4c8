// Bundles the client, the server and the CLI into dist/ with esbuild and copies the two wasm
// files (web-tree-sitter's runtime and the C grammar) beside them, where syntax.ts looks first,
// and the load generator's C source, which the calibration compiles on the user's machine
// (loadGenerator.ts looks for it beside the bundles).
// Files in dist/ that this build did not write are deleted afterwards, so `npm run package` never
// ships a stale file (dist/ is not emptied first: other processes may be running the bundles).
import * as esbuild from 'esbuild';
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const production = process.argv.includes('--production');

mkdirSync('dist', { recursive: true });
copyFileSync(require.resolve('web-tree-sitter/tree-sitter.wasm'), 'dist/tree-sitter.wasm');
copyFileSync(require.resolve('tree-sitter-c/tree-sitter-c.wasm'), 'dist/tree-sitter-c.wasm');
copyFileSync('server/src/tools/loadgen.c', 'dist/loadgen.c');

// web-tree-sitter ships an ES module and a CommonJS build. esbuild would pick the ES module for
// our `import` statements, and its `import.meta.url` is empty inside a CommonJS bundle, which
// breaks loading tree-sitter.wasm; so every import of it is pointed at the CommonJS build.
const webTreeSitterAsCommonJs = {
  name: 'web-tree-sitter-cjs',
  setup(build) {
    build.onResolve({ filter: /^web-tree-sitter$/ }, () => ({ path: require.resolve('web-tree-sitter') }));
  },
};

const common = {
  bundle: true,
  plugins: [webTreeSitterAsCommonJs],
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // Source maps help while developing; the packaged extension ships none.
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
};

const entries = [
  // `vscode` is provided by the editor at run time and must never be bundled.
  { in: 'client/src/extension.ts', out: 'dist/client.js', external: ['vscode'] },
  { in: 'server/src/server.ts', out: 'dist/server.js' },
  // The server's analysis thread (server/src/analysisRunner.ts starts it from beside server.js).
  { in: 'server/src/analysisWorker.ts', out: 'dist/analysisWorker.js' },
  { in: 'server/src/cli.ts', out: 'dist/cli.js' },
];

const missing = entries.filter((e) => !existsSync(e.in));
if (missing.length > 0) {
  const names = missing.map((e) => e.in).join(', ');
  // A release must contain every part; during development a part may not be written yet.
  if (production) {
    console.error(`build: missing entry point(s): ${names}`);
    process.exit(1);
  }
  console.error(`build: skipping missing entry point(s): ${names}`);
}

// Each bundle is independent: one failing must not stop the others from being written.
const results = await Promise.allSettled(
  entries
    .filter((e) => existsSync(e.in))
    .map((e) => esbuild.build({ ...common, entryPoints: [e.in], outfile: e.out, external: e.external ?? [] })),
);
const written = new Set(['tree-sitter.wasm', 'tree-sitter-c.wasm', 'loadgen.c']);
for (const e of entries.filter((e) => existsSync(e.in))) {
  const name = e.out.slice('dist/'.length);
  written.add(name);
  if (!production) written.add(`${name}.map`);
}
for (const name of readdirSync('dist')) {
  if (!written.has(name)) rmSync(`dist/${name}`, { recursive: true, force: true });
}

// esbuild has already printed the errors with their locations.
if (results.some((r) => r.status === 'rejected')) process.exit(1);
