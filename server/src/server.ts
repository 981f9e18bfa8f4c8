// The BPF Offload language server: connects LSP messages to features, nothing more. State lives
// in Analyzer, behaviour in features/*. Transport (--stdio, --node-ipc, --socket=N) is chosen
// by vscode-languageserver from the command line; with none given, stdio is used.
import {
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  InitializeParams,
  InitializeResult,
  ProposedFeatures,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { initC } from './analysis/syntax';
import { Analyzer } from './analyzer';
import { SettingsProvider } from './features/configuration';
import { DiagnosticsFeature } from './features/diagnostics';
import { createIndexProgress } from './features/progress';
import { guardedNotification } from './features/requests';
import { WorkspaceFeature } from './features/workspace';
import { Logger } from './log';
import { isTrustedFrom, WORKSPACE_TRUSTED_NOTIFICATION } from './protocol';
import { SETTINGS_SECTION } from './settings';

const TRANSPORT_FLAGS = ['--stdio', '--node-ipc', '--socket', '--pipe', '--clientProcessId'];
if (!process.argv.slice(2).some((a) => TRANSPORT_FLAGS.some((flag) => a.startsWith(flag)))) process.argv.push('--stdio');

const connection = createConnection(ProposedFeatures.all);
const logger = new Logger(connection.console);
const analyzer = new Analyzer(logger);

// Last line of defence: an unexpected error is logged; the editor keeps its server.
process.on('uncaughtException', (error) => logger.error('Uncaught exception', error));
process.on('unhandledRejection', (reason) => logger.error('Unhandled promise rejection', reason));

let settings: SettingsProvider;
let diagnostics: DiagnosticsFeature;
let workspace: WorkspaceFeature;
let dynamicConfiguration = false;
let dynamicWatchers = false;
let folderEvents = false;

connection.onInitialize(async (params: InitializeParams): Promise<InitializeResult> => {
  // Parsing is synchronous once the wasm is loaded; load it before any document arrives.
  await initC();
  const capabilities = params.capabilities;
  analyzer.setTrusted(isTrustedFrom(params.initializationOptions));
  settings = new SettingsProvider(
    logger,
    () => analyzer.isTrusted(),
    capabilities.workspace?.configuration
      ? async (scopeUri) => connection.workspace.getConfiguration({ scopeUri, section: SETTINGS_SECTION })
      : undefined,
  );
  diagnostics = new DiagnosticsFeature({
    analyzer,
    settings,
    logger,
    publish: (p) => void connection.sendDiagnostics(p).catch((e) => logger.debug(`publish failed: ${e}`)),
    relatedInformation: capabilities.textDocument?.publishDiagnostics?.relatedInformation === true,
  });
  workspace = new WorkspaceFeature({
    analyzer,
    logger,
    createProgress: () => createIndexProgress(connection, logger),
    onIndexChanged: () => diagnostics.refreshAll(),
  });
  workspace.setFolders(params.workspaceFolders, params.rootUri);
  dynamicConfiguration = capabilities.workspace?.didChangeConfiguration?.dynamicRegistration === true;
  dynamicWatchers = capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration === true;
  folderEvents = capabilities.workspace?.workspaceFolders === true;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      workspace: { workspaceFolders: { supported: true, changeNotifications: true } },
    },
    serverInfo: { name: 'bpf-offload-server', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  if (dynamicConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
  if (dynamicWatchers) {
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{c,h}' }] });
  }
  if (folderEvents) {
    connection.workspace.onDidChangeWorkspaceFolders(guardedNotification(logger, 'workspace folders', (e) => workspace.foldersChanged(e)));
  }
  await applyWindowSettings();
  logger.info(`BPF Offload server started (${analyzer.isTrusted() ? 'trusted' : 'untrusted: no external programs run'})`);
  void workspace.reindex().catch((error) => logger.error('Workspace indexing failed', error));
});

async function applyWindowSettings(): Promise<void> {
  try {
    logger.setLevel((await settings.get()).logLevel);
  } catch (error) {
    logger.error('Could not read settings', error);
  }
}

connection.onDidOpenTextDocument(
  guardedNotification(logger, 'didOpen', ({ textDocument: d }) => {
    analyzer.openDocument(d.uri, d.languageId, d.version, d.text);
    return diagnostics.documentChanged(d.uri);
  }),
);

connection.onDidChangeTextDocument(
  guardedNotification(logger, 'didChange', ({ textDocument: d, contentChanges }) => {
    if (!analyzer.changeDocument(d.uri, d.version ?? 0, contentChanges ?? [])) return;
    return diagnostics.documentChanged(d.uri);
  }),
);

connection.onDidCloseTextDocument(
  guardedNotification(logger, 'didClose', ({ textDocument: d }) => {
    analyzer.closeDocument(d.uri);
    settings.forget(d.uri);
    diagnostics.documentClosed(d.uri);
    return workspace.documentClosed(d.uri);
  }),
);

connection.onDidChangeConfiguration(
  guardedNotification(logger, 'didChangeConfiguration', async (params) => {
    settings.invalidate(params?.settings);
    await applyWindowSettings();
    diagnostics.refreshAll();
  }),
);

connection.onDidChangeWatchedFiles(guardedNotification(logger, 'didChangeWatchedFiles', (p) => workspace.watchedFilesChanged(p)));

connection.onNotification(
  WORKSPACE_TRUSTED_NOTIFICATION,
  guardedNotification(logger, 'workspaceTrusted', () => {
    if (analyzer.isTrusted()) return;
    analyzer.setTrusted(true);
    logger.info('Workspace trusted: settings naming executables now apply');
    settings.invalidate();
    diagnostics.refreshAll();
  }),
);

connection.onShutdown(() => {
  diagnostics?.dispose();
  analyzer.dispose();
});

connection.listen();
