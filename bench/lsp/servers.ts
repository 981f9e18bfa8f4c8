// The two language servers under test and how a session with each starts: spawn over stdio,
// initialize as an editor would (rooted at the code base), wait until the server is idle.
import { pathToFileURL } from 'node:url';
import * as path from 'node:path';
import { LspProcess } from '../lib/lspClient';
import type { Corpus } from './corpus';

export interface ServerSpec {
  /** Key in the results ("ours", "clangd"). */
  id: string;
  /** What the report calls it, with the settings that matter. */
  label: string;
  command: string;
  args: string[];
  /** The answer to workspace/configuration. */
  configuration?: unknown;
  /** Waits for the server's start-up work (e.g. the workspace index) after `initialized`. */
  ready(server: LspProcess): Promise<void>;
}

export interface OurServerOptions {
  /** undefined: the setting's default (the client sends no value). */
  debounceMs?: number;
  /** Directory for node --cpu-prof profiles; none when undefined. */
  cpuProfileDir?: string;
  /** The server's log at debug level, which names each analysis thread job's time (measure.ts reads it). */
  debugLog?: boolean;
}

const INDEX_TIMEOUT_MS = 120_000;

export function ourServer(root: string, options: OurServerOptions = {}): ServerSpec {
  const nodeArgs = options.cpuProfileDir ? ['--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`] : [];
  const configuration = {
    ...(options.debounceMs === undefined ? {} : { diagnostics: { debounceMs: options.debounceMs } }),
    ...(options.debugLog ? { logLevel: 'debug' } : {}),
  };
  return {
    id: 'ours',
    label: `bpf-offload-server (debounce ${options.debounceMs ?? 'default 200'} ms)`,
    command: process.execPath,
    args: [...nodeArgs, path.join(root, 'dist/server.js'), '--stdio'],
    // The content of the `bpfOffload` section, which is what the server asks for.
    configuration,
    // The workspace index runs after `initialized` and reports its end as work-done progress.
    ready: async (server) => {
      await server.waitUntil('the workspace index', () => server.progressEnded.size > 0, INDEX_TIMEOUT_MS);
      await server.quiet(150, INDEX_TIMEOUT_MS);
    },
  };
}

export interface ClangdOptions {
  /** --sync: requests are handled on the main thread, without clangd's update debounce. */
  sync?: boolean;
}

export function clangdServer(corpus: Corpus, options: ClangdOptions = {}): ServerSpec {
  // Background indexing would compete for the two cores with the file being measured and is not
  // needed for diagnostics; it is off so that clangd is measured at its fastest.
  const args = [`--compile-commands-dir=${corpus.compileCommandsDir}`, '--background-index=false', '--log=error'];
  if (options.sync) args.push('--sync');
  return {
    id: options.sync ? 'clangd-sync' : 'clangd',
    label: `clangd ${options.sync ? '--sync ' : ''}--background-index=false`,
    command: 'clangd',
    args,
    ready: async () => undefined,
  };
}

export const CLIENT_CAPABILITIES = {
  workspace: {
    configuration: true,
    workspaceFolders: true,
    didChangeConfiguration: { dynamicRegistration: true },
  },
  textDocument: {
    synchronization: { dynamicRegistration: false, didSave: false },
    publishDiagnostics: { versionSupport: true, relatedInformation: true },
  },
  window: { workDoneProgress: true },
  general: { positionEncodings: ['utf-16'] },
};

export async function startServer(spec: ServerSpec, corpus: Corpus): Promise<LspProcess> {
  const server = new LspProcess({ command: spec.command, args: spec.args, configuration: spec.configuration, label: spec.id });
  const rootUri = pathToFileURL(corpus.dir).href;
  await server.request('initialize', {
    processId: process.pid,
    rootUri,
    workspaceFolders: [{ uri: rootUri, name: path.basename(corpus.dir) }],
    capabilities: CLIENT_CAPABILITIES,
    clientInfo: { name: 'bpf-offload-bench' },
  });
  server.notify('initialized', {});
  await spec.ready(server);
  return server;
}

export function fileUri(file: string): string {
  return pathToFileURL(file).href;
}
