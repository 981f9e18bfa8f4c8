// System tools for the network tests: the product's command runner (argument arrays only, no
// shell, bounded in time and output, failures that name the command and what it printed) and
// where a tool is installed.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export { runCommand } from '../../server/src/tools/command';

/** The first executable `name` on PATH or in the sbin directories (where Debian puts ip and sysctl), or undefined. */
export function findExecutable(name: string): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter(Boolean), '/usr/local/sbin', '/usr/sbin', '/sbin'];
  for (const dir of dirs) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}
