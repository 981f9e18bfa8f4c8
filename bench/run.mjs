#!/usr/bin/env node
// `npm run bench`: installs what is missing, builds the server exactly as `npm test` does, bundles
// the benchmark (TypeScript under bench/) and runs it. Arguments go to the benchmark:
//   npm run bench                      every section
//   npm run bench -- editor-latency    only the named section(s); the others keep their last results
//   npm run bench -- --quick           fewer samples (marked as such in the document)
//   npm run bench -- --help
//   npm run bench:steps -- ...         bench/editSteps.ts instead: where an edit's time goes, in-process
import * as esbuild from 'esbuild';
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { ensureDependencies, runOrExit } from '../scripts/ensure-deps.mjs';

ensureDependencies();
runOrExit('node', ['scripts/build.mjs']);
mkdirSync('.cache/bench', { recursive: true });
const steps = process.argv[2] === '--steps';
const entry = steps ? 'editSteps' : 'main';
await esbuild.build({
  entryPoints: [`bench/${entry}.ts`],
  outfile: `.cache/bench/${entry}.cjs`,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: true,
  // Packages load from node_modules at run time, as the server's own do (wasm files included).
  packages: 'external',
  logLevel: 'warning',
});
const result = spawnSync(process.execPath, ['--enable-source-maps', `.cache/bench/${entry}.cjs`, ...process.argv.slice(steps ? 3 : 2)], { stdio: 'inherit' });
process.exit(result.status ?? 1);
