// Shared by `npm start` and `npm test`: install the locked dependencies when node_modules is
// missing or older than package-lock.json, so a fresh clone needs no separate install step.
import { spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';

// npm writes this file at the end of every install, so its age is the age of the install.
const INSTALL_MARKER = 'node_modules/.package-lock.json';

export function ensureDependencies() {
  const stale =
    !existsSync(INSTALL_MARKER) || statSync(INSTALL_MARKER).mtimeMs < statSync('package-lock.json').mtimeMs;
  if (!stale) return;
  console.error('Installing dependencies (npm ci)…');
  runOrExit('npm', ['ci', '--no-audit', '--no-fund']);
}

/** Runs a command with inherited output; on failure exits with its status and no stack trace. */
export function runOrExit(command, args) {
  const status = run(command, args);
  if (status !== 0) {
    console.error(`${command} ${args.join(' ')} failed (exit ${status})`);
    process.exit(status || 1);
  }
}

export function run(command, args) {
  const result = spawnSync(command, args, { stdio: 'inherit' });
  if (result.error) {
    console.error(`cannot run ${command}: ${result.error.message}`);
    return 127;
  }
  return result.status ?? 1;
}
