// Shared by the editor-feature tests: a temporary workspace holding a copy of an example
// server, a client that records offload-region notifications, and gcov JSON written from a
// request mix over the slice paths' witness lines (the lines gcov counts once per request).
import { copyFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { LspTestClient } from './lspClient';
import { OFFLOAD_REGIONS_NOTIFICATION, type OffloadRegionsParams } from '../../server/src/protocol';
import type { SlicePath } from '../../server/src/analysis/slices';

export const EXAMPLES = resolve(__dirname, '../../../examples');

export interface Workspace {
  dir: string;
  folderUri: string;
  file: string;
  uri: string;
}

/** A fresh directory with a copy of examples/<name>/<name>.c (and nothing else, unless asked). */
export function exampleWorkspace(name: string): Workspace {
  const dir = mkdtempSync(join(tmpdir(), `bpfo-editor-${name}-`));
  const file = join(dir, `${name}.c`);
  copyFileSync(join(EXAMPLES, name, `${name}.c`), file);
  return { dir, folderUri: pathToFileURL(dir).href, file, uri: pathToFileURL(file).href };
}

export class RegionsClient extends LspTestClient {
  readonly regions: OffloadRegionsParams[] = [];

  constructor() {
    super();
    this.connection.onNotification(OFFLOAD_REGIONS_NOTIFICATION, (p: OffloadRegionsParams) => {
      this.regions.push(p);
      (this as unknown as { wake(): void }).wake();
    });
  }
}

/** gcov --json-format output for `file` where each path ran as often as `mix` says. */
export function gcovJson(file: string, functionName: string, paths: SlicePath[], mix: Map<string, number>): string {
  const counts = new Map<number, number>();
  for (const p of paths) for (const line of p.witnessLines) counts.set(line, (counts.get(line) ?? 0) + (mix.get(p.id) ?? 0));
  const requests = [...mix.values()].reduce((a, b) => a + b, 0);
  return JSON.stringify({
    format_version: '1',
    gcc_version: '12.2.0',
    current_working_directory: '/',
    data_file: 'kv-cache.gcda',
    files: [
      {
        file,
        functions: [{ name: functionName, demangled_name: functionName, start_line: 1, start_column: 1, end_line: 1, end_column: 1, blocks: 1, blocks_executed: 1, execution_count: requests }],
        lines: [...counts].sort((a, b) => a[0] - b[0]).map(([line_number, count]) => ({ line_number, count, unexecuted_block: count === 0, branches: [] })),
      },
    ],
  });
}

export function writeGcov(path: string, text: string): void {
  writeFileSync(path, text);
}
