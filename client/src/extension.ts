// The VS Code side of BPF Offload: starts the language server (dist/server.js) over node IPC,
// tells it whether the workspace is trusted, and offers its commands (verify and calibrate go to the server). All analysis happens in
// the server, so the same behaviour reaches Neovim and other LSP clients.
import * as path from 'path';
import * as vscode from 'vscode';
import { CodeActionResolveRequest, LanguageClient, LanguageClientOptions, ServerOptions, State, TransportKind } from 'vscode-languageclient/node';
import { InitializationOptions, WORKSPACE_TRUSTED_NOTIFICATION } from '../../server/src/protocol';
import { COMMAND_IDS } from './commands';
import { OffloadDecorations, showDetails } from './decorations';
import { creatingWorkspaceEdit, isOffloadActionData } from './offloadEdit';
import { registerToolCommands } from './toolCommands';

// The id is also the settings prefix vscode-languageclient reads `<id>.trace.server` from.
const CLIENT_ID = 'bpfOffload';
const CLIENT_NAME = 'BPF Offload';

let client: LanguageClient | undefined;

function createClient(context: vscode.ExtensionContext, outputChannel: vscode.OutputChannel): LanguageClient {
  const serverModule = context.asAbsolutePath(path.join('dist', 'server.js'));
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.ipc },
    debug: { module: serverModule, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6011'] } },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: 'file', language: 'c' },
      { scheme: 'untitled', language: 'c' },
    ],
    outputChannel,
    // A function, so a restart after trust was granted sends the current value.
    initializationOptions: (): InitializationOptions => ({ trusted: vscode.workspace.isTrusted, offloadRegions: true }),
    middleware: {
      // The offload split must reach VS Code as file creations with contents (./offloadEdit.ts);
      // the default conversion would lose the server's edit's shape, so this one asks itself.
      resolveCodeAction: async (item, token, next) => {
        const running = client;
        const data = (item as { data?: unknown }).data;
        if (!running || item.edit || !isOffloadActionData(data)) return next(item, token);
        const resolved = await running.sendRequest(CodeActionResolveRequest.type, running.code2ProtocolConverter.asCodeActionSync(item), token);
        const action = await running.protocol2CodeConverter.asCodeAction(resolved, token);
        const creating = resolved.edit && creatingWorkspaceEdit(vscode, resolved.edit);
        if (creating) action.edit = creating;
        return action;
      },
    },
  };
  return new LanguageClient(CLIENT_ID, CLIENT_NAME, serverOptions, clientOptions);
}

/** Idempotent on the server; also covers trust granted while the client was starting. */
function sendTrustIfGranted(): void {
  if (client?.isRunning() && vscode.workspace.isTrusted) void client.sendNotification(WORKSPACE_TRUSTED_NOTIFICATION);
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  const outputChannel = vscode.window.createOutputChannel(CLIENT_NAME);
  context.subscriptions.push(outputChannel);
  client = createClient(context, outputChannel);

  context.subscriptions.push(
    vscode.commands.registerCommand(COMMAND_IDS.restartServer, async () => {
      if (!client) return;
      try {
        await client.restart();
        sendTrustIfGranted();
      } catch (error) {
        outputChannel.appendLine(`Restart failed: ${(error as Error).message}`);
        void vscode.window.showErrorMessage(`BPF Offload: could not restart the language server (${(error as Error).message}).`);
      }
    }),
    vscode.commands.registerCommand(COMMAND_IDS.showLog, () => outputChannel.show(true)),
    vscode.commands.registerCommand(COMMAND_IDS.showDetails, showDetails),
    vscode.workspace.onDidGrantWorkspaceTrust(sendTrustIfGranted),
    ...registerToolCommands(() => client, outputChannel),
  );

  const decorations = new OffloadDecorations(client);
  context.subscriptions.push(decorations);
  // After a restart the regions come again from the new server; stale ones must not linger.
  context.subscriptions.push(client.onDidChangeState((e) => e.newState === State.Stopped && decorations.clear()));

  try {
    await client.start();
    sendTrustIfGranted();
  } catch (error) {
    outputChannel.appendLine(`The language server did not start: ${(error as Error).message}`);
    void vscode.window.showErrorMessage('BPF Offload: the language server did not start. See BPF Offload: Show Log.');
  }
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = undefined;
  if (running) await running.stop();
}
