// The BPF Offload language server: connects LSP messages to features, nothing more. State lives
// in Analyzer, behaviour in features/*. Transport (--stdio, --node-ipc, --socket=N) is chosen
// by vscode-languageserver from the command line; with none given, stdio is used, with a writer
// that reuses the JSON of unchanged diagnostics (cachedDiagnosticsWriter.ts).
import {
  CodeActionKind,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  InitializeParams,
  InitializeResult,
  ProposedFeatures,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { initC } from './analysis/syntax';
import { choosesStdio, createStdioConnection, transportArgument } from './cachedDiagnosticsWriter';
import { limitHeapGrowth } from './heapGrowth';
import { Analyzer } from './analyzer';
import { SettingsProvider } from './features/configuration';
import { DiagnosticsFeature } from './features/diagnostics';
import { createIndexProgress } from './features/progress';
import { guardedNotification } from './features/requests';
import { WorkspaceFeature } from './features/workspace';
import { ProfilesFeature } from './features/profiles';
import { createHoverHandler } from './features/hover';
import { createCodeLensHandler } from './features/codeLens';
import { CodeActionsFeature, codeActionSupportFrom } from './features/codeActions';
import { offloadRegionsOf } from './features/offloadRegions';
import { CommandsFeature, SERVER_COMMANDS } from './features/commands';
import { guarded } from './features/requests';
import { OFFLOAD_REGIONS_NOTIFICATION, type InitializationOptions } from './protocol';
import { Logger } from './log';
import { isTrustedFrom, WORKSPACE_TRUSTED_NOTIFICATION } from './protocol';
import { SETTINGS_SECTION } from './settings';

// An editor may pass only --clientProcessId, which is not a transport: stdio then, as with nothing.
if (!transportArgument(process.argv.slice(2))) process.argv.push('--stdio');

limitHeapGrowth();

const connection = choosesStdio(process.argv.slice(2)) ? createStdioConnection() : createConnection(ProposedFeatures.all);
const logger = new Logger(connection.console);
const analyzer = new Analyzer(logger, { startAnalysisThread: true });

// Last line of defence: an unexpected error is logged; the editor keeps its server.
process.on('uncaughtException', (error) => logger.error('Uncaught exception', error));
process.on('unhandledRejection', (reason) => logger.error('Unhandled promise rejection', reason));

let settings: SettingsProvider;
let diagnostics: DiagnosticsFeature;
let workspace: WorkspaceFeature;
let dynamicConfiguration = false;
let dynamicWatchers = false;
let folderEvents = false;
let profiles: ProfilesFeature;
let codeActions: CodeActionsFeature;
let codeLensRefresh = false;
let commands: CommandsFeature;

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
  // Verify results are published with the analysis' diagnostics of the same file (features/commands.ts).
  commands = new CommandsFeature({
    analyzer,
    settings,
    logger,
    send: (p) => void connection.sendDiagnostics(p).catch((e) => logger.debug(`publish failed: ${e}`)),
    showMessage: (type, message) => void connection.sendNotification('window/showMessage', { type, message }).catch((e) => logger.debug(`message not shown: ${e}`)),
    createProgress: () => connection.window.createWorkDoneProgress(),
    relatedInformation: capabilities.textDocument?.publishDiagnostics?.relatedInformation === true,
    defaultFolder: () => profiles.folderFor(''),
  });
  diagnostics = new DiagnosticsFeature({
    analyzer,
    settings,
    logger,
    publish: (p) => commands.publishAnalysis(p),
    relatedInformation: capabilities.textDocument?.publishDiagnostics?.relatedInformation === true,
    offloadOptions: (uri, current) => profiles.offloadOptions(uri, current),
    recentOffloadOptions: (uri, current) => profiles.recentOffloadOptions(uri, current),
    onAnalyzed: (result) => {
      if (wantsRegions) void connection.sendNotification(OFFLOAD_REGIONS_NOTIFICATION, offloadRegionsOf(result)).catch((e) => logger.debug(`regions not sent: ${e}`));
    },
  });
  const wantsRegions = (params.initializationOptions as InitializationOptions | undefined)?.offloadRegions === true;
  profiles = new ProfilesFeature(logger, () => analyzer.isTrusted());
  profiles.setFolders(params.workspaceFolders?.length ? params.workspaceFolders.map((f) => f.uri) : params.rootUri ? [params.rootUri] : []);
  codeActions = new CodeActionsFeature({ analyzer, settings, profiles, logger }, codeActionSupportFrom(capabilities));
  codeLensRefresh = capabilities.workspace?.codeLens?.refreshSupport === true;
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
      hoverProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, CodeActionKind.RefactorExtract], resolveProvider: true },
      executeCommandProvider: { commands: SERVER_COMMANDS },
    },
    serverInfo: { name: 'bpf-offload-server', version: '0.1.0' },
  };
});

