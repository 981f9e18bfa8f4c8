// `npm test`: installs what is missing, type-checks and compiles, bundles, then runs every test
// with node's own runner. Arguments narrow the run: directories or .test.js files under out/
// (e.g. `npm test -- out/test/cli`), and options starting with -- go to `node --test`.
import { existsSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDependencies, run } from './ensure-deps.mjs';

ensureDependencies();
// Stale output of deleted or renamed tests must not run.
rmSync('out', { recursive: true, force: true, maxRetries: 5 });
// tsc emits JavaScript even when it reports type errors, and a failed bundle leaves the others
// built; the tests still run so that one mistake does not hide every other result, but the run
// fails at the end.
const typeCheck = run('npx', ['tsc', '-p', '.']);
// The benchmark has its own project (bench/tsconfig.json, not emitted): checked here too, so that a
// change that breaks `npm run bench` fails the tests rather than the next benchmark run.
const benchTypeCheck = run('npx', ['tsc', '-p', 'bench']);
const build = run('node', ['scripts/build.mjs']);

const args = process.argv.slice(2);
const nodeOptions = args.filter((a) => a.startsWith('--'));
const targets = args.filter((a) => !a.startsWith('--'));
const files = (targets.length ? targets : ['out/test']).flatMap((target) => {
  if (!existsSync(target)) {
    console.error(`test: no such file or directory: ${target}`);
    process.exit(2);
  }
  return statSync(target).isDirectory() ? testFilesUnder(target) : [target];
});
if (files.length === 0) {
  console.error('test: no test files found');
  process.exit(1);
}

// Only *.test.js files are tests; helpers beside them are not run on their own.
function testFilesUnder(directory) {
  return readdirSync(directory, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((entry) => {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) return testFilesUnder(path);
      return entry.name.endsWith('.test.js') ? [path] : [];
    });
}

const testStatus = run('node', ['--test', ...nodeOptions, ...files]);
if (typeCheck !== 0) console.error('test: tsc reported type errors (see above)');
if (benchTypeCheck !== 0) console.error('test: tsc reported type errors in bench/ (see above)');
if (build !== 0) console.error('test: the build failed (see above)');
process.exit(testStatus !== 0 || typeCheck !== 0 || benchTypeCheck !== 0 || build !== 0 ? 1 : 0);
