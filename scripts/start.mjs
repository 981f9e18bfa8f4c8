// `npm start`: installs what is missing, builds, and prints the report on the bundled example
// server, so a fresh clone shows what the tool does with one command.
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ensureDependencies, run, runOrExit } from './ensure-deps.mjs';

ensureDependencies();
runOrExit('node', ['scripts/build.mjs']);

// kv-cache is the example the README describes; any other example still shows the tool working.
const example = existsSync('examples/kv-cache') ? 'examples/kv-cache' : firstExample();
if (!example) {
  console.error('start: no example server under examples/');
  process.exit(1);
}
process.exit(run('node', ['dist/cli.js', 'report', ...process.argv.slice(2), example]));

function firstExample() {
  if (!existsSync('examples')) return undefined;
  const names = readdirSync('examples', { withFileTypes: true })
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return names.length ? join('examples', names[0]) : undefined;
}
