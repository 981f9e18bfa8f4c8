// `npm test`: installs what is missing, type-checks and compiles, bundles, then runs every test
// with node's own runner. Extra arguments are passed to `node --test` (e.g. a file filter).
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';

const run = (cmd, args) => execFileSync(cmd, args, { stdio: 'inherit' });

if (!existsSync('node_modules/.package-lock.json')) run('npm', ['ci']);
rmSync('out', { recursive: true, force: true });
run('npx', ['tsc', '-p', '.']);
run('node', ['scripts/build.mjs']);
const extra = process.argv.slice(2);
try {
  run('node', ['--test', '--test-concurrency=1', ...(extra.length ? extra : ['out/test/'])]);
} catch {
  process.exit(1);
}