connection.onInitialized(async () => {
  if (dynamicConfiguration) void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
  if (dynamicWatchers) {
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{c,h}' }] });
    // Profiles and the calibration file: the cost estimates follow them.
    void connection.client.register(DidChangeWatchedFilesNotification.type, { watchers: [{ globPattern: '**/*.{json,gz}' }] });
  }
  if (folderEvents) {
    connection.workspace.onDidChangeWorkspaceFolders(
      guardedNotification(logger, 'workspace folders', (e) => {
        profiles.foldersChanged(e);
        return workspace.foldersChanged(e);
      }),
    );
  }
  await applyWindowSettings();
  logger.info(`BPF Offload server started (${analyzer.isTrusted() ? 'trusted' : 'untrusted: no external programs run'})`);
  void workspace.reindex().catch((error) => logger.error('Workspace indexing failed', error));
});

async function applyWindowSettings(): Promise<void> {
  try {
    const windowSettings = await settings.get();
    logger.setLevel(windowSettings.logLevel);
    // The first document opened is analysed with these (SettingsProvider.known) and the files read here.
    void profiles.prefetch(windowSettings).catch((error) => logger.debug(`Profiles and calibration not read ahead: ${error}`));
  } catch (error) {
    logger.error('Could not read settings', error);
  }
}

connection.onDidOpenTextDocument(
  guardedNotification(logger, 'didOpen', ({ textDocument: d }) => {
    analyzer.openDocument(d.uri, d.languageId, d.version, d.text);
    return diagnostics.documentOpened(d.uri);
  }),
);

connection.onDidChangeTextDocument(
  guardedNotification(logger, 'didChange', ({ textDocument: d, contentChanges }) => {
    if (!analyzer.changeDocument(d.uri, d.version ?? 0, contentChanges ?? [])) return;
    commands.documentEdited(d.uri);
    return diagnostics.documentChanged(d.uri);
  }),
);

connection.onDidCloseTextDocument(
  guardedNotification(logger, 'didClose', ({ textDocument: d }) => {
    const closed = analyzer.closeDocument(d.uri);
    settings.forget(d.uri);
    diagnostics.documentClosed(d.uri);
    return workspace.documentClosed(d.uri, closed);
  }),
);

connection.onDidChangeConfiguration(
  guardedNotification(logger, 'didChangeConfiguration', async (params) => {
    settings.invalidate(params?.settings);
    await applyWindowSettings();
    costInputsChanged();
  }),
);

connection.onDidChangeWatchedFiles(
  guardedNotification(logger, 'didChangeWatchedFiles', (p) => {
    if (profiles.watchedFilesChanged(p)) costInputsChanged();
    return workspace.watchedFilesChanged(p);
  }),
);

/** After a profile, calibration or setting changed: estimates, lenses and hovers follow. */
function costInputsChanged(): void {
  diagnostics.refreshAll();
  if (codeLensRefresh) void connection.sendRequest('workspace/codeLens/refresh').catch((e) => logger.debug(`codeLens refresh: ${e}`));
}

connection.onHover(guarded(logger, 'hover', null, (p, token) => createHoverHandler({ analyzer, settings, profiles })(p, token)));
connection.onCodeLens(guarded(logger, 'codeLens', [], (p, token) => createCodeLensHandler({ analyzer, settings, profiles })(p, token)));
connection.onCodeAction(guarded(logger, 'codeAction', [], (p, token) => codeActions.provide(p, token)));
connection.onCodeActionResolve(async (action, token) => {
  // A failed resolve answers with the action as it came (no edit), never with something else.
  const resolved = await guarded(logger, 'codeAction/resolve', action, (a: typeof action) => codeActions.resolve(a))(action, token);
  return resolved;
});

// Verify and calibrate: they answer with a result and a message whatever happens (never an error).
connection.onExecuteCommand((params, token, workDone) => commands.execute(params, token, workDone));

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
